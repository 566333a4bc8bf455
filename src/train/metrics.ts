/**
 * Metrics (keras.metrics): stateful means over an epoch, computed on raw arrays
 * (no gradients). 'accuracy' is resolved from the loss, as Keras does.
 */
import { Tensor, Tensor as T } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import type { Loss } from './losses.js';

/**
 * keras.metrics.Metric: state accumulated over an epoch by update(yTrue, yPred, sampleWeight?),
 * read by result(), cleared by reset() (Keras' update_state / result / reset_state; those names
 * work too). The built-in metrics weight samples when given sample weights (compile's
 * `weightedMetrics`); a custom metric may ignore them, as in Keras.
 */
export abstract class Metric {
  abstract readonly name: string;
  abstract update(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void;
  abstract result(): number;
  abstract reset(): void;
  updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    this.update(yTrue, yPred, sampleWeight);
  }
  resetState(): void {
    this.reset();
  }
}

/** keras.metrics.Mean: the (weighted) mean of the values given to update(value, weight). */
export class Mean {
  private total = 0;
  private count = 0;
  constructor(readonly name = 'mean') {}
  update(value: number | Tensor, weight = 1): void {
    if (typeof value === 'number') {
      this.total += value * weight;
      this.count += weight;
      return;
    }
    for (let i = 0; i < value.size; i++) this.total += value.data[i]! * weight;
    this.count += value.size * weight;
  }
  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }
  reset(): void {
    this.total = 0;
    this.count = 0;
  }
}

/** One value per sample (the first axis), each the mean over the sample's other axes, as Keras' metric functions. */
type SampleValues = (yTrue: Tensor, yPred: Tensor) => Float64Array;

/** The weights of a batch's samples, from Keras' sample_weight of shape [n] or [n, 1]. */
function weightsPerSample(w: Tensor, n: number): ArrayLike<number> {
  if (w.shape[0] !== n || w.size !== n) {
    throw new Error(`metric: sampleWeight of shape ${formatShape(w.shape)} for ${n} samples; weighted metrics take one weight per sample`);
  }
  return w.data;
}

/**
 * A metric that averages a per-sample value over all samples seen: Keras' MeanMetricWrapper.
 * With sample weights the mean is Σ v·w / Σ w (keras.metrics.Mean), so weights renormalize.
 */
class MeanMetric extends Metric {
  private total = 0;
  private count = 0;
  constructor(readonly name: string, private readonly values: SampleValues) {
    super();
  }
  update(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    const v = this.values(yTrue, yPred);
    if (!sampleWeight) {
      for (let i = 0; i < v.length; i++) this.total += v[i]!;
      this.count += v.length;
      return;
    }
    const w = weightsPerSample(sampleWeight, v.length);
    for (let i = 0; i < v.length; i++) {
      this.total += v[i]! * w[i]!;
      this.count += w[i]!;
    }
  }
  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }
  reset(): void {
    this.total = 0;
    this.count = 0;
  }
}

function rows(yPred: Tensor): { n: number; classes: number } {
  const classes = yPred.shape[yPred.rank - 1] ?? 1;
  return { n: yPred.size / classes, classes };
}

/** Rank of the true class among the predictions of a row (0 = top), ties counted in favour. */
function rankOfTrue(p: ArrayLike<number>, offset: number, classes: number, label: number): number {
  const t = p[offset + label]!;
  let above = 0;
  for (let c = 0; c < classes; c++) if (p[offset + c]! > t) above++;
  return above;
}

function argmaxRow(p: ArrayLike<number>, offset: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (p[offset + c]! > p[offset + best]!) best = c;
  return best;
}

function sparseLabels(yTrue: Tensor, n: number, what: string): ArrayLike<number> {
  if (yTrue.size !== n) throw new Error(`${what}: ${yTrue.size} labels (shape ${formatShape(yTrue.shape)}) for ${n} predictions`);
  return yTrue.data;
}

