/**
 * Losses in Keras' three forms (keras.losses):
 *   - names for compile: 'mse', 'categorical_crossentropy', 'sparseCategoricalCrossentropy', ...
 *   - classes: new losses.SparseCategoricalCrossentropy({ fromLogits: true }); loss.call(yTrue, yPred)
 *     is the batch mean (Keras' default reduction 'sum_over_batch_size'), a scalar tensor;
 *   - functions: losses.meanSquaredError(yTrue, yPred) gives one value per sample, as in Keras.
 * Built from differentiable ops, so autograd derives their gradients. Probabilities are clipped
 * to [1e-7, 1 − 1e-7] as Keras does. Targets of shape (n,) fit outputs of shape (n, 1) (and the
 * reverse): Keras squeezes or expands the last axis the same way.
 */
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { ops } from '../autograd/index.js';

const EPSILON = 1e-7;

export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/**
 * keras.losses.Loss. Subclass it and implement call(yTrue, yPred), returning per-sample values or
 * their mean; fit and evaluate average them over the batch.
 */
export abstract class Loss {
  readonly name: string;
  /** What a matching 'accuracy' metric should be (Keras resolves 'accuracy' from the loss). */
  readonly accuracyKind?: 'binary' | 'categorical' | 'sparse';
  constructor(name: string, accuracyKind?: Loss['accuracyKind']) {
    this.name = name;
    this.accuracyKind = accuracyKind;
  }
  abstract call(yTrue: Tensor, yPred: Tensor): Tensor;
  /**
   * One value per sample (per step for sequence outputs), before the batch reduction: what
   * sample weights and masks weight (Keras' Loss.call before reduce_weighted_values). By
   * default call()'s own values, so a custom loss returning per-sample values is weighted too.
   */
  perSample(yTrue: Tensor, yPred: Tensor): Tensor {
    return this.call(yTrue, yPred);
  }
  /** The constructor arguments (saved with a compiled model, so fromLogits survives a reload). */
  getConfig(): LossConfig {
    return { name: this.name };
  }
}

export type LossConfig = { [key: string]: number | boolean | string };

/** Targets reshaped to the predictions' shape where they differ only by a trailing axis of 1. */
export function alignTargets(name: string, yTrue: Tensor, yPred: Tensor): Tensor {
  if (shapesEqual(yTrue.shape, yPred.shape)) return yTrue;
  const [a, b] = [yTrue.shape, yPred.shape];
  const trailingOne = (long: readonly number[], short: readonly number[]) => long.length === short.length + 1 && long[long.length - 1] === 1 && shapesEqual(long.slice(0, -1), short);
  if (trailingOne(a, b) || trailingOne(b, a)) return ops.reshape(yTrue, yPred.shape);
  throw new Error(`${name}: targets have shape ${formatShape(yTrue.shape)} but the model outputs ${formatShape(yPred.shape)}`);
}

/** The mean over the batch of per-sample values (a scalar stays as it is). */
export function reduceLoss(values: Tensor): Tensor {
  return values.rank === 0 ? values : ops.mean(values);
}

const lastAxisMean = (t: Tensor): Tensor => (t.rank <= 1 ? t : ops.mean(t, -1));

// ---------------------------------------------------------------- functions (per sample)

/** keras.losses.mean_squared_error: mean((yTrue − yPred)²) over the last axis, per sample. */
export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  const t = alignTargets('meanSquaredError', yTrue, yPred);
  return lastAxisMean(ops.squaredDifference(yPred, t));
}

/** keras.losses.mean_absolute_error: mean(|yTrue − yPred|) over the last axis, per sample. */
export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  const t = alignTargets('meanAbsoluteError', yTrue, yPred);
  return lastAxisMean(ops.abs(ops.sub(yPred, t)));
}

/** keras.losses.binary_crossentropy, per sample (mean over the last axis). */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  const t = alignTargets('binaryCrossentropy', yTrue, yPred);
  if (fromLogits) {
    // max(x, 0) - x·y + log(1 + exp(-|x|)): stable for any logit
    const x = yPred;
    return lastAxisMean(ops.add(ops.sub(ops.relu(x), ops.mul(x, t)), ops.softplus(ops.neg(ops.abs(x)))));
  }
  const p = ops.clip(yPred, EPSILON, 1 - EPSILON);
  return ops.neg(lastAxisMean(ops.add(ops.mul(t, ops.log(p)), ops.mul(ops.sub(1, t), ops.log(ops.sub(1, p))))));
}

