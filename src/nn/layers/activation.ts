/** keras.layers.Activation and keras.layers.Dropout. */
import type { Tensor } from '../../tensor/tensor.js';
import { Tensor as T } from '../../tensor/tensor.js';
import { ops } from '../../autograd/index.js';
import { Rng, getRng } from '../../tensor/random.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { hostWrite } from '../../tensor/step-trace.js';
import { getActivation, type Activation as Act, type ActivationName } from '../activations.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';

export class Activation extends Layer {
  readonly className = 'Activation';
  override readonly supportsMasking = true;
  readonly activation: Act;
  constructor(activation: ActivationName | string, args: LayerArgs = {}) {
    super(args);
    this.activation = getActivation(activation);
  }
  call(x: Tensor): Tensor {
    return this.activation.apply(x);
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    return s;
  }
  override getConfig(): LayerConfig {
    return { name: this.name, activation: this.activation.name };
  }
}

export interface DropoutArgs extends LayerArgs {
  /**
   * Keras' noise_shape: the shape of the mask, broadcast over the input (1 on an axis shares one
   * draw along it: [batch, 1, features] drops the same features at every timestep). null
   * entries take the input's size. Default: the input's shape.
   */
  noiseShape?: readonly (number | null)[];
  /** Draw the masks from this layer's own generator (same seed, same masks); default: the global one (setSeed). */
  seed?: number;
}

/**
 * Dropout of x while training: a fresh key for each call, drawn from `rng()` when the step runs
 * (a compiled step redraws it before each replay, in the same order as eager steps), and the
 * fused kernel (autograd/ops/dropout.ts) or, with a smaller noise shape, its mask of that shape
 * broadcast over x.
 */
export function applyDropout(x: Tensor, rate: number, noiseShape: Shape | null, rng: () => Rng): Tensor {
  const key = new Int32Array(2);
  hostWrite(key, () => {
    const r = rng();
    key[0] = r.nextUint32() | 0;
    key[1] = r.nextUint32() | 0;
  }, { independent: true });
  if (noiseShape === null || sameShape(noiseShape, x.shape)) return ops.dropout(x, rate, key);
  const ones = new T(new Float32Array(sizeOf(noiseShape)).fill(1), noiseShape);
  return ops.mul(x, ops.dropout(ones, rate, key));
}

/** The mask shape of a noise_shape against x's shape (null entries: x's sizes), checked to broadcast. */
export function resolveNoiseShape(noiseShape: readonly (number | null)[], shape: Shape, who: string): Shape {
  if (noiseShape.length !== shape.length) {
    throw new Error(`${who}: noiseShape [${noiseShape.join(', ')}] has ${noiseShape.length} axes, the input [${shape.join(', ')}] has ${shape.length}`);
  }
  return noiseShape.map((d, i) => {
    const s = d ?? shape[i]!;
    if (s !== 1 && s !== shape[i]) throw new Error(`${who}: noiseShape [${noiseShape.join(', ')}] does not broadcast to the input shape [${shape.join(', ')}] (axis ${i})`);
    return s;
  });
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Inverted dropout (as Keras): while training, zeroes a fraction `rate` of the inputs and
 * scales the rest by 1/(1 − rate); identity in predict and evaluate. The mask comes from the
 * counter-based Philox generator (src/tensor/philox.ts) keyed by two draws of the global
 * generator per call, not from Keras' own random stream: same semantics, other numbers.
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  override readonly supportsMasking = true;
  readonly rate: number;
  readonly noiseShape: readonly (number | null)[] | null;
  readonly seed: number | undefined;
  private readonly ownRng: Rng | null;
  constructor(rate: number, args: DropoutArgs = {}) {
    super(args);
    if (!(rate >= 0 && rate < 1)) throw new Error(`Dropout: rate must be in [0, 1), got ${rate}`);
    const ns = args.noiseShape;
    if (ns !== undefined && ns !== null && !(Array.isArray(ns) && ns.every((d) => d === null || (Number.isInteger(d) && d >= 0)))) {
      throw new Error(`Dropout: noiseShape must be a list of sizes (or null entries), got ${JSON.stringify(ns)}`);
    }
    if (args.seed !== undefined && !Number.isFinite(args.seed)) throw new Error(`Dropout: seed must be a finite number, got ${args.seed}`);
    this.rate = rate;
    this.noiseShape = ns ? [...ns] : null;
    this.seed = args.seed;
    this.ownRng = args.seed === undefined ? null : new Rng(args.seed);
  }
  call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    if (!training || this.rate === 0) return x;
    const mask = this.noiseShape && resolveNoiseShape(this.noiseShape, x.shape, `Dropout '${this.name}'`);
    return applyDropout(x, this.rate, mask, () => this.ownRng ?? getRng());
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    return s;
  }
  override getConfig(): LayerConfig {
    const config: LayerConfig = { name: this.name, rate: this.rate };
    if (this.noiseShape) config['noiseShape'] = [...this.noiseShape];
    if (this.seed !== undefined) config['seed'] = this.seed;
    return config;
  }
}
