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
import type { SampleWeightArgs } from './sample-weights.js';
import { computeLosses, updateMetrics, withModelLosses, type Compiled } from './compile-utils.js';
import { Callback, History, LambdaCallback, type CallbackModel, type LambdaCallbackArgs, type Logs } from './callbacks/callback.js';
import { Progbar, defaultOutput, type TextOutput } from './progbar.js';
import { checkArrays, checkSameCount, checkTargets, recheckFinite, rowRange } from './data-adapter.js';
import { INFINITE, batchOf, datasetFeeds, deferredPass, predictInputs, tensorFeed, type BatchFeed, type DatasetLike, type DatasetSource } from './batch-feed.js';

export type { DatasetLike, DatasetSource } from './batch-feed.js';

export { computeLosses, metricLogs, resetCompiledMetrics, updateMetrics, withModelLosses, type Compiled } from './compile-utils.js';

export { assertFinite } from './data-adapter.js';

/** A batch as the steps see it: the inputs and targets, one tensor per model input / output. */
export interface StepData {
  x: Tensor[];
  y: Tensor[];
  /** Keras' sample_weight: one weight per sample for each output's loss, when given. */
  sw?: Tensor[];
  /**
   * Set when the batch is rows of larger tensors (fit's and evaluate's tensor feeds): x and y
   * are then gathered only when read, and a compiled step copies the rows straight into its
   * own input buffers instead (one copy of each batch, not two).
   */
  readonly rows?: BatchRows;
}

/** Where a batch's rows come from: rows `indices` (a shuffled epoch) or begin..begin+count of `source`. */
export interface BatchRows {
  readonly source: StepData;
  readonly indices: Int32Array | null;
  readonly begin: number;
  readonly count: number;
}

