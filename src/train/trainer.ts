/**
 * The training loops behind model.fit / evaluate / predict (keras/src/trainers).
 * fit is async and yields to the event loop every few tens of milliseconds, so a
 * browser page stays responsive. Each step's graph is dropped when the step
 * ends, so memory stays flat however long training runs.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { getRng } from '../tensor/random.js';
import { clearBufferPool, withBufferScope } from '../tensor/buffer-pool.js';
import { kernels } from '../backend/registry.js';
import { gradients, noGrad } from '../autograd/tape.js';
import { ops } from '../autograd/index.js';
import type { Variable } from '../nn/variable.js';
import type { Loss } from './losses.js';
import type { Metric } from './metrics.js';
import type { Optimizer } from './optimizers/optimizer.js';
import { Callback, History, LambdaCallback, type CallbackModel, type LambdaCallbackArgs, type Logs } from './callbacks/callback.js';
import { Progbar, defaultOutput, type TextOutput } from './progbar.js';
import { INFINITE, datasetFeeds, inputsOf, isDatasetLike, rowRange, tensorFeed, type BatchFeed, type DatasetLike } from './batch-feed.js';

export type { DatasetLike } from './batch-feed.js';

export interface Compiled {
  loss: Loss;
  optimizer: Optimizer;
  metrics: Metric[];
}

export interface TrainableModel extends CallbackModel {
  readonly trainableWeights: Variable[];
  /** Forward pass on a batch. */
  forward(x: Tensor, training: boolean): Tensor;
}

export type Verbosity = 0 | 1 | 2 | 'auto';

export interface FitArgs {
  epochs?: number;
  /** Samples per step when fitting tensors (default 32); a dataset brings its own batches. */
  batchSize?: number;
  verbose?: Verbosity;
  callbacks?: (Callback | LambdaCallbackArgs)[];
  /** Fraction of the data, taken from the END before shuffling (as Keras), held out for validation. */
  validationSplit?: number;
  /** [x, y] tensors, or a dataset of [x, y] batches. */
  validationData?: readonly [Tensor, Tensor] | DatasetLike;
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

export interface EvaluateArgs {
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

function checkPair(x: Tensor, y: Tensor, what: string): void {
  if (x.rank === 0 || y.rank === 0) throw new Error(`${what}: inputs and targets need a batch axis, got shapes ${formatShape(x.shape)} and ${formatShape(y.shape)}`);
  if (x.shape[0] !== y.shape[0]) {
    throw new Error(`${what}: inputs have ${x.shape[0]} samples (shape ${formatShape(x.shape)}) but targets have ${y.shape[0]} (shape ${formatShape(y.shape)})`);
  }
  assertFinite(x, `${what} inputs`);
  assertFinite(y, `${what} targets`);
}

export function assertFinite(t: Tensor, what: string): void {
  if (!(t.data instanceof Float32Array) || t.size === 0) return; // int32 cannot hold NaN or Infinity
  // A sum is finite unless some element is NaN/±Infinity (or the sum overflows): one vectorised
  // pass by the backend; only when it is not finite, look for the culprit element by element.
  const total = new Float32Array(1);
  kernels().reduce('sum', t.data, [t.size], [0], total);
  if (Number.isFinite(total[0]!)) return;
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      throw new Error(`${what} contain ${d[i]} at flat index ${i} (sample ${Math.floor(i / Math.max(1, t.size / (t.shape[0] ?? 1)))}): clean or impute the data first`);
    }
  }
}