/** keras.losses.categorical_crossentropy, per sample (sum over the classes). */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  const t = alignTargets('categoricalCrossentropy', yTrue, yPred);
  const logP = fromLogits
    ? ops.logSoftmax(yPred, -1)
    : ops.log(ops.clip(ops.div(yPred, ops.sum(yPred, -1, true)), EPSILON, 1 - EPSILON));
  return ops.neg(ops.sum(ops.mul(t, logP), -1));
}

/** keras.losses.sparse_categorical_crossentropy: integer labels, shape [batch] or [batch, 1]; per sample. */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  const classes = yPred.shape[yPred.rank - 1]!;
  const n = yPred.size / classes;
  if (yTrue.size !== n) {
    throw new Error(`sparseCategoricalCrossentropy: ${yTrue.size} labels (shape ${formatShape(yTrue.shape)}) for ${n} predictions of shape ${formatShape(yPred.shape)}`);
  }
  const oneHot = ops.reshape(ops.oneHot(yTrue, classes), yPred.shape);
  return categoricalCrossentropy(oneHot, yPred, fromLogits);
}

/** keras.losses.huber (delta 1): quadratic for small errors, linear for large ones; per sample. */
export function huber(yTrue: Tensor, yPred: Tensor, delta = 1): Tensor {
  const t = alignTargets('huber', yTrue, yPred);
  const err = ops.abs(ops.sub(yPred, t));
  const quad = ops.minimum(err, delta);
  return lastAxisMean(ops.add(ops.mul(ops.mul(quad, quad), 0.5), ops.mul(ops.sub(err, quad), delta)));
}

// ---------------------------------------------------------------- classes (batch mean)

export interface LossArgs {
  name?: string;
}

export interface CrossentropyArgs extends LossArgs {
  fromLogits?: boolean;
}

/** keras.losses.MeanSquaredError (uses the fused mean-squared-error kernel). */
export class MeanSquaredError extends Loss {
  constructor(args: LossArgs = {}) {
    super(args.name ?? 'mean_squared_error');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return ops.meanSquaredError(yPred, alignTargets(this.name, yTrue, yPred));
  }
  override perSample(yTrue: Tensor, yPred: Tensor): Tensor {
    return meanSquaredError(yTrue, yPred);
  }
}

export class MeanAbsoluteError extends Loss {
  constructor(args: LossArgs = {}) {
    super(args.name ?? 'mean_absolute_error');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return ops.meanAbsoluteError(yPred, alignTargets(this.name, yTrue, yPred));
  }
  override perSample(yTrue: Tensor, yPred: Tensor): Tensor {
    return meanAbsoluteError(yTrue, yPred);
  }
}

export class BinaryCrossentropy extends Loss {
  readonly fromLogits: boolean;
  constructor(args: CrossentropyArgs = {}) {
    super(args.name ?? 'binary_crossentropy', 'binary');
    this.fromLogits = args.fromLogits ?? false;
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    // From probabilities: the fused kernel (value and gradient in one pass; the mean over samples of per-sample means is the mean over all elements).
    if (!this.fromLogits && !yTrue.requiresGrad) return ops.meanBinaryCrossentropy(yPred, alignTargets(this.name, yTrue, yPred));
    return ops.mean(this.perSample(yTrue, yPred));
  }
  override perSample(yTrue: Tensor, yPred: Tensor): Tensor {
    return binaryCrossentropy(yTrue, yPred, this.fromLogits);
  }
  override getConfig(): LossConfig {
    return { name: this.name, fromLogits: this.fromLogits };
  }
}

export class CategoricalCrossentropy extends Loss {
  readonly fromLogits: boolean;
  constructor(args: CrossentropyArgs = {}) {
    super(args.name ?? 'categorical_crossentropy', 'categorical');
    this.fromLogits = args.fromLogits ?? false;
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return ops.mean(this.perSample(yTrue, yPred));
  }
  override perSample(yTrue: Tensor, yPred: Tensor): Tensor {
    return categoricalCrossentropy(yTrue, yPred, this.fromLogits);
  }
  override getConfig(): LossConfig {
    return { name: this.name, fromLogits: this.fromLogits };
  }
}

export class SparseCategoricalCrossentropy extends Loss {
  readonly fromLogits: boolean;
  constructor(args: CrossentropyArgs = {}) {
    super(args.name ?? 'sparse_categorical_crossentropy', 'sparse');
    this.fromLogits = args.fromLogits ?? false;
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return ops.mean(this.perSample(yTrue, yPred));
  }
  override perSample(yTrue: Tensor, yPred: Tensor): Tensor {
    return sparseCategoricalCrossentropy(yTrue, yPred, this.fromLogits);
  }
  override getConfig(): LossConfig {
    return { name: this.name, fromLogits: this.fromLogits };
  }
}