export interface TrainableModel extends CallbackModel {
  readonly trainableWeights: Variable[];
  /** Keras' model.losses: weight-regularizer penalties and the losses added during the last forward pass. */
  readonly losses: Tensor[];
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

export interface FitArgs extends SampleWeightArgs {
  epochs?: number;
  batchSize?: number;
  verbose?: Verbosity;
  callbacks?: (Callback | LambdaCallbackArgs)[];
  /** Fraction of the data, taken from the END before shuffling (as Keras), held out for validation. */
  validationSplit?: number;
  /** [x, y] (or [x, y, sampleWeight]) held out for validation (x and y as fit accepts them), or a dataset of [x, y] batches. */
  validationData?: readonly [unknown, unknown] | readonly [unknown, unknown, unknown] | DatasetLike;
  /** Batches of a validation dataset to use each epoch (default: all of it; required when it is infinite). */
  validationSteps?: number;
  /**
   * Batches per epoch from a dataset (required when it repeats forever). As Keras, the next epoch
   * continues the same iterator; if the data runs out first, training stops with a warning.
   */
  stepsPerEpoch?: number;
  shuffle?: boolean;
  initialEpoch?: number;
  /** Where the progress bar goes (default: stdout in Node, console in browsers). */
  output?: TextOutput;
}

export interface EvaluateArgs extends Pick<SampleWeightArgs, 'sampleWeight'> {
  batchSize?: number;
  verbose?: Verbosity;
  /** Batches of a dataset to evaluate (default: all; required when it is infinite). */
  steps?: number;
  output?: TextOutput;
}

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${what} must be a positive integer, got ${v}`);
  return v;
}

/** Keras' default train_step: forward, loss, gradients of the trainable weights, one optimizer step. */
export function defaultTrainStep(model: TrainableModel, c: Compiled, { x, y, sw }: StepData): Logs {
  const weights = model.trainableWeights;
  const yPreds = model.forwardAll(x, true);
  const computed = computeLosses(c, y, yPreds, sw);
  const total = withModelLosses(model, computed.total);
  const perOutput = computed.perOutput;
  if (weights.length > 0 && total.requiresGrad) {
    const grads = gradients(total, weights);
    const pairs: [Tensor, Variable][] = [];
    grads.forEach((g, i) => g && pairs.push([g, weights[i]!]));
    c.optimizer.applyGradients(pairs);
  }
  return updateMetrics(c, total.item(), perOutput, y, yPreds, sw);
}

/** Keras' default test_step: forward (inference mode), loss and metrics. */
export function defaultTestStep(model: TrainableModel, c: Compiled, { x, y, sw }: StepData): Logs {
  return noGrad(() => {
    const yPreds = model.forwardAll(x, false);
    const { total, perOutput } = computeLosses(c, y, yPreds, sw);
    return updateMetrics(c, withModelLosses(model, total).item(), perOutput, y, yPreds, sw);
  });
}

/**
 * Checks the data against the model and its losses on one sample, so bad labels fail before
 * the first epoch; returns the targets shaped as the losses expect them.
 */
export function prepareData(model: TrainableModel, c: Compiled, xs: Tensor[], ys: Tensor[], what: string): StepData {
  const nx = checkArrays(xs, model.inputNames.length, what, 'input', [], true);
  const ny = checkArrays(ys, model.outputNames.length, what, 'target', xs, true); // an autoencoder's y is its x: one pass
  checkSameCount(nx, ny, xs, ys, what);
  const outs = sampleOutputs(model, c, xs, nx);
  return { x: xs, y: ys.map((y, i) => (c.losses[i] ? checkTargets(c.losses[i]!, outs[i]!, y) : y)) };
}

/**
 * The outputs of one sample, whose shapes the targets are checked against. The forward pass runs
 * once per input signature of a compiled model (trainOnBatch in a custom loop would otherwise pay
 * an eager forward pass per batch); later batches of that signature get zeros of the same shapes.
 */
const sampleOutputShapes = new WeakMap<Compiled, Map<string, number[][]>>();
const MAX_SIGNATURES = 16;

export function sampleOutputs(model: TrainableModel, c: Compiled, xs: Tensor[], nx: number): Tensor[] {
  const run = (): Tensor[] => noGrad(() => model.forwardAll(xs.map((x) => rowRange(x, 0, Math.min(1, nx))), false));
  if (nx === 0) return run();
  // The weights' count and the outputs stand for the architecture: layers added after compile change the key.
  const key = `${model.trainableWeights.length}|${model.outputNames.join(',')}|${xs.map((x) => `${x.dtype}[${x.shape.slice(1).join(',')}]`).join(',')}`;
  let seen = sampleOutputShapes.get(c);
  if (!seen) sampleOutputShapes.set(c, (seen = new Map()));
  const shapes = seen.get(key);
  if (shapes) return shapes.map((s) => new Tensor(new Float32Array(s.reduce((a, b) => a * b, 1)), s));
  const outs = run();
  if (seen.size < MAX_SIGNATURES) seen.set(key, outs.map((o) => [...o.shape]));
  return outs;
}

let lastYield = 0;
const YIELD_EVERY_MS = 30;

/**
 * Lets timers, rendering and input run now and then, without paying for it on every batch:
 * a promise to await when it is time to yield, else null (nothing to await, no microtask turn).
 */
function maybeYield(): Promise<void> | null {
  const t = performance.now();
  if (t - lastYield < YIELD_EVERY_MS) return null;
  lastYield = t;
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  return new Promise<void>((resolve) => (g.setImmediate ? g.setImmediate(resolve) : setTimeout(resolve, 0)));
}

/** What one epoch's training steps came to. */
interface EpochSteps {
  logs: Logs;
  /** Steps run. */
  step: number;
  /** The data ended before the steps it announced. */
  ranOut: boolean;
}

/**
 * One epoch's training steps, a function of its own so that the code V8 optimizes for the steps
 * is only the step loop. As part of fitLoop it made V8 compile fitLoop whole (50-110 ms on a
 * background thread, which on two cores competes with the compiled step's two compute threads),
 * twice or three times per fit: code after the loop (validation, the epoch's and fit's end) first
 * ran after fitLoop was optimized, and deoptimized it. fitLoop itself now resumes a few times per
 * epoch and never gets hot. A callback's or the feed's result is awaited only when it is a
 * promise (almost none are), and the loop yields only every YIELD_EVERY_MS: a step does not
 * suspend and resume the loop several times.
 */
async function trainEpoch(model: TrainableModel, feed: BatchFeed, callbacks: readonly Callback[], bar: Progbar | null, steps: number | null): Promise<EpochSteps> {
  let logs: Logs = {};
  let step = 0;
  let ranOut = false;
  for (;; step++) {
    const next = feed.next(step);
    const batch = next instanceof Promise ? await next : next;
    if (batch === null) {
      ranOut = feed.steps !== null && step < feed.steps;
      break;
    }
    for (const cb of callbacks) {
      const r = cb.onBatchBegin(step);
      if (r !== undefined) await r;
    }
    // Everything a step allocates is recycled for the next one (see tensor/buffer-pool.ts).
    logs = withBufferScope(() => ({ ...model.runTrainStep(batch()) }));
    for (const cb of callbacks) {
      const r = cb.onBatchEnd(step, logs);
      if (r !== undefined) await r;
    }
    if (steps === null || step < steps - 1) bar?.update(step + 1, logs, false);
    const pause = maybeYield();
    if (pause) await pause;
    if (model.stopTraining) {
      step++;
      break;
    }
  }
  feed.close();
  return { logs, step, ranOut };
}

function resolveVerbose(v: Verbosity | undefined): 0 | 1 | 2 {
  return v === undefined || v === 'auto' ? 1 : v;
}

/** The training data's epochs: the batches of each, and the validation pass. */
interface TrainingData {
  epoch(): BatchFeed;
  validate: (() => Promise<Logs>) | null;
}

/** 0, 1, …, n - 1 (a module function: its optimized loop is reused by every fit, not recompiled per call of tensorTraining). */
function rowOrder(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

function tensorTraining(train: StepData, validation: StepData | DatasetSource | null, args: FitArgs, batchSize: number): { data: TrainingData; validation: StepData | DatasetSource | null } {
  if (args.stepsPerEpoch !== undefined) throw new Error('fit: stepsPerEpoch applies to datasets; with tensors an epoch is one pass over them (set batchSize instead)');
  const samples = train.x[0]?.shape[0];
  if (samples === 0) throw new Error(`fit: the training data has 0 samples (x has shape [${train.x[0]!.shape.join(', ')}]): nothing to train on (were all rows dropped, or the split left none?)`);
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
  const order = rowOrder(data.x[0]!.shape[0]!);
  return {
    data: {
      epoch: () => {
        if (args.shuffle ?? true) getRng().shuffle(order);
        return tensorFeed(data, batchSize, order);
      },
      validate: null,
    },
    validation,
  };
}

export async function fitLoop(model: TrainableModel, train: StepData | DatasetSource, validation: StepData | DatasetSource | null, args: FitArgs = {}): Promise<History> {
  const epochs = positiveInt(args.epochs ?? 1, 'epochs');
  const initialEpoch = args.initialEpoch ?? 0;
  if (!Number.isSafeInteger(initialEpoch) || initialEpoch < 0) {
    throw new Error(`fit: initialEpoch must be a non-negative integer (the epoch to resume at, counting from 0, as Keras' initial_epoch), got ${initialEpoch}`);
  }
  const verbose = resolveVerbose(args.verbose);
  const out = args.output ?? defaultOutput();
  let data: TrainingData;
  let batchSize = 32;
  if ('dataset' in train) {
    if (args.batchSize !== undefined) throw new Error('fit: batchSize does not apply to a dataset, which yields batches already (use dataset.batch(n))');
    if (args.validationSplit !== undefined) throw new Error('fit: validationSplit needs tensors; with a dataset pass validationData (e.g. dataset.take / skip)');
    data = { epoch: datasetFeeds(train, 'fit', args.stepsPerEpoch, 'stepsPerEpoch', args.stepsPerEpoch !== undefined), validate: null };
  } else {
    batchSize = positiveInt(args.batchSize ?? 32, 'batchSize');
    ({ data, validation } = tensorTraining(train, validation, args, batchSize));
  }
  if (validation) {
    const v = validation;
    if ('dataset' in v) {
      const feeds = datasetFeeds(v, 'validationData', args.validationSteps, 'validationSteps', false);
      data.validate = () => runEvaluation(model, feeds(), { verbose: 0 }, 'val_');
    } else {
      if (args.validationSteps !== undefined) throw new Error('fit: validationSteps applies to a validation dataset, not to tensors');
      data.validate = () => runEvaluation(model, tensorFeed(v, batchSize, null), { verbose: 0 }, 'val_');
    }
  }