/** Checks targets against the loss on one batch, so bad labels fail before the first epoch. */
function checkTargets(model: TrainableModel, compiled: Compiled, x: Tensor, y: Tensor): void {
  const out = noGrad(() => model.forward(rowRange(x, 0, 1), false));
  if (compiled.loss.accuracyKind === 'sparse') {
    const classes = out.shape[out.rank - 1]!;
    const perSample = y.size / y.shape[0]!;
    if (perSample !== out.size / out.shape[0]! / classes) {
      const hint = y.shape[y.rank - 1] === classes ? ' (these look like one-hot rows: use categorical_crossentropy, or pass integer labels)' : '';
      throw new Error(`${compiled.loss.name}: targets of shape ${formatShape(y.shape)} do not give one integer label per prediction of shape [N, ${out.shape.slice(1).join(', ')}]${hint}`);
    }
    for (let i = 0; i < y.size; i++) {
      const v = y.data[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= classes) {
        throw new Error(`${compiled.loss.name}: label ${v} at index ${i} is not a class in [0, ${classes}) (the model outputs ${classes} classes)`);
      }
    }
    return;
  }
  const sampleShape = out.shape.slice(1);
  if (y.shape.slice(1).join(',') !== sampleShape.join(',')) {
    const hint = compiled.loss.accuracyKind === 'categorical' && y.rank === 1 ? ' (integer labels need sparse_categorical_crossentropy, or one-hot them with toCategorical)' : '';
    throw new Error(`${compiled.loss.name}: targets have per-sample shape ${formatShape(y.shape.slice(1))} but the model outputs ${formatShape(sampleShape)}${hint}`);
  }
  if (compiled.loss.accuracyKind === 'categorical' || compiled.loss.accuracyKind === 'binary') {
    for (let i = 0; i < y.size; i++) {
      const v = y.data[i]!;
      if (v < 0 || v > 1) throw new Error(`${compiled.loss.name}: target ${v} at index ${i} is not a probability in [0, 1]`);
    }
  }
  if (compiled.loss.accuracyKind === 'categorical') {
    // Each target row is a distribution over classes (one-hot, or smoothed): it must sum to 1.
    const classes = y.shape[y.rank - 1]!;
    for (let r = 0; r < y.size / classes; r++) {
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += y.data[r * classes + c]!;
      if (Math.abs(sum - 1) > 1e-3) {
        throw new Error(`${compiled.loss.name}: target row ${r} sums to ${sum}, not 1 (each row must be one-hot or a probability distribution; see toCategorical)`);
      }
    }
  }
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

function trainStep(model: TrainableModel, c: Compiled, x: Tensor, y: Tensor): number {
  const weights = model.trainableWeights;
  const yPred = model.forward(x, true);
  const loss = c.loss.call(y, yPred);
  const grads = gradients(loss, weights);
  const pairs: [Tensor, Variable][] = [];
  grads.forEach((g, i) => g && pairs.push([g, weights[i]!]));
  c.optimizer.applyGradients(pairs);
  for (const m of c.metrics) m.update(y, yPred);
  return loss.item();
}

function logsOf(lossMean: number, metrics: Metric[], prefix = ''): Logs {
  const logs: Logs = { [`${prefix}loss`]: lossMean };
  for (const m of metrics) logs[`${prefix}${m.name}`] = m.result();
  return logs;
}

/** The training data's epochs: the batches of each, and the validation pass. */
interface TrainingData {
  epoch(): BatchFeed;
  /** Checks the first batch against the loss (datasets: their tensors are only seen while training). */
  checkFirstBatch: boolean;
  validate: (() => Promise<Logs>) | null;
}

function tensorTraining(model: TrainableModel, c: Compiled, x: Tensor, y: Tensor, args: FitArgs, batchSize: number): TrainingData {
  checkPair(x, y, 'fit');
  if (args.stepsPerEpoch !== undefined) throw new Error('fit: stepsPerEpoch applies to datasets; with tensors an epoch is one pass over them (set batchSize instead)');
  let [xTrain, yTrain] = [x, y];
  let validation = args.validationData;
  if (validation && !isDatasetLike(validation)) checkPair(validation[0], validation[1], 'validationData');
  if (args.validationSplit !== undefined && !validation) {
    const split = args.validationSplit;
    if (!(split > 0 && split < 1)) throw new Error(`validationSplit must be in (0, 1), got ${split}`);
    const n = x.shape[0]!;
    const nTrain = Math.floor(n * (1 - split));
    if (nTrain === 0 || nTrain === n) throw new Error(`validationSplit ${split} leaves no ${nTrain === 0 ? 'training' : 'validation'} samples out of ${n}`);
    xTrain = rowRange(x, 0, nTrain);
    yTrain = y === x ? xTrain : rowRange(y, 0, nTrain);
    const xVal = rowRange(x, nTrain, n - nTrain);
    validation = [xVal, y === x ? xVal : rowRange(y, nTrain, n - nTrain)];
  }
  checkTargets(model, c, xTrain, yTrain);
  if (validation && !isDatasetLike(validation)) checkTargets(model, c, validation[0], validation[1]);
  const n = xTrain.shape[0]!;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return {
    epoch: () => {
      if (args.shuffle ?? true) getRng().shuffle(order);
      return tensorFeed(xTrain, yTrain, batchSize, order);
    },
    checkFirstBatch: false,
    validate: validationPass(model, c, validation, args, batchSize),
  };
}

function datasetTraining(model: TrainableModel, c: Compiled, ds: DatasetLike, args: FitArgs): TrainingData {
  if (args.batchSize !== undefined) throw new Error('fit: batchSize does not apply to a dataset, which yields batches already (use dataset.batch(n))');
  if (args.validationSplit !== undefined) throw new Error('fit: validationSplit needs tensors; with a dataset pass validationData (e.g. dataset.take / skip)');
  return {
    epoch: datasetFeeds(ds, 'fit', args.stepsPerEpoch, 'stepsPerEpoch', args.stepsPerEpoch !== undefined),
    checkFirstBatch: true,
    validate: validationPass(model, c, args.validationData, args, 32),
  };
}

function validationPass(model: TrainableModel, c: Compiled, v: FitArgs['validationData'], args: FitArgs, batchSize: number): (() => Promise<Logs>) | null {
  if (!v) return null;
  if (isDatasetLike(v)) {
    const feeds = datasetFeeds(v, 'validationData', args.validationSteps, 'validationSteps', false);
    return () => runEvaluation(model, c, feeds(), { verbose: 0 }, 'val_');
  }
  if (args.validationSteps !== undefined) throw new Error('fit: validationSteps applies to a validation dataset, not to tensors');
  const [xv, yv] = v;
  return () => runEvaluation(model, c, tensorFeed(xv, yv, batchSize, null), { verbose: 0 }, 'val_');
}

export async function fitLoop(model: TrainableModel, c: Compiled, x: Tensor | DatasetLike, y: Tensor | undefined, args: FitArgs = {}): Promise<History> {
  const epochs = positiveInt(args.epochs ?? 1, 'epochs');
  const verbose = resolveVerbose(args.verbose);
  const out = args.output ?? defaultOutput();
  let data: TrainingData;
  if (isDatasetLike(x)) {
    if (y !== undefined) throw new Error('fit: a dataset yields [inputs, targets] itself; do not pass targets separately');
    data = datasetTraining(model, c, x, args);
  } else {
    if (y === undefined) throw new Error('fit: targets are missing (fit(x, y, args), or a dataset of [x, y] batches)');
    data = tensorTraining(model, c, x, y, args, positiveInt(args.batchSize ?? 32, 'batchSize'));
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
  let checked = !data.checkFirstBatch;
  for (const cb of callbacks) await cb.onTrainBegin();

  for (let epoch = args.initialEpoch ?? 0; epoch < epochs; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin(epoch);
    if (verbose === 1 && epochs > 1) out.write(`Epoch ${epoch + 1}/${epochs}\n`);
    if (epoch !== (args.initialEpoch ?? 0)) feed = data.epoch();
    const bar = verbose > 0 ? new Progbar(steps, out, verbose === 2 ? 2 : 1) : null;
    for (const m of c.metrics) m.reset();
    let lossSum = 0;
    let seen = 0;
    let step = 0;
    let ranOut = false;
    for (;; step++) {
      const batch = await feed.next(step);
      if (batch === null) {
        ranOut = feed.steps !== null && step < feed.steps;
        break;
      }
      for (const cb of callbacks) await cb.onBatchBegin(step);
      // Everything a step allocates is recycled for the next one (see tensor/buffer-pool.ts).
      let count = 0;
      const lossValue = withBufferScope(() => {
        const [xb, yb] = batch();
        if (!checked) {
          checked = true;
          checkTargets(model, c, xb, yb);
        }
        if (data.checkFirstBatch) {
          checkPair(xb, yb, `fit: dataset batch ${step}`);
        }
        count = xb.shape[0]!;
        return trainStep(model, c, xb, yb);
      });
      lossSum += lossValue * count;
      seen += count;
      const batchLogs = logsOf(lossSum / seen, c.metrics);
      for (const cb of callbacks) await cb.onBatchEnd(step, batchLogs);
      if (steps === null || step < steps - 1) bar?.update(step + 1, batchLogs, false);
      await maybeYield();
      if (model.stopTraining) {
        step++;
        break;
      }
    }
    feed.close();
    if (seen === 0) throw new Error(`fit: epoch ${epoch + 1} got no batches: the ${isDatasetLike(x) ? 'dataset is empty (check take/skip/filter, or batch with dropRemainder on too few elements)' : 'data is empty'}`);
    steps ??= step; // an unknown-size dataset: the first epoch counted its batches
    const logs = logsOf(lossSum / Math.max(seen, 1), c.metrics);
    if (data.validate) Object.assign(logs, await data.validate());
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

/** One pass of evaluation over a feed; logs hold mean loss and metrics, keys prefixed (val_). */
async function runEvaluation(model: TrainableModel, c: Compiled, feed: BatchFeed, args: EvaluateArgs, prefix: string, check = false): Promise<Logs> {
  const verbose = resolveVerbose(args.verbose);
  const bar = verbose > 0 ? new Progbar(feed.steps, args.output ?? defaultOutput(), verbose === 2 ? 2 : 1) : null;
  for (const m of c.metrics) m.reset();
  let lossSum = 0;
  let seen = 0;
  let step = 0;
  for (;; step++) {
    const batch = await feed.next(step);
    if (batch === null) break;
    withBufferScope(() => noGrad(() => {
      const [xb, yb] = batch();
      if (check) {
        checkPair(xb, yb, `evaluate: dataset batch ${step}`);
        if (step === 0) checkTargets(model, c, xb, yb);
      }
      const yPred = model.forward(xb, false);
      lossSum += c.loss.call(yb, yPred).item() * xb.shape[0]!;
      seen += xb.shape[0]!;
      for (const m of c.metrics) m.update(yb, yPred);
    }));
    if (feed.steps === null || step < feed.steps - 1) bar?.update(step + 1, logsOf(lossSum / seen, c.metrics), false);
    await maybeYield();
  }
  feed.close();
  if (seen === 0) throw new Error(`${prefix === 'val_' ? 'validation' : 'evaluate'}: no batches to evaluate (the data is empty)`);
  bar?.update(step, logsOf(lossSum / seen, c.metrics), true);
  return logsOf(lossSum / seen, c.metrics, prefix);
}

export async function evaluateLoop(model: TrainableModel, c: Compiled, x: Tensor | DatasetLike, y: Tensor | undefined, args: EvaluateArgs = {}): Promise<Logs> {
  if (isDatasetLike(x)) {
    if (y !== undefined) throw new Error('evaluate: a dataset yields [inputs, targets] itself; do not pass targets separately');
    if (args.batchSize !== undefined) throw new Error('evaluate: batchSize does not apply to a dataset, which yields batches already');
    return runEvaluation(model, c, datasetFeeds(x, 'evaluate', args.steps, 'steps', false)(), args, '', true);
  }
  if (y === undefined) throw new Error('evaluate: targets are missing (evaluate(x, y), or a dataset of [x, y] batches)');
  if (args.steps !== undefined) throw new Error('evaluate: steps applies to datasets; with tensors set batchSize');
  const batchSize = positiveInt(args.batchSize ?? 32, 'batchSize');
  checkPair(x, y, 'evaluate');
  checkTargets(model, c, x, y);
  return runEvaluation(model, c, tensorFeed(x, y, batchSize, null), args, '');
}

/** Runs the model on one batch and copies the outputs out of the step's recycled memory. */
function predictBatch(model: TrainableModel, x: Tensor): Tensor {
  return withBufferScope(() => noGrad(() => {
    const y = model.forward(x, false);
    return new Tensor(y.values.slice(), y.shape);
  }));
}

/** Batched inference; returns one tensor with all outputs (noGrad, training=false). */
export function predictLoop(model: TrainableModel, x: Tensor, batchSize = 32): Tensor {
  positiveInt(batchSize, 'batchSize');
  if (x.rank === 0) throw new Error(`predict: inputs need a batch axis, got a scalar`);
  assertFinite(x, 'predict inputs');
  const n = x.shape[0]!;
  if (n === 0) throw new Error('predict: no samples given');
  let result: Tensor | null = null;
  for (let begin = 0; begin < n; begin += batchSize) {
    const count = Math.min(batchSize, n - begin);
    withBufferScope(() => noGrad(() => {
      const y = model.forward(rowRange(x, begin, count), false);
      // Batch outputs live in recycled memory: copy them into the result, which the caller keeps.
      result ??= new Tensor(new Float32Array(n * (y.size / count)), [n, ...y.shape.slice(1)]);
      result.values.set(y.values, begin * (y.size / count));
    }));
  }
  return result!;
}

/** predict over a dataset of input batches (or [x, y] pairs, whose targets are ignored), concatenated. */
export async function predictDatasetLoop(model: TrainableModel, ds: DatasetLike, steps?: number): Promise<Tensor> {
  if (steps === undefined && ds.cardinality() === INFINITE) throw new Error('predict: the dataset is infinite (repeat() without a count), so pass steps');
  const it = ds.iterator();
  const outputs: Tensor[] = [];
  for (let step = 0; steps === undefined || step < steps; step++) {
    const r = await it.next();
    if (r.done) break;
    const xb = inputsOf(r.value, step);
    assertFinite(xb, `predict inputs (dataset batch ${step})`);
    outputs.push(predictBatch(model, xb));
    await maybeYield();
  }
  it.return?.();
  if (outputs.length === 0) throw new Error('predict: the dataset gave no batches');
  return outputs.length === 1 ? outputs[0]! : ops.concat(outputs, 0);
}