export class Huber extends Loss {
  readonly delta: number;
  constructor(args: LossArgs & { delta?: number } = {}) {
    super(args.name ?? 'huber_loss');
    this.delta = args.delta ?? 1;
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return ops.mean(this.perSample(yTrue, yPred));
  }
  override perSample(yTrue: Tensor, yPred: Tensor): Tensor {
    return huber(yTrue, yPred, this.delta);
  }
  override getConfig(): LossConfig {
    return { name: this.name, delta: this.delta };
  }
}

/** A loss from a function of (yTrue, yPred) giving per-sample values or their mean. */
class FunctionLoss extends Loss {
  constructor(private readonly fn: LossFn, name: string) {
    super(name, accuracyKindOf(fn));
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return reduceLoss(this.fn(yTrue, yPred));
  }
  override perSample(yTrue: Tensor, yPred: Tensor): Tensor {
    return this.fn(yTrue, yPred);
  }
}

function accuracyKindOf(fn: LossFn): Loss['accuracyKind'] {
  if (fn === binaryCrossentropy) return 'binary';
  if (fn === categoricalCrossentropy) return 'categorical';
  if (fn === sparseCategoricalCrossentropy) return 'sparse';
  return undefined;
}

export type LossName =
  | 'mse' | 'mae' | 'mean_squared_error' | 'meanSquaredError' | 'mean_absolute_error' | 'meanAbsoluteError'
  | 'binary_crossentropy' | 'binaryCrossentropy' | 'categorical_crossentropy' | 'categoricalCrossentropy'
  | 'sparse_categorical_crossentropy' | 'sparseCategoricalCrossentropy' | 'huber';

const byName: Record<string, () => Loss> = {
  mse: () => new MeanSquaredError(), meansquarederror: () => new MeanSquaredError(),
  mae: () => new MeanAbsoluteError(), meanabsoluteerror: () => new MeanAbsoluteError(),
  binarycrossentropy: () => new BinaryCrossentropy(),
  categoricalcrossentropy: () => new CategoricalCrossentropy(),
  sparsecategoricalcrossentropy: () => new SparseCategoricalCrossentropy(),
  huber: () => new Huber(), huberloss: () => new Huber(),
};

/** A Keras loss name ('mse', 'categorical_crossentropy', 'sparseCategoricalCrossentropy'), a Loss, or a function. */
export function getLoss(id: LossName | string | Loss | LossFn): Loss {
  if (typeof id === 'function') {
    if (id.prototype instanceof Loss) {
      throw new Error(`loss: got the class ${id.name}; pass an instance, new ${id.name}(), or its name`);
    }
    return new FunctionLoss(id, snake(id.name) || 'custom_loss');
  }
  if (id instanceof Loss) return id;
  if (typeof id === 'object' && id !== null && typeof (id as { call?: unknown }).call === 'function') return id;
  if (typeof id !== 'string') throw new Error(`loss must be a name, a Loss or a function (yTrue, yPred) => Tensor; got ${typeof id}`);
  const f = byName[id.replace(/_/g, '').toLowerCase()];
  if (!f) throw new Error(`unknown loss '${id}' (known: mse, mae, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy, huber)`);
  return f();
}

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

const lossClasses: Record<string, (config: LossConfig) => Loss> = {
  MeanSquaredError: (c) => new MeanSquaredError(c as LossArgs),
  MeanAbsoluteError: (c) => new MeanAbsoluteError(c as LossArgs),
  BinaryCrossentropy: (c) => new BinaryCrossentropy(c as CrossentropyArgs),
  CategoricalCrossentropy: (c) => new CategoricalCrossentropy(c as CrossentropyArgs),
  SparseCategoricalCrossentropy: (c) => new SparseCategoricalCrossentropy(c as CrossentropyArgs),
  Huber: (c) => new Huber(c as LossArgs & { delta?: number }),
};

/** The class name and config of a built-in loss (null for custom ones), for saving. */
export function serializeLoss(loss: Loss): { className: string; config: LossConfig } | null {
  const className = loss.constructor.name;
  return lossClasses[className] ? { className, config: loss.getConfig() } : null;
}

/** Rebuilds a built-in loss from serializeLoss() output. */
export function deserializeLoss(s: { className: string; config: LossConfig }): Loss {
  const f = lossClasses[s.className];
  if (!f) throw new Error(`unknown loss class '${s.className}'`);
  return f(s.config);
}