  let feed = data.epoch();
  let steps = feed.steps;
  const history = new History();
  const callbacks: Callback[] = [history, ...(args.callbacks ?? []).map((cb) => (cb instanceof Callback ? cb : new LambdaCallback(cb)))];
  for (const cb of callbacks) {
    cb.setModel(model);
    cb.setParams({ epochs, steps: steps ?? 0, verbose });
  }
  model.stopTraining = false;
  for (const cb of callbacks) await cb.onTrainBegin();

  for (let epoch = initialEpoch; epoch < epochs; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin(epoch);
    if (verbose === 1 && epochs > 1) out.write(`Epoch ${epoch + 1}/${epochs}\n`);
    if (epoch !== initialEpoch) feed = data.epoch();
    const bar = verbose > 0 ? new Progbar(steps, out, verbose === 2 ? 2 : 1) : null;
    model.resetMetrics();
    const { logs, step, ranOut } = await trainEpoch(model, feed, callbacks, bar, steps);
    if (step === 0) throw new Error(`fit: epoch ${epoch + 1} got no batches: the ${'dataset' in train ? 'dataset is empty (check take/skip/filter, or batch with dropRemainder on too few elements)' : 'data is empty'}`);
    steps ??= step; // a dataset of unknown size: the first epoch counted its batches
    if (!('dataset' in train)) recheckFinite(train, logs, 'fit');
    if (data.validate) Object.assign(logs, await data.validate());
    if (validation && !('dataset' in validation)) recheckFinite(validation, logs, 'validationData');
    bar?.update(step, logs, true);
    for (const cb of callbacks) await cb.onEpochEnd(epoch, logs);
    if (ranOut) {
      out.write(`WARNING: the input ran out of data after ${step} of ${feed.steps} steps in epoch ${epoch + 1}; training stops. Make sure the dataset can give at least stepsPerEpoch * epochs batches (use repeat()).\n`);
      break;
    }
    if (model.stopTraining) break;
  }
  for (const cb of callbacks) await cb.onTrainEnd();
  // Hand the recycled step buffers back to the garbage collector: training is over.
  clearBufferPool();
  return history;
}

