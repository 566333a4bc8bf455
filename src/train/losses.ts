/**
 * Losses with Keras names, defaults and reduction ('sum_over_batch_size':
 * the mean over samples). Built from differentiable ops, so autograd derives
 * their gradients. Probabilities are clipped to [1e-7, 1 - 1e-7] as Keras does.
 */
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { ops } from '../autograd/index.js';

const EPSILON = 1e-7;

export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

export interface Loss {
  readonly name: string;
  /** Mean loss over the batch, a scalar tensor. */
  call(yTrue: Tensor, yPred: Tensor): Tensor;
  /** What a matching 'accuracy' metric should be (Keras resolves 'accuracy' from the loss). */
  readonly accuracyKind?: 'binary' | 'categorical' | 'sparse';
}

function sameShape(name: string, yTrue: Tensor, yPred: Tensor): void {
  if (!shapesEqual(yTrue.shape, yPred.shape)) {
    throw new Error(`${name}: targets have shape ${formatShape(yTrue.shape)} but the model outputs ${formatShape(yPred.shape)}`);
  }
}

export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  sameShape('meanSquaredError', yTrue, yPred);
  return ops.meanSquaredError(yPred, yTrue);
}

export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  sameShape('meanAbsoluteError', yTrue, yPred);
  return ops.meanAbsoluteError(yPred, yTrue);
}

export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  sameShape('binaryCrossentropy', yTrue, yPred);
  if (fromLogits) {
    // max(x, 0) - x·y + log(1 + exp(-|x|)): stable for any logit
    const x = yPred;
    return ops.mean(ops.add(ops.sub(ops.relu(x), ops.mul(x, yTrue)), ops.softplus(ops.neg(ops.abs(x)))));
  }
  const p = ops.clip(yPred, EPSILON, 1 - EPSILON);
  const ll = ops.add(ops.mul(yTrue, ops.log(p)), ops.mul(ops.sub(1, yTrue), ops.log(ops.sub(1, p))));
  return ops.neg(ops.mean(ll));
}

export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  sameShape('categoricalCrossentropy', yTrue, yPred);
  const logP = fromLogits
    ? ops.logSoftmax(yPred, -1)
    : ops.log(ops.clip(ops.div(yPred, ops.sum(yPred, -1, true)), EPSILON, 1 - EPSILON));
  return ops.neg(ops.mean(ops.sum(ops.mul(yTrue, logP), -1)));
}

/** Integer labels, shape [batch] or [batch, 1], values in [0, classes). */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  const classes = yPred.shape[yPred.rank - 1]!;
  const n = yPred.size / classes;
  if (yTrue.size !== n) {
    throw new Error(`sparseCategoricalCrossentropy: ${yTrue.size} labels (shape ${formatShape(yTrue.shape)}) for ${n} predictions of shape ${formatShape(yPred.shape)}`);
  }
  const oneHot = ops.reshape(ops.oneHot(yTrue, classes), yPred.shape);
  return categoricalCrossentropy(oneHot, yPred, fromLogits);
}

export interface CrossentropyArgs {
  fromLogits?: boolean;
}

const lossClass = (name: string, fn: LossFn, accuracyKind?: Loss['accuracyKind']): Loss => ({ name, call: fn, accuracyKind });

export const losses = {
  MeanSquaredError: (): Loss => lossClass('mean_squared_error', meanSquaredError),
  MeanAbsoluteError: (): Loss => lossClass('mean_absolute_error', meanAbsoluteError),
  BinaryCrossentropy: (a: CrossentropyArgs = {}): Loss => lossClass('binary_crossentropy', (t, p) => binaryCrossentropy(t, p, a.fromLogits), 'binary'),
  CategoricalCrossentropy: (a: CrossentropyArgs = {}): Loss => lossClass('categorical_crossentropy', (t, p) => categoricalCrossentropy(t, p, a.fromLogits), 'categorical'),
  SparseCategoricalCrossentropy: (a: CrossentropyArgs = {}): Loss => lossClass('sparse_categorical_crossentropy', (t, p) => sparseCategoricalCrossentropy(t, p, a.fromLogits), 'sparse'),
};

export type LossName =
  | 'mse' | 'mae' | 'mean_squared_error' | 'meanSquaredError' | 'mean_absolute_error' | 'meanAbsoluteError'
  | 'binary_crossentropy' | 'binaryCrossentropy' | 'categorical_crossentropy' | 'categoricalCrossentropy'
  | 'sparse_categorical_crossentropy' | 'sparseCategoricalCrossentropy';

const byName: Record<string, () => Loss> = {
  mse: losses.MeanSquaredError, mean_squared_error: losses.MeanSquaredError, meansquarederror: losses.MeanSquaredError,
  mae: losses.MeanAbsoluteError, mean_absolute_error: losses.MeanAbsoluteError, meanabsoluteerror: losses.MeanAbsoluteError,
  binary_crossentropy: losses.BinaryCrossentropy, binarycrossentropy: losses.BinaryCrossentropy,
  categorical_crossentropy: losses.CategoricalCrossentropy, categoricalcrossentropy: losses.CategoricalCrossentropy,
  sparse_categorical_crossentropy: losses.SparseCategoricalCrossentropy, sparsecategoricalcrossentropy: losses.SparseCategoricalCrossentropy,
};

/** A Keras loss name ('mse', 'categorical_crossentropy', 'sparseCategoricalCrossentropy'), a Loss, or a function. */
export function getLoss(id: LossName | string | Loss | LossFn): Loss {
  if (typeof id === 'function') return { name: id.name || 'custom_loss', call: id };
  if (typeof id === 'object') return id;
  const f = byName[id] ?? byName[id.toLowerCase()];
  if (!f) throw new Error(`unknown loss '${id}' (known: mse, mae, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy)`);
  return f();
}