/** Per-sample means of `count` terms per sample, term j of the whole batch given by term(j). */
function meanPerSample(p: Tensor, count: number, term: (j: number) => number): Float64Array {
  const n = p.shape[0] ?? 1;
  const per = count / n;
  const out = new Float64Array(n);
  for (let i = 0, j = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < per; k++, j++) s += term(j);
    out[i] = s / per;
  }
  return out;
}

/** Keras' metric functions, each giving one value per sample. */
export const metricFns = {
  meanSquaredError: (t: Tensor, p: Tensor): Float64Array => meanPerSample(p, p.size, (j) => (p.data[j]! - t.data[j]!) ** 2),
  meanAbsoluteError: (t: Tensor, p: Tensor): Float64Array => meanPerSample(p, p.size, (j) => Math.abs(p.data[j]! - t.data[j]!)),
  binaryAccuracy: (t: Tensor, p: Tensor, threshold = 0.5): Float64Array =>
    meanPerSample(p, p.size, (j) => ((p.data[j]! > threshold ? 1 : 0) === (t.data[j]! > 0.5 ? 1 : 0) ? 1 : 0)),
  categoricalAccuracy: (t: Tensor, p: Tensor): Float64Array => {
    const { n, classes } = rows(p);
    return meanPerSample(p, n, (r) => (argmaxRow(p.data, r * classes, classes) === argmaxRow(t.data, r * classes, classes) ? 1 : 0));
  },
  sparseCategoricalAccuracy: (t: Tensor, p: Tensor): Float64Array => {
    const { n, classes } = rows(p);
    const labels = sparseLabels(t, n, 'sparseCategoricalAccuracy');
    return meanPerSample(p, n, (r) => (argmaxRow(p.data, r * classes, classes) === labels[r] ? 1 : 0));
  },
  topKCategoricalAccuracy: (t: Tensor, p: Tensor, k = 5): Float64Array => {
    const { n, classes } = rows(p);
    return meanPerSample(p, n, (r) => (rankOfTrue(p.data, r * classes, classes, argmaxRow(t.data, r * classes, classes)) < k ? 1 : 0));
  },
  sparseTopKCategoricalAccuracy: (t: Tensor, p: Tensor, k = 5): Float64Array => {
    const { n, classes } = rows(p);
    const labels = sparseLabels(t, n, 'sparseTopKCategoricalAccuracy');
    return meanPerSample(p, n, (r) => (rankOfTrue(p.data, r * classes, classes, labels[r]!) < k ? 1 : 0));
  },
};

export interface MetricArgs {
  name?: string;
}

export class MeanSquaredError extends MeanMetric {
  constructor(args: MetricArgs = {}) {
    super(args.name ?? 'mean_squared_error', metricFns.meanSquaredError);
  }
}

export class MeanAbsoluteError extends MeanMetric {
  constructor(args: MetricArgs = {}) {
    super(args.name ?? 'mean_absolute_error', metricFns.meanAbsoluteError);
  }
}

export class RootMeanSquaredError extends Metric {
  readonly name: string;
  private readonly mse = new MeanSquaredError();
  constructor(args: MetricArgs = {}) {
    super();
    this.name = args.name ?? 'root_mean_squared_error';
  }
  update(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    this.mse.update(yTrue, yPred, sampleWeight);
  }
  result(): number {
    return Math.sqrt(this.mse.result());
  }
  reset(): void {
    this.mse.reset();
  }
}

export class BinaryAccuracy extends MeanMetric {
  constructor(args: MetricArgs & { threshold?: number } = {}) {
    super(args.name ?? 'binary_accuracy', (t, p) => metricFns.binaryAccuracy(t, p, args.threshold ?? 0.5));
  }
}

export class CategoricalAccuracy extends MeanMetric {
  constructor(args: MetricArgs = {}) {
    super(args.name ?? 'categorical_accuracy', metricFns.categoricalAccuracy);
  }
}