/** One evaluation pass over a feed; the logs' keys get `prefix` (val_). */
async function runEvaluation(model: TrainableModel, feed: BatchFeed, args: EvaluateArgs, prefix: string): Promise<Logs> {
  const verbose = resolveVerbose(args.verbose);
  const bar = verbose > 0 ? new Progbar(feed.steps, args.output ?? defaultOutput(), verbose === 2 ? 2 : 1) : null;
  model.resetMetrics();
  let logs: Logs = {};
  let step = 0;
  for (;; step++) {
    const next = feed.next(step);
    const batch = next instanceof Promise ? await next : next;
    if (batch === null) break;
    logs = withBufferScope(() => noGrad(() => ({ ...model.runTestStep(batch()) })));
    if (feed.steps === null || step < feed.steps - 1) bar?.update(step + 1, logs, false);
    const pause = maybeYield();
    if (pause) await pause;
  }
  feed.close();
  if (step === 0) throw new Error(`${prefix === 'val_' ? 'validation' : 'evaluate'}: no batches to evaluate (the data is empty)`);
  bar?.update(step, logs, true);
  const prefixed: Logs = {};
  for (const [k, v] of Object.entries(logs)) prefixed[`${prefix}${k}`] = v;
  return prefixed;
}

export async function evaluateLoop(model: TrainableModel, data: StepData | DatasetSource, args: EvaluateArgs = {}, prefix = ''): Promise<Logs> {
  if ('dataset' in data) {
    if (args.batchSize !== undefined) throw new Error('evaluate: batchSize does not apply to a dataset, which yields batches already');
    return runEvaluation(model, datasetFeeds(data, 'evaluate', args.steps, 'steps', false)(), args, prefix);
  }
  if (args.steps !== undefined) throw new Error('evaluate: steps applies to datasets; with tensors set batchSize');
  const logs = await runEvaluation(model, tensorFeed(data, positiveInt(args.batchSize ?? 32, 'batchSize'), null), args, prefix);
  recheckFinite(data, logs, 'evaluate');
  return logs;
}

