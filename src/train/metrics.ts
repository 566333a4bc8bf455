/**
 * Metrics (keras.metrics): stateful means over an epoch, computed on raw arrays
 * (no gradients). 'accuracy' is resolved from the loss, as Keras does.
 */
import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import type { Loss } from './losses.js';

export interface Metric {
  readonly name: string;
  update(yTrue: Tensor, yPred: Tensor): void;
  result(): number;
  reset(): void;
}

/** A metric that averages a per-sample value over all samples seen. */
class MeanMetric implements Metric {
  private total = 0;
  private count = 0;
  constructor(readonly name: string, private readonly perSample: (yTrue: Tensor, yPred: Tensor) => { sum: number; count: number }) {}
  update(yTrue: Tensor, yPred: Tensor): void {
    const { sum, count } = this.perSample(yTrue, yPred);
    this.total += sum;
    this.count += count;
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

export const metricFns = {
  meanSquaredError: (t: Tensor, p: Tensor) => {
    let s = 0;
    for (let i = 0; i < p.size; i++) s += (p.data[i]! - t.data[i]!) ** 2;
    const per = p.size / (p.shape[0] ?? 1);
    return { sum: s / per, count: p.shape[0] ?? 1 };
  },
  meanAbsoluteError: (t: Tensor, p: Tensor) => {
    let s = 0;
    for (let i = 0; i < p.size; i++) s += Math.abs(p.data[i]! - t.data[i]!);
    const per = p.size / (p.shape[0] ?? 1);
    return { sum: s / per, count: p.shape[0] ?? 1 };
  },
  binaryAccuracy: (t: Tensor, p: Tensor, threshold = 0.5) => {
    let s = 0;
    for (let i = 0; i < p.size; i++) s += (p.data[i]! > threshold ? 1 : 0) === (t.data[i]! > 0.5 ? 1 : 0) ? 1 : 0;
    return { sum: s, count: p.size };
  },
  categoricalAccuracy: (t: Tensor, p: Tensor) => {
    const { n, classes } = rows(p);
    let s = 0;
    for (let r = 0; r < n; r++) s += argmaxRow(p.data, r * classes, classes) === argmaxRow(t.data, r * classes, classes) ? 1 : 0;
    return { sum: s, count: n };
  },
  sparseCategoricalAccuracy: (t: Tensor, p: Tensor) => {
    const { n, classes } = rows(p);
    const labels = sparseLabels(t, n, 'sparseCategoricalAccuracy');
    let s = 0;
    for (let r = 0; r < n; r++) s += argmaxRow(p.data, r * classes, classes) === labels[r] ? 1 : 0;
    return { sum: s, count: n };
  },
  topKCategoricalAccuracy: (t: Tensor, p: Tensor, k = 5) => {
    const { n, classes } = rows(p);
    let s = 0;
    for (let r = 0; r < n; r++) s += rankOfTrue(p.data, r * classes, classes, argmaxRow(t.data, r * classes, classes)) < k ? 1 : 0;
    return { sum: s, count: n };
  },
  sparseTopKCategoricalAccuracy: (t: Tensor, p: Tensor, k = 5) => {
    const { n, classes } = rows(p);
    const labels = sparseLabels(t, n, 'sparseTopKCategoricalAccuracy');
    let s = 0;
    for (let r = 0; r < n; r++) s += rankOfTrue(p.data, r * classes, classes, labels[r]!) < k ? 1 : 0;
    return { sum: s, count: n };
  },
};

export const metrics = {
  MeanSquaredError: (name = 'mean_squared_error'): Metric => new MeanMetric(name, metricFns.meanSquaredError),
  MeanAbsoluteError: (name = 'mean_absolute_error'): Metric => new MeanMetric(name, metricFns.meanAbsoluteError),
  BinaryAccuracy: (name = 'binary_accuracy', threshold = 0.5): Metric => new MeanMetric(name, (t, p) => metricFns.binaryAccuracy(t, p, threshold)),
  CategoricalAccuracy: (name = 'categorical_accuracy'): Metric => new MeanMetric(name, metricFns.categoricalAccuracy),
  SparseCategoricalAccuracy: (name = 'sparse_categorical_accuracy'): Metric => new MeanMetric(name, metricFns.sparseCategoricalAccuracy),
  TopKCategoricalAccuracy: (k = 5, name = 'top_k_categorical_accuracy'): Metric => new MeanMetric(name, (t, p) => metricFns.topKCategoricalAccuracy(t, p, k)),
  SparseTopKCategoricalAccuracy: (k = 5, name = 'sparse_top_k_categorical_accuracy'): Metric => new MeanMetric(name, (t, p) => metricFns.sparseTopKCategoricalAccuracy(t, p, k)),
};

/**
 * Resolves a metric identifier. 'accuracy' / 'acc' follow the loss (binary,
 * categorical or sparse) and keep the name the user wrote, as Keras logs it.
 */
export function getMetric(id: string | Metric, loss: Loss): Metric {
  if (typeof id === 'object') return id;
  const key = id.replace(/_/g, '').toLowerCase();
  switch (key) {
    case 'accuracy':
    case 'acc':
      if (loss.accuracyKind === 'binary') return metrics.BinaryAccuracy(id);
      if (loss.accuracyKind === 'sparse') return metrics.SparseCategoricalAccuracy(id);
      return metrics.CategoricalAccuracy(id);
    case 'mse': case 'meansquarederror': return metrics.MeanSquaredError(id);
    case 'mae': case 'meanabsoluteerror': return metrics.MeanAbsoluteError(id);
    case 'binaryaccuracy': return metrics.BinaryAccuracy(id);
    case 'categoricalaccuracy': return metrics.CategoricalAccuracy(id);
    case 'sparsecategoricalaccuracy': return metrics.SparseCategoricalAccuracy(id);
    case 'topkcategoricalaccuracy': return metrics.TopKCategoricalAccuracy(5, id);
    case 'sparsetopkcategoricalaccuracy': return metrics.SparseTopKCategoricalAccuracy(5, id);
    default:
      throw new Error(`unknown metric '${id}' (known: accuracy, mse, mae, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy, sparse_top_k_categorical_accuracy)`);
  }
}
