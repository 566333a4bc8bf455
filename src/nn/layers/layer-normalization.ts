/**
 * keras.layers.LayerNormalization(axis=-1, epsilon=1e-3, center=True, scale=True,
 * beta_initializer='zeros', gamma_initializer='ones'): each sample normalised over `axis`
 * (not over the batch, unlike BatchNormalization), y = γ·(x − mean)/√(var + ε) + β, with the
 * biased variance, γ and β shaped like the normalised axes (Keras' weights: gamma, then beta).
 * Built from differentiable ops, so its gradient is autograd's.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ops } from '../../autograd/index.js';
import { getInitializer, type Initializer, type InitializerName } from '../initializers.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';
import { registerLayer } from '../serialization.js';
import type { Variable } from '../variable.js';
import type { RegularizerIdentifier } from '../regularizers.js';
import type { ConstraintIdentifier } from '../constraints.js';
import { base, bool, optNum, str } from './config.js';
import { penaltiesOf, penaltyConfig, weightOptions } from './weight-options.js';

type InitializerId = InitializerName | string | Initializer;

export interface LayerNormalizationArgs extends LayerArgs {
  /** The axis or axes to normalise over (default -1, the features). */
  axis?: number | number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerId;
  gammaInitializer?: InitializerId;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
  betaConstraint?: ConstraintIdentifier | null;
  gammaConstraint?: ConstraintIdentifier | null;
}

export class LayerNormalization extends Layer {
  readonly className = 'LayerNormalization';
  readonly axis: number | number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  override readonly supportsMasking = true;
  private readonly inits: { beta: Initializer; gamma: Initializer; names: [string, string] };
  private readonly betaOptions: ReturnType<typeof weightOptions>;
  private readonly gammaOptions: ReturnType<typeof weightOptions>;
  /** The normalised axes (non-negative) and the shape γ and β broadcast with, once built. */
  private axes: number[] = [];
  private broadcastShape: number[] = [];
  gamma: Variable | null = null;
  beta: Variable | null = null;

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    const list = typeof axis === 'number' ? [axis] : axis;
    if (list.length === 0 || !list.every(Number.isInteger)) throw new Error(`LayerNormalization '${this.name}': axis must be an integer or a list of integers, got ${JSON.stringify(axis)}`);
    this.axis = typeof axis === 'number' ? axis : [...axis];
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.epsilon >= 0)) throw new Error(`LayerNormalization '${this.name}': epsilon must be ≥ 0, got ${this.epsilon}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    const nameOf = (i: InitializerId | undefined, d: string): string => (typeof i === 'string' ? i : d);
    this.inits = {
      beta: getInitializer(args.betaInitializer ?? 'zeros'), gamma: getInitializer(args.gammaInitializer ?? 'ones'),
      names: [nameOf(args.betaInitializer, 'zeros'), nameOf(args.gammaInitializer, 'ones')],
    };
    this.betaOptions = weightOptions(this.name, 'beta', args.betaRegularizer, args.betaConstraint);
    this.gammaOptions = weightOptions(this.name, 'gamma', args.gammaRegularizer, args.gammaConstraint);
  }

  override build(inputShape: LayerShape): void {
    const rank = inputShape.length;
    this.axes = [...new Set((typeof this.axis === 'number' ? [this.axis] : this.axis).map((a) => {
      const ax = a < 0 ? a + rank : a;
      if (!(ax >= 1 && ax < rank)) throw new Error(`LayerNormalization '${this.name}': axis ${a} is out of range for inputs of shape ${JSON.stringify(inputShape)} (axis 0 is the batch)`);
      return ax;
    }))].sort((a, b) => a - b);
    const paramShape = this.axes.map((ax) => {
      const d = inputShape[ax];
      if (typeof d !== 'number') throw new Error(`LayerNormalization '${this.name}': the size of axis ${ax} must be known, got ${JSON.stringify(inputShape)}`);
      return d;
    });
    this.broadcastShape = inputShape.map((d, i) => (this.axes.includes(i) ? (d as number) : 1));
    if (this.scale) this.gamma = this.addWeight({ name: 'gamma', shape: paramShape, initializer: this.inits.gamma, ...this.gammaOptions });
    if (this.center) this.beta = this.addWeight({ name: 'beta', shape: paramShape, initializer: this.inits.beta, ...this.betaOptions });
  }

  override call(x: Tensor, _kwargs: CallArgs = {}): Tensor {
    if (x.rank !== this.broadcastShape.length || this.axes.some((ax) => x.shape[ax] !== this.broadcastShape[ax])) {
      throw new Error(`LayerNormalization '${this.name}' was built for inputs [batch, ${this.broadcastShape.slice(1).map((d, i) => (this.axes.includes(i + 1) ? d : '…')).join(', ')}], got shape [${x.shape.join(', ')}]`);
    }
    const mean = ops.mean(x, this.axes, true);
    const centered = ops.sub(x, mean);
    const variance = ops.mean(ops.square(centered), this.axes, true);
    let y = ops.mul(centered, ops.rsqrt(ops.add(variance, this.epsilon)));
    if (this.gamma) y = ops.mul(y, ops.reshape(this.gamma, this.broadcastShape));
    if (this.beta) y = ops.add(y, ops.reshape(this.beta, this.broadcastShape));
    return y;
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    return [...s];
  }

  override getConfig(): LayerConfig {
    return {
      name: this.name, trainable: this.trainable, axis: this.axis, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: this.inits.names[0], gammaInitializer: this.inits.names[1],
      ...penaltyConfig({
        betaRegularizer: this.betaOptions.regularizer, gammaRegularizer: this.gammaOptions.regularizer, activityRegularizer: this.activityRegularizer,
        betaConstraint: this.betaOptions.constraint, gammaConstraint: this.gammaOptions.constraint,
      }),
    };
  }
}

registerLayer('LayerNormalization', (c) => {
  const axis = c['axis'];
  return new LayerNormalization({
    ...base(c), axis: typeof axis === 'number' || Array.isArray(axis) ? (axis as number | number[]) : undefined, epsilon: optNum(c, 'epsilon'),
    center: bool(c, 'center', true), scale: bool(c, 'scale', true), betaInitializer: str(c, 'betaInitializer'), gammaInitializer: str(c, 'gammaInitializer'),
    ...penaltiesOf(c),
  });
});