/** Batched inference; returns one tensor per model output with all samples (noGrad, training=false). */
/** A compiled forward pass for predict's batches (src/train/compiled-forward.ts): outputs, or null to run the batch eagerly. */
export type CompiledBatchForward = (xs: Tensor[]) => Tensor[] | null;

export function predictLoop(model: TrainableModel, xs: Tensor[], batchSize = 32, compiled?: CompiledBatchForward): Tensor[] {
  positiveInt(batchSize, 'batchSize');
  const n = checkArrays(xs, model.inputNames.length, 'predict', 'input', [], true);
  if (n === 0) throw new Error('predict: no samples given');
  let results: Tensor[] | null = null;
  for (let begin = 0; begin < n; begin += batchSize) {
    const count = Math.min(batchSize, n - begin);
    withBufferScope(() => noGrad(() => {
      const batch = xs.map((x) => rowRange(x, begin, count));
      const ys = compiled?.(batch) ?? model.forwardAll(batch, false);
      // Batch outputs live in recycled memory: copy them into the results, which the caller keeps.
      results ??= ys.map((y) => new Tensor(new Float32Array(n * (y.size / count)), [n, ...y.shape.slice(1)]));
      ys.forEach((y, i) => results![i]!.values.set(y.values, begin * (y.size / count)));
    }));
  }
  return results!;
}

/** predict over a dataset of input batches (or [x, y] pairs, whose targets are ignored): one tensor per output. */
export async function predictDatasetLoop(model: TrainableModel, ds: DatasetLike, steps?: number, compiled?: CompiledBatchForward): Promise<Tensor[]> {
  if (steps === undefined && ds.cardinality() === INFINITE) throw new Error('predict: the dataset is infinite (repeat() without a count), so pass steps');
  const it = deferredPass(ds);
  const outputs: Tensor[][] = [];
  for (let step = 0; steps === undefined || step < steps; step++) {
    const r = await it.next();
    if (r.done) break;
    const make = r.value;
    // The batch and the outputs live in recycled memory: copy the outputs out, the caller keeps them.
    outputs.push(withBufferScope(() => noGrad(() => {
      const xs = predictInputs(model, make(), step);
      return (compiled?.(xs) ?? model.forwardAll(xs, false)).map((y) => new Tensor(y.values.slice(), y.shape));
    })));
    const pause = maybeYield();
    if (pause) await pause;
  }
  it.return?.();
  if (outputs.length === 0) throw new Error('predict: the dataset gave no batches');
  return outputs[0]!.map((_, i) => (outputs.length === 1 ? outputs[0]![i]! : ops.concat(outputs.map((o) => o[i]!), 0)));
}

