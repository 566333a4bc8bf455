/**
 * keras.layers.BatchNormalization (axis=-1, momentum=0.99, epsilon=1e-3, center, scale).
 *
 * Training (fit):  y = γ · (x − μ_B) / √(σ²_B + ε) + β with the batch's mean and (biased)
 *                  variance over every axis but `axis`, and the moving statistics updated
 *                  as moving = moving · momentum + batch · (1 − momentum), as Keras 3.
 * Inference (predict / evaluate, or trainable = false, as Keras):
 *                  the same with the moving mean and variance.
 * Weights in Keras' order: gamma, beta (trainable), moving_mean, moving_variance (not).
 * Normalizing the last axis (channels last, Keras' default) runs the fused batch-norm kernels
 * (autograd/ops/normalization.ts); another axis runs the same formula as separate ops.
 * Masks (Keras 3's `_moments(inputs, mask)`): in training, a mask of the input's shape without
 * its last axis (1 = keep) restricts the batch statistics to the kept positions —
 * mean = Σ m·x / (Σ m + 1e-7), variance = Σ m·(x − mean)² / (Σ m + 1e-7) — and every position
 * is normalized with them; the mask passes on to the next layer.
 */
import { Tensor } from '../../tensor/tensor.js';
import { noGrad, ops } from '../../autograd/index.js';
import { hostWrite } from '../../tensor/step-trace.js';
import { normalizeAxis } from '../../tensor/shape.js';
import { getInitializer, type Initializer, type InitializerName } from '../initializers.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';
import type { Variable } from '../variable.js';
import { registerLayer } from '../serialization.js';
import { base, bool, optNum, str } from './config.js';
import { penaltiesOf, penaltyConfig, weightOptions } from './weight-options.js';
import type { RegularizerIdentifier } from '../regularizers.js';
import type { ConstraintIdentifier } from '../constraints.js';

type InitializerId = InitializerName | string | Initializer;

export interface BatchNormalizationArgs extends LayerArgs {
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerId;
  gammaInitializer?: InitializerId;
  movingMeanInitializer?: InitializerId;
  movingVarianceInitializer?: InitializerId;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
  betaConstraint?: ConstraintIdentifier | null;
  gammaConstraint?: ConstraintIdentifier | null;
}

const INITIALIZER_DEFAULTS = { betaInitializer: 'zeros', gammaInitializer: 'ones', movingMeanInitializer: 'zeros', movingVarianceInitializer: 'ones' } as const;
type InitializerKey = keyof typeof INITIALIZER_DEFAULTS;

/** Keras' backend.epsilon(), added to the masked statistics' denominators as Keras 3 does. */
const MASK_COUNT_EPSILON = 1e-7;

