/**
 * The training loops behind model.fit / evaluate / predict (keras/src/trainers).
 * Data is one list of tensors per side (one per model input / output); each step's
 * work is the model's trainStep / testStep, which a model may override as in Keras 3.
 * fit is async and yields to the event loop every few tens of milliseconds, so a
 * browser page stays responsive. Each step's graph is dropped when the step
 * ends, so memory stays flat however long training runs.
 */
import { Tensor } from '../tensor/tensor.js';
import { getRng } from '../tensor/random.js';
import { clearBufferPool, withBufferScope } from '../tensor/buffer-pool.js';
import { gradients, noGrad } from '../autograd/tape.js';
import { ops } from '../autograd/index.js';
import type { Variable } from '../nn/variable.js';
import type { Loss } from './losses.js';
import { Mean, type Metric } from './metrics.js';
import type { Optimizer } from './optimizers/optimizer.js';
import { Callback, History, LambdaCallback, type CallbackModel, type LambdaCallbackArgs, type Logs } from './callbacks/callback.js';
import { Progbar, defaultOutput, type TextOutput } from './progbar.js';
import { checkArrays, checkSameCount, checkTargets, rowRange, rowsOf } from './data-adapter.js';

export { assertFinite } from './data-adapter.js';

/** What compile() resolved: one loss (or null: not trained) and one metric list per model output. */
export interface Compiled {
  optimizer: Optimizer;
  losses: (Loss | null)[];
  lossWeights: number[];
  metrics: Metric[][];
  outputNames: string[];
  /** The running mean of the total loss ('loss'), and of each output's loss when there are several. */
  lossTracker: Mean;
  outputLossTrackers: Mean[];
}

/** A batch as the steps see it: the inputs and targets, one tensor per model input / output. */
export interface StepData {
  x: Tensor[];
  y: Tensor[];
}

export interface TrainableModel extends CallbackModel {
  readonly trainableWeights: Variable[];
  readonly inputNames: string[];
  readonly outputNames: string[];
  /** Forward pass on a batch: one tensor per input in, one per output out. */
  forwardAll(xs: Tensor[], training: boolean): Tensor[];
  /** One optimisation step on a batch; returns the logs so far this epoch. */
  runTrainStep(data: StepData): Logs;
  /** Loss and metrics on a batch (no update); returns the logs so far. */
  runTestStep(data: StepData): Logs;
  /** Resets the loss trackers and metrics (each epoch, and before evaluate). */
  resetMetrics(): void;
}

export type Verbosity = 0 | 1 | 2 | 'auto';

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  verbose?: Verbosity;
  callbacks?: (Callback | LambdaCallbackArgs)[];
  /** Fraction of the data, taken from the END before shuffling (as Keras), held out for validation. */
  validationSplit?: number;
  /** [x, y] held out for validation (x and y as fit accepts them). */
  validationData?: readonly [unknown, unknown];
  shuffle?: boolean;
  initialEpoch?: number;
  /** Where the progress bar goes (default: stdout in Node, console in browsers). */
  output?: TextOutput;
}