export class SparseCategoricalAccuracy extends MeanMetric {
  constructor(args: MetricArgs = {}) {
    super(args.name ?? 'sparse_categorical_accuracy', metricFns.sparseCategoricalAccuracy);
  }
}

export class TopKCategoricalAccuracy extends MeanMetric {
  constructor(args: MetricArgs & { k?: number } = {}) {
    super(args.name ?? 'top_k_categorical_accuracy', (t, p) => metricFns.topKCategoricalAccuracy(t, p, args.k ?? 5));
  }
}

export class SparseTopKCategoricalAccuracy extends MeanMetric {
  constructor(args: MetricArgs & { k?: number } = {}) {
    super(args.name ?? 'sparse_top_k_categorical_accuracy', (t, p) => metricFns.sparseTopKCategoricalAccuracy(t, p, args.k ?? 5));
  }
}

/** Per-sample values as a tensor (Keras' metric functions return one value per sample). */
function perSample(t: Tensor, p: Tensor, f: SampleValues): Tensor {
  return new T(Float32Array.from(f(t, p)), [p.shape[0] ?? 1]);
}

/** keras.metrics.mean_squared_error(yTrue, yPred): one value per sample. */
export const meanSquaredError = (yTrue: Tensor, yPred: Tensor): Tensor => perSample(yTrue, yPred, metricFns.meanSquaredError);
export const meanAbsoluteError = (yTrue: Tensor, yPred: Tensor): Tensor => perSample(yTrue, yPred, metricFns.meanAbsoluteError);
export const binaryAccuracy = (yTrue: Tensor, yPred: Tensor, threshold = 0.5): Tensor => perSample(yTrue, yPred, (t, p) => metricFns.binaryAccuracy(t, p, threshold));
export const categoricalAccuracy = (yTrue: Tensor, yPred: Tensor): Tensor => perSample(yTrue, yPred, metricFns.categoricalAccuracy);
export const sparseCategoricalAccuracy = (yTrue: Tensor, yPred: Tensor): Tensor => perSample(yTrue, yPred, metricFns.sparseCategoricalAccuracy);

/**
 * Resolves a metric identifier. 'accuracy' / 'acc' follow the loss (binary,
 * categorical or sparse) and keep the name the user wrote, as Keras logs it.
 */
export function getMetric(id: string | Metric, loss: Loss | null): Metric {
  if (id instanceof Metric) return id;
  if (typeof id === 'object' && id !== null && typeof (id as Metric).update === 'function') return id;
  if (typeof id === 'function') throw new Error(`metric: got the class ${(id as { name: string }).name}; pass an instance (new ${(id as { name: string }).name}()) or its name`);
  const key = id.replace(/_/g, '').toLowerCase();
  switch (key) {
    case 'accuracy':
    case 'acc':
      if (loss?.accuracyKind === 'binary') return new BinaryAccuracy({ name: id });
      if (loss?.accuracyKind === 'sparse') return new SparseCategoricalAccuracy({ name: id });
      return new CategoricalAccuracy({ name: id });
    case 'mse': case 'meansquarederror': return new MeanSquaredError({ name: id });
    case 'mae': case 'meanabsoluteerror': return new MeanAbsoluteError({ name: id });
    case 'rmse': case 'rootmeansquarederror': return new RootMeanSquaredError({ name: id });
    case 'binaryaccuracy': return new BinaryAccuracy({ name: id });
    case 'categoricalaccuracy': return new CategoricalAccuracy({ name: id });
    case 'sparsecategoricalaccuracy': return new SparseCategoricalAccuracy({ name: id });
    case 'topkcategoricalaccuracy': return new TopKCategoricalAccuracy({ name: id });
    case 'sparsetopkcategoricalaccuracy': return new SparseTopKCategoricalAccuracy({ name: id });
    default:
      throw new Error(`unknown metric '${id}' (known: accuracy, mse, mae, rmse, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy, sparse_top_k_categorical_accuracy)`);
  }
}