export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  override readonly supportsMasking = true;
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly initializers: Record<InitializerKey, InitializerId>;
  private readonly betaOptions: ReturnType<typeof weightOptions>;
  private readonly gammaOptions: ReturnType<typeof weightOptions>;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;
  /** The normalized axis as a non-negative index, and the shape parameters broadcast to. */
  private featureAxis = -1;
  private paramShape: number[] = [];

  constructor(args: BatchNormalizationArgs = {}) {
    super(args, 'batch_normalization');
    this.axis = args.axis ?? -1;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`BatchNormalization '${this.name}': momentum must be in [0, 1], got ${this.momentum}`);
    if (!(this.epsilon > 0)) throw new Error(`BatchNormalization '${this.name}': epsilon must be > 0, got ${this.epsilon}`);
    this.initializers = { ...INITIALIZER_DEFAULTS };
    for (const k of Object.keys(INITIALIZER_DEFAULTS) as InitializerKey[]) if (args[k] !== undefined) this.initializers[k] = args[k]!;
    this.betaOptions = weightOptions(this.name, 'beta', args.betaRegularizer, args.betaConstraint);
    this.gammaOptions = weightOptions(this.name, 'gamma', args.gammaRegularizer, args.gammaConstraint);
  }

  private init(k: InitializerKey): Initializer {
    return getInitializer(this.initializers[k]);
  }

  override build(inputShape: LayerShape): void {
    const ax = normalizeAxis(this.axis, inputShape.length);
    if (ax === 0) throw new Error(`BatchNormalization '${this.name}': axis ${this.axis} is the batch axis`);
    const d = inputShape[ax];
    if (typeof d !== 'number') throw new Error(`BatchNormalization '${this.name}': the size of axis ${this.axis} must be known, got ${JSON.stringify(inputShape)}`);
    this.featureAxis = ax;
    this.paramShape = inputShape.map((_, i) => (i === ax ? d : 1));
    if (this.scale) this.gamma = this.addWeight({ name: 'gamma', shape: [d], initializer: this.init('gammaInitializer'), ...this.gammaOptions });
    if (this.center) this.beta = this.addWeight({ name: 'beta', shape: [d], initializer: this.init('betaInitializer'), ...this.betaOptions });
    this.movingMean = this.addWeight('moving_mean', [d], this.init('movingMeanInitializer'), false);
    this.movingVariance = this.addWeight('moving_variance', [d], this.init('movingVarianceInitializer'), false);
    this.built = true;
  }

  /** A [d] weight (or constant) reshaped to broadcast over the input. */
  private broadcastable(t: Tensor): Tensor {
    return ops.reshape(t, this.paramShape);
  }

  override call(x: Tensor, { training = false, mask = null }: CallArgs = {}): Tensor {
    if (x.rank !== this.paramShape.length || x.shape[this.featureAxis] !== this.movingMean!.size) {
      throw new Error(`BatchNormalization '${this.name}' was built for rank ${this.paramShape.length} with ${this.movingMean!.size} features on axis ${this.axis}, got shape [${x.shape.join(', ')}]`);
    }
    const keep = Array.isArray(mask) ? mask[0] ?? null : mask;
    if (keep && (keep.rank !== x.rank - 1 || keep.shape.some((d, i) => d !== x.shape[i]))) {
      throw new Error(`BatchNormalization '${this.name}': the mask must have the input's shape without its last axis, got mask [${keep.shape.join(', ')}] for input [${x.shape.join(', ')}]`);
    }
    const useBatchStatistics = training && this.trainable;
    if (keep && useBatchStatistics) return this.affine(this.maskedTraining(x, keep));
    if (this.featureAxis === x.rank - 1) {
      // The variables themselves: gradients reach gamma and beta, and a compiled plan reads their current values.
      if (!useBatchStatistics) return ops.batchNormInference(x, this.gamma, this.beta, this.movingMean!, this.movingVariance!, this.epsilon);
      const r = ops.batchNormTraining(x, this.gamma, this.beta, this.epsilon);
      this.updateMovingStatistics(r.mean, r.variance);
      return r.y;
    }
    let normalized: Tensor;
    if (useBatchStatistics) {
      const axes = x.shape.map((_, i) => i).filter((i) => i !== this.featureAxis);
      const mean = ops.mean(x, axes, true);
      const centered = ops.sub(x, mean);
      const variance = ops.mean(ops.square(centered), axes, true);
      normalized = ops.mul(centered, ops.rsqrt(ops.add(variance, this.epsilon)));
      this.updateMovingStatistics(mean, variance);
    } else {
      const invStd = noGrad(() => ops.rsqrt(ops.add(this.movingVariance!, this.epsilon)));
      normalized = ops.mul(ops.sub(x, this.broadcastable(this.movingMean!)), this.broadcastable(invStd));
    }
    return this.affine(normalized);
  }

  /** γ · normalized + β, for the paths that normalize with separate ops. */
  private affine(normalized: Tensor): Tensor {
    if (this.gamma) normalized = ops.mul(normalized, this.broadcastable(this.gamma));
    if (this.beta) normalized = ops.add(normalized, this.broadcastable(this.beta));
    return normalized;
  }

  /** Training with a mask: statistics over the kept positions only (Keras 3), then (x − μ)/√(σ² + ε) everywhere. */
  private maskedTraining(x: Tensor, mask: Tensor): Tensor {
    const axes = x.shape.map((_, i) => i).filter((i) => i !== this.featureAxis);
    const kept = ops.expandDims(mask, -1); // broadcasts over the last axis, as Keras' expand_dims(mask, -1)
    // where, not a product: a NaN at a masked position stays out of the statistics, as in Keras.
    const count = ops.add(ops.sum(ops.where(kept, new Tensor(new Float32Array(x.size).fill(1), x.shape), 0), axes, true), MASK_COUNT_EPSILON);
    const mean = ops.div(ops.sum(ops.where(kept, x, 0), axes, true), count);
    const centered = ops.sub(x, mean);
    const variance = ops.div(ops.sum(ops.square(ops.where(kept, centered, 0)), axes, true), count);
    this.updateMovingStatistics(mean, variance);
    return ops.mul(centered, ops.rsqrt(ops.add(variance, this.epsilon)));
  }

  /** moving = moving·momentum + batch·(1 − momentum); a host write, so a compiled step's replay does it too. */
  private updateMovingStatistics(mean: Tensor, variance: Tensor): void {
    const m = this.momentum;
    const update = (moving: Variable, batch: Tensor): void => {
      const v = moving.values;
      const b = batch.values;
      hostWrite(v, () => {
        for (let i = 0; i < v.length; i++) v[i] = v[i]! * m + b[i]! * (1 - m);
      });
    };
    update(this.movingMean!, mean);
    update(this.movingVariance!, variance);
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    return s;
  }

  override getConfig(): LayerConfig {
    const config: LayerConfig = {
      name: this.name, trainable: this.trainable, axis: this.axis, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale,
    };
    for (const k of Object.keys(INITIALIZER_DEFAULTS) as InitializerKey[]) {
      const id = this.initializers[k];
      config[k] = typeof id === 'string' ? id : INITIALIZER_DEFAULTS[k];
    }
    return {
      ...config,
      ...penaltyConfig({
        betaRegularizer: this.betaOptions.regularizer, gammaRegularizer: this.gammaOptions.regularizer, activityRegularizer: this.activityRegularizer,
        betaConstraint: this.betaOptions.constraint, gammaConstraint: this.gammaOptions.constraint,
      }),
    };
  }
}

registerLayer('BatchNormalization', (c) => new BatchNormalization({
  ...base(c), axis: optNum(c, 'axis'), momentum: optNum(c, 'momentum'), epsilon: optNum(c, 'epsilon'), center: bool(c, 'center', true), scale: bool(c, 'scale', true),
  betaInitializer: str(c, 'betaInitializer'), gammaInitializer: str(c, 'gammaInitializer'),
  movingMeanInitializer: str(c, 'movingMeanInitializer'), movingVarianceInitializer: str(c, 'movingVarianceInitializer'),
  ...penaltiesOf(c),
}));
