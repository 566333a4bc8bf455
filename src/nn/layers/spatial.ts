/**
 * Layers that reshape or regularize feature maps [batch, height, width, channels]:
 * keras.layers.UpSampling2D (size=2, nearest or bilinear), ZeroPadding2D (padding=1) and
 * SpatialDropout2D (drops whole channels while training). All are written with
 * differentiable ops, so gradients need no rules of their own.
 */
import { Tensor } from '../../tensor/tensor.js';
import { ops } from '../../autograd/index.js';
import { pair, type Size2 } from '../../autograd/ops/conv.js';
import { Rng, getRng } from '../../tensor/random.js';
import { applyDropout } from './activation.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';
import { registerLayer } from '../serialization.js';
import { base, num, optNum, pairOf } from './config.js';

function checkRank4(layer: Layer, s: LayerShape | readonly number[]): void {
  if (s.length !== 4) throw new Error(`${layer.className} '${layer.name}' expects inputs [batch, height, width, channels], got shape ${JSON.stringify(s)}`);
}

const times = (d: number | null | undefined, k: number): number | null => (typeof d === 'number' ? d * k : null);

export interface UpSampling2DArgs extends LayerArgs {
  /** 'nearest' (default) repeats pixels; 'bilinear' interpolates as tf.image.resize (half-pixel centres), as Keras does. */
  interpolation?: 'nearest' | 'bilinear';
}

/**
 * The [outSize, inSize] matrix of 1-D bilinear resizing with TF2's half-pixel centres
 * (source coordinate (i + ½)·in/out − ½, clamped at the borders): row i holds the weights
 * of the two input samples output i mixes.
 */
function bilinearMatrix(outSize: number, inSize: number): Tensor {
  const m = new Float32Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const v = ((i + 0.5) * inSize) / outSize - 0.5;
    const f = Math.floor(v);
    const t = v - f;
    m[i * inSize + Math.max(f, 0)] += 1 - t;
    m[i * inSize + Math.min(f + 1, inSize - 1)] += t;
  }
  return new Tensor(m, [outSize, inSize]);
}

/**
 * Repeats each row `size[0]` times and each column `size[1]` times ('nearest'), or resizes
 * bilinearly to size·(height, width) ('bilinear').
 */
export class UpSampling2D extends Layer {
  readonly className = 'UpSampling2D';
  readonly size: [number, number];
  readonly interpolation: 'nearest' | 'bilinear';
  constructor(size: Size2 = 2, args: UpSampling2DArgs = {}) {
    super(args, 'up_sampling2d');
    this.size = pair(size, `up_sampling2d '${this.name}': size`);
    this.interpolation = args.interpolation ?? 'nearest';
    if (this.interpolation !== 'nearest' && this.interpolation !== 'bilinear') {
      throw new Error(`up_sampling2d '${this.name}': interpolation must be 'nearest' or 'bilinear', got '${String(args.interpolation)}'`);
    }
  }
  override call(x: Tensor, _kwargs: CallArgs = {}): Tensor {
    checkRank4(this, x.shape);
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const [sh, sw] = this.size;
    if (this.interpolation === 'bilinear') {
      // Separable: resize the height axis, then the width axis, each one matmul with its
      // interpolation matrix (so the gradient is the transposed matrices, from matmul's rule).
      const oh = h * sh, ow = w * sw;
      const cols = ops.reshape(ops.transpose(x, [0, 2, 3, 1]), [n * w * c, h]);              // [n·w·c, h]
      const tall = ops.reshape(ops.matmul(cols, bilinearMatrix(oh, h), false, true), [n, w, c, oh]);
      const rows = ops.reshape(ops.transpose(tall, [0, 3, 2, 1]), [n * oh * c, w]);          // [n·oh·c, w]
      const wide = ops.reshape(ops.matmul(rows, bilinearMatrix(ow, w), false, true), [n, oh, c, ow]);
      return ops.transpose(wide, [0, 1, 3, 2]);
    }
    // [n, h, 1, w, 1, c] broadcast against ones [sh, 1, sw, 1]: the gradient sums each block back.
    const spread = ops.mul(ops.reshape(x, [n, h, 1, w, 1, c]), new Tensor(new Float32Array(sh * sw).fill(1), [sh, 1, sw, 1]));
    return ops.reshape(spread, [n, h * sh, w * sw, c]);
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    checkRank4(this, s);
    return [s[0] ?? null, times(s[1], this.size[0]), times(s[2], this.size[1]), s[3] ?? null];
  }
  override getConfig(): LayerConfig {
    return { name: this.name, trainable: this.trainable, size: [...this.size], interpolation: this.interpolation, dataFormat: 'channels_last' };
  }
}