export interface EvaluateArgs {
  batchSize?: number;
  verbose?: Verbosity;
  output?: TextOutput;
}

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${what} must be a positive integer, got ${v}`);
  return v;
}

/** The total loss of a batch (weighted sum over outputs), and each output's loss. */
export function computeLosses(c: Compiled, ys: readonly Tensor[], yPreds: readonly Tensor[]): { total: Tensor; perOutput: (Tensor | null)[] } {
  let total: Tensor | null = null;
  const perOutput = c.losses.map((loss, i) => {
    if (!loss) return null;
    const value = loss.call(ys[i]!, yPreds[i]!);
    const weighted = c.lossWeights[i] === 1 ? value : ops.mul(value, c.lossWeights[i]!);
    total = total ? ops.add(total, weighted) : weighted;
    return value;
  });
  if (!total) throw new Error('compile: no output has a loss');
  return { total, perOutput };
}

/** Updates the loss trackers and metrics with one batch and returns the logs so far. */
export function updateMetrics(c: Compiled, total: number, perOutput: readonly (Tensor | null)[], ys: readonly Tensor[], yPreds: readonly Tensor[]): Logs {
  const n = ys[0]?.shape[0] ?? 1;
  c.lossTracker.update(total, n);
  if (c.losses.length > 1) perOutput.forEach((l, i) => l && c.outputLossTrackers[i]!.update(l.item(), n));
  c.metrics.forEach((ms, i) => ms.forEach((m) => m.update(ys[i]!, yPreds[i]!)));
  return metricLogs(c);
}

/** Keras' log names: 'loss', then '<output>_loss' per output when there are several, then the metrics. */
export function metricLogs(c: Compiled, prefix = ''): Logs {
  const logs: Logs = { [`${prefix}loss`]: c.lossTracker.result() };
  const multi = c.losses.length > 1;
  if (multi) c.outputNames.forEach((name, i) => c.losses[i] && (logs[`${prefix}${name}_loss`] = c.outputLossTrackers[i]!.result()));
  c.metrics.forEach((ms, i) => ms.forEach((m) => (logs[`${prefix}${multi ? `${c.outputNames[i]}_` : ''}${m.name}`] = m.result())));
  return logs;
}

export function resetCompiledMetrics(c: Compiled): void {
  c.lossTracker.reset();
  c.outputLossTrackers.forEach((t) => t.reset());
  c.metrics.forEach((ms) => ms.forEach((m) => m.reset()));
}

/** Keras' default train_step: forward, loss, gradients of the trainable weights, one optimizer step. */
export function defaultTrainStep(model: TrainableModel, c: Compiled, { x, y }: StepData): Logs {
  const weights = model.trainableWeights;
  const yPreds = model.forwardAll(x, true);
  const { total, perOutput } = computeLosses(c, y, yPreds);
  if (weights.length > 0 && total.requiresGrad) {
    const grads = gradients(total, weights);
    const pairs: [Tensor, Variable][] = [];
    grads.forEach((g, i) => g && pairs.push([g, weights[i]!]));
    c.optimizer.applyGradients(pairs);
  }
  return updateMetrics(c, total.item(), perOutput, y, yPreds);
}

/** Keras' default test_step: forward (inference mode), loss and metrics. */
export function defaultTestStep(model: TrainableModel, c: Compiled, { x, y }: StepData): Logs {
  return noGrad(() => {
    const yPreds = model.forwardAll(x, false);
    const { total, perOutput } = computeLosses(c, y, yPreds);
    return updateMetrics(c, total.item(), perOutput, y, yPreds);
  });
}

/**
 * Checks the data against the model and its losses on one sample, so bad labels fail before
 * the first epoch; returns the targets shaped as the losses expect them.
 */
export function prepareData(model: TrainableModel, c: Compiled, xs: Tensor[], ys: Tensor[], what: string): StepData {
  const nx = checkArrays(xs, model.inputNames.length, what, 'input');
  const ny = checkArrays(ys, model.outputNames.length, what, 'target');
  checkSameCount(nx, ny, xs, ys, what);
  const outs = noGrad(() => model.forwardAll(xs.map((x) => rowRange(x, 0, Math.min(1, nx))), false));
  return { x: xs, y: ys.map((y, i) => (c.losses[i] ? (y === xs[i] && nx > 0 ? checkTargets(c.losses[i]!, outs[i]!, y) : checkTargets(c.losses[i]!, outs[i]!, y)) : y)) };
}

let lastYield = 0;
const YIELD_EVERY_MS = 30;

/** Lets timers, rendering and input run now and then, without paying for it on every batch. */
async function maybeYield(): Promise<void> {
  const t = performance.now();
  if (t - lastYield < YIELD_EVERY_MS) return;
  lastYield = t;
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  await new Promise<void>((resolve) => (g.setImmediate ? g.setImmediate(resolve) : setTimeout(resolve, 0)));
}

function resolveVerbose(v: Verbosity | undefined): 0 | 1 | 2 {
  return v === undefined || v === 'auto' ? 1 : v;
}

/** The batch of the given rows; targets that are the inputs (autoencoders) are gathered once. */
function batchOf(data: StepData, pick: (t: Tensor) => Tensor): StepData {
  const x = data.x.map(pick);
  return { x, y: data.y.map((t) => { const i = data.x.indexOf(t); return i >= 0 ? x[i]! : pick(t); }) };
}

export async function fitLoop(model: TrainableModel, train: StepData, validation: StepData | null, args: FitArgs = {}): Promise<History> {
  const epochs = positiveInt(args.epochs ?? 1, 'epochs');
  const batchSize = positiveInt(args.batchSize ?? 32, 'batchSize');
  const verbose = resolveVerbose(args.verbose);
  const out = args.output ?? defaultOutput();
  let data = train;
  if (args.validationSplit !== undefined && !validation) {
    const split = args.validationSplit;
    if (!(split > 0 && split < 1)) throw new Error(`validationSplit must be in (0, 1), got ${split}`);
    const n = train.x[0]!.shape[0]!;
    const nTrain = Math.floor(n * (1 - split));
    if (nTrain === 0 || nTrain === n) throw new Error(`validationSplit ${split} leaves no ${nTrain === 0 ? 'training' : 'validation'} samples out of ${n}`);
    data = batchOf(train, (t) => rowRange(t, 0, nTrain));
    validation = batchOf(train, (t) => rowRange(t, nTrain, n - nTrain));
  }

  const n = data.x[0]!.shape[0]!;
  const steps = Math.ceil(n / batchSize);
  const history = new History();
  const callbacks: Callback[] = [history, ...(args.callbacks ?? []).map((cb) => (cb instanceof Callback ? cb : new LambdaCallback(cb)))];
  for (const cb of callbacks) {
    cb.setModel(model);
    cb.setParams({ epochs, steps, verbose });
  }
  model.stopTraining = false;
  for (const cb of callbacks) await cb.onTrainBegin();
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;

  for (let epoch = args.initialEpoch ?? 0; epoch < epochs; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin(epoch);
    if (verbose === 1 && epochs > 1) out.write(`Epoch ${epoch + 1}/${epochs}\n`);
    if (args.shuffle ?? true) getRng().shuffle(order);
    const bar = verbose > 0 ? new Progbar(steps, out, verbose === 2 ? 2 : 1) : null;
    model.resetMetrics();
    let logs: Logs = {};
    for (let step = 0; step < steps; step++) {
      for (const cb of callbacks) await cb.onBatchBegin(step);
      const idx = order.subarray(step * batchSize, Math.min(n, (step + 1) * batchSize));
      // Everything a step allocates is recycled for the next one (see tensor/buffer-pool.ts).
      logs = withBufferScope(() => ({ ...model.runTrainStep(batchOf(data, (t) => rowsOf(t, idx))) }));
      for (const cb of callbacks) await cb.onBatchEnd(step, logs);
      if (step < steps - 1) bar?.update(step + 1, logs, false);
      await maybeYield();
      if (model.stopTraining) break;
    }
    if (validation) Object.assign(logs, await evaluateLoop(model, validation, { batchSize, verbose: 0 }, 'val_'));
    bar?.update(steps, logs, true);
    for (const cb of callbacks) await cb.onEpochEnd(epoch, logs);
    if (model.stopTraining) break;
  }
  for (const cb of callbacks) await cb.onTrainEnd();
  // Hand the recycled step buffers back to the garbage collector: training is over.
  clearBufferPool();
  return history;
}

export async function evaluateLoop(model: TrainableModel, data: StepData, args: EvaluateArgs = {}, prefix = ''): Promise<Logs> {
  const batchSize = positiveInt(args.batchSize ?? 32, 'batchSize');
  const verbose = resolveVerbose(args.verbose);
  const n = data.x[0]!.shape[0]!;
  const steps = Math.ceil(n / batchSize);
  const bar = verbose > 0 ? new Progbar(steps, args.output ?? defaultOutput(), verbose === 2 ? 2 : 1) : null;
  model.resetMetrics();
  let logs: Logs = {};
  for (let step = 0; step < steps; step++) {
    const begin = step * batchSize;
    const count = Math.min(batchSize, n - begin);
    logs = withBufferScope(() => noGrad(() => ({ ...model.runTestStep(batchOf(data, (t) => rowRange(t, begin, count))) })));
    if (step < steps - 1) bar?.update(step + 1, logs, false);
    await maybeYield();
  }
  bar?.update(steps, logs, true);
  const prefixed: Logs = {};
  for (const [k, v] of Object.entries(logs)) prefixed[`${prefix}${k}`] = v;
  return prefixed;
}

/** Batched inference; returns one tensor per model output with all samples (noGrad, training=false). */
export function predictLoop(model: TrainableModel, xs: Tensor[], batchSize = 32): Tensor[] {
  positiveInt(batchSize, 'batchSize');
  const n = checkArrays(xs, model.inputNames.length, 'predict', 'input');
  if (n === 0) throw new Error('predict: no samples given');
  let results: Tensor[] | null = null;
  for (let begin = 0; begin < n; begin += batchSize) {
    const count = Math.min(batchSize, n - begin);
    withBufferScope(() => noGrad(() => {
      const ys = model.forwardAll(xs.map((x) => rowRange(x, begin, count)), false);
      // Batch outputs live in recycled memory: copy them into the results, which the caller keeps.
      results ??= ys.map((y) => new Tensor(new Float32Array(n * (y.size / count)), [n, ...y.shape.slice(1)]));
      ys.forEach((y, i) => results![i]!.values.set(y.values, begin * (y.size / count)));
    }));
  }
  return results!;
}