/** ((top, bottom), (left, right)) rows/columns of zeros. */
export type Padding2D = number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];

function paddingOf(p: Padding2D, what: string): [[number, number], [number, number]] {
  let out: [[number, number], [number, number]];
  if (typeof p === 'number') out = [[p, p], [p, p]];
  else if (typeof p[0] === 'number') out = [[p[0], p[0]], [p[1] as number, p[1] as number]];
  else out = [[...p[0]], [...(p[1] as readonly [number, number])]];
  if (!out.flat().every((v) => Number.isInteger(v) && v >= 0)) throw new Error(`${what}: padding must be non-negative integers, got ${JSON.stringify(p)}`);
  return out;
}

/** Adds rows and columns of zeros around each feature map. */
export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  readonly padding: [[number, number], [number, number]];
  constructor(padding: Padding2D = 1, args: LayerArgs = {}) {
    super(args, 'zero_padding2d');
    this.padding = paddingOf(padding, `zero_padding2d '${this.name}'`);
  }
  override call(x: Tensor, _kwargs: CallArgs = {}): Tensor {
    checkRank4(this, x.shape);
    const [[top, bottom], [left, right]] = this.padding;
    const padAxis = (t: Tensor, axis: number, before: number, after: number): Tensor => {
      if (before === 0 && after === 0) return t;
      const zeros = (k: number): Tensor => new Tensor(new Float32Array((t.size / t.shape[axis]!) * k), t.shape.map((d, i) => (i === axis ? k : d)));
      return ops.concat([...(before > 0 ? [zeros(before)] : []), t, ...(after > 0 ? [zeros(after)] : [])], axis);
    };
    return padAxis(padAxis(x, 1, top, bottom), 2, left, right);
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    checkRank4(this, s);
    const [[top, bottom], [left, right]] = this.padding;
    const plus = (d: number | null | undefined, k: number): number | null => (typeof d === 'number' ? d + k : null);
    return [s[0] ?? null, plus(s[1], top + bottom), plus(s[2], left + right), s[3] ?? null];
  }
  override getConfig(): LayerConfig {
    return { name: this.name, trainable: this.trainable, padding: this.padding.map((p) => [...p]), dataFormat: 'channels_last' };
  }
}

export interface SpatialDropout2DArgs extends LayerArgs {
  seed?: number;
}

/**
 * Dropout of whole feature maps (Keras SpatialDropout2D): while training, each
 * (sample, channel) map is zeroed with probability `rate` and the rest scaled by
 * 1/(1 − rate); identity in inference. Neighbouring pixels are correlated, so
 * dropping single pixels would barely regularize a convnet.
 */
export class SpatialDropout2D extends Layer {
  readonly className = 'SpatialDropout2D';
  readonly rate: number;
  readonly seed: number | undefined;
  /** Its own generator when seeded, else the global one (setSeed). */
  private readonly rng: Rng | null;
  constructor(rate: number, args: SpatialDropout2DArgs = {}) {
    super(args, 'spatial_dropout2d');
    if (!(rate >= 0 && rate < 1)) throw new Error(`SpatialDropout2D: rate must be in [0, 1), got ${rate}`);
    this.rate = rate;
    this.seed = args.seed;
    this.rng = args.seed === undefined ? null : new Rng(args.seed);
  }
  override call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    checkRank4(this, x.shape);
    if (!training || this.rate === 0) return x;
    const [n, , , c] = x.shape as [number, number, number, number];
    // Keras' noise_shape (batch, 1, 1, channels): one Philox draw per map, as Dropout (activation.ts).
    return applyDropout(x, this.rate, [n, 1, 1, c], () => this.rng ?? getRng());
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    return s;
  }
  override getConfig(): LayerConfig {
    const config: LayerConfig = { name: this.name, trainable: this.trainable, rate: this.rate };
    if (this.seed !== undefined) config['seed'] = this.seed;
    return config;
  }
}

registerLayer('UpSampling2D', (c) => {
  const interpolation = c['interpolation'];
  // Anything else than the two known names reaches the constructor, which names it in its error.
  return new UpSampling2D(pairOf(c, 'size') ?? 2, { ...base(c), interpolation: typeof interpolation === 'string' ? (interpolation as 'nearest') : undefined });
});
registerLayer('ZeroPadding2D', (c) => {
  const p = c['padding'];
  const padding: Padding2D = typeof p === 'number' ? p
    : Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every((v) => typeof v === 'number'))
      ? (p as unknown as [[number, number], [number, number]])
      : (pairOf(c, 'padding') ?? 1);
  return new ZeroPadding2D(padding, base(c));
});
registerLayer('SpatialDropout2D', (c) => new SpatialDropout2D(num(c, 'rate'), { ...base(c), seed: optNum(c, 'seed') }));
