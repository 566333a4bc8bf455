/**
 * Data-augmentation layers (keras.layers.RandomFlip, RandomRotation, RandomZoom,
 * RandomTranslation) on channels-last batches [batch, height, width, channels].
 * They transform each picture with its own random draw while training and pass
 * inputs through unchanged in predict / evaluate, as Keras. With a `seed` a layer
 * draws from its own generator (same seed, same sequence of transforms); without,
 * from the global one (setSeed).
 *
 * Geometric transforms map each output pixel back to an input position (Keras'
 * affine transform about the picture centre) and read it with bilinear or nearest
 * interpolation; positions outside are filled as Keras' fill_mode says:
 * 'reflect' (d c b a | a b c d | d c b a), 'wrap', 'nearest' or 'constant' (fillValue).
 * No gradient flows through them: they sit at the input, where none is needed.
 */
import { Tensor } from '../../tensor/tensor.js';
import { Rng, getRng } from '../../tensor/random.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';
import { registerLayer } from '../serialization.js';
import { base, optNum, str, type JsonValue } from './config.js';

export type FillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';
export type Interpolation = 'bilinear' | 'nearest';
/** A factor f (meaning [−f, f]) or an explicit range [lower, upper]. */
export type FactorRange = number | readonly [number, number];

export interface AugmentationArgs extends LayerArgs {
  seed?: number;
}

abstract class RandomAugmentation extends Layer {
  readonly seed: number | undefined;
  private readonly ownRng: Rng | null;
  constructor(args: AugmentationArgs, defaultName: string) {
    super(args, defaultName);
    this.seed = args.seed;
    this.ownRng = args.seed === undefined ? null : new Rng(args.seed);
  }
  protected get rng(): Rng {
    return this.ownRng ?? getRng();
  }
  protected checkImages(x: Tensor): [number, number, number, number] {
    if (x.rank !== 4) throw new Error(`${this.className} '${this.name}' expects images [batch, height, width, channels], got shape [${x.shape.join(', ')}]`);
    if (x.dtype !== 'float32') throw new Error(`${this.className} '${this.name}' expects float32 images, got ${x.dtype}`);
    return x.shape as [number, number, number, number];
  }
  override call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    const shape = this.checkImages(x);
    return training ? this.augment(x, shape) : x;
  }
  protected abstract augment(x: Tensor, shape: [number, number, number, number]): Tensor;
  override computeOutputShape(s: LayerShape): LayerShape {
    return s;
  }
  protected baseConfig(): LayerConfig {
    const config: LayerConfig = { name: this.name, trainable: this.trainable };
    if (this.seed !== undefined) config['seed'] = this.seed;
    return config;
  }
}

export type FlipMode = 'horizontal' | 'vertical' | 'horizontal_and_vertical';

/** Flips each picture left↔right and/or top↔bottom with probability ½ each. */
export class RandomFlip extends RandomAugmentation {
  readonly className = 'RandomFlip';
  readonly mode: FlipMode;
  constructor(mode: FlipMode = 'horizontal_and_vertical', args: AugmentationArgs = {}) {
    super(args, 'random_flip');
    if (!['horizontal', 'vertical', 'horizontal_and_vertical'].includes(mode)) {
      throw new Error(`RandomFlip '${this.name}': mode must be 'horizontal', 'vertical' or 'horizontal_and_vertical', got '${mode}'`);
    }
    this.mode = mode;
  }
  protected augment(x: Tensor, [n, h, w, c]: [number, number, number, number]): Tensor {
    const src = x.values;
    const out = new Float32Array(src.length);
    const plane = h * w * c;
    for (let i = 0; i < n; i++) {
      const flipH = this.mode !== 'vertical' && this.rng.next() < 0.5;
      const flipV = this.mode !== 'horizontal' && this.rng.next() < 0.5;
      for (let y = 0; y < h; y++) {
        const sy = flipV ? h - 1 - y : y;
        for (let xx = 0; xx < w; xx++) {
          const sx = flipH ? w - 1 - xx : xx;
          const from = i * plane + (sy * w + sx) * c;
          out.set(src.subarray(from, from + c), i * plane + (y * w + xx) * c);
        }
      }
    }
    return new Tensor(out, x.shape);
  }
  override getConfig(): LayerConfig {
    return { ...this.baseConfig(), mode: this.mode };
  }
}

export interface TransformArgs extends AugmentationArgs {
  fillMode?: FillMode;
  interpolation?: Interpolation;
  fillValue?: number;
}

function range(f: FactorRange, what: string): [number, number] {
  const r: [number, number] = typeof f === 'number' ? [-Math.abs(f), Math.abs(f)] : [f[0], f[1]];
  if (!(r[0] <= r[1]) || !r.every(Number.isFinite)) throw new Error(`${what}: expected a number or a range [lower, upper] with lower ≤ upper, got ${JSON.stringify(f)}`);
  return r;
}

/** Maps a coordinate outside [0, len − 1] back inside, as TF's ImageProjectiveTransform. */
function mapCoordinate(v: number, len: number, mode: FillMode): number {
  if (mode === 'reflect') {
    if (len <= 1) return 0;
    const period = 2 * len;
    let c = v;
    if (c < 0) {
      if (c < -period) c += period * Math.trunc(-c / period);
      c = c < -len ? c + period : -c - 1;
    } else if (c > len - 1) {
      c -= period * Math.trunc(c / period);
      if (c >= len) c = period - c - 1;
    }
    return Math.min(Math.max(c, 0), len - 1);
  }
  if (mode === 'wrap') {
    if (len <= 1) return 0;
    let c = v;
    if (c < 0) c += len * (Math.trunc(-c / len) + 1);
    else if (c > len - 1) c -= len * Math.trunc(c / len);
    return Math.min(Math.max(c, 0), len - 1);
  }
  if (mode === 'nearest') return Math.min(Math.max(v, 0), len - 1);
  return v; // constant: out-of-range taps read fillValue
}

/** Affine transforms: input position = A · (output position − centre) + centre + shift. */
abstract class RandomTransform extends RandomAugmentation {
  readonly fillMode: FillMode;
  readonly interpolation: Interpolation;
  readonly fillValue: number;
  constructor(args: TransformArgs, defaultName: string) {
    super(args, defaultName);
    this.fillMode = args.fillMode ?? 'reflect';
    this.interpolation = args.interpolation ?? 'bilinear';
    this.fillValue = args.fillValue ?? 0;
    if (!['reflect', 'wrap', 'constant', 'nearest'].includes(this.fillMode)) throw new Error(`${defaultName} '${this.name}': fillMode must be reflect, wrap, constant or nearest, got '${this.fillMode}'`);
    if (!['bilinear', 'nearest'].includes(this.interpolation)) throw new Error(`${defaultName} '${this.name}': interpolation must be bilinear or nearest, got '${this.interpolation}'`);
  }

  /** For one picture: [a00, a01, a10, a11, shiftY, shiftX] in (y, x) order. */
  protected abstract draw(h: number, w: number): [number, number, number, number, number, number];

  protected augment(x: Tensor, [n, h, w, c]: [number, number, number, number]): Tensor {
    const src = x.values;
    const out = new Float32Array(src.length);
    const plane = h * w * c;
    const cy = (h - 1) / 2, cx = (w - 1) / 2;
    const fill = this.fillValue;
    for (let i = 0; i < n; i++) {
      const [a00, a01, a10, a11, ty, tx] = this.draw(h, w);
      const base0 = i * plane;
      const read = (yy: number, xx: number, ch: number): number =>
        (yy < 0 || yy >= h || xx < 0 || xx >= w ? fill : src[base0 + (yy * w + xx) * c + ch]!);
      for (let y = 0; y < h; y++) {
        for (let xo = 0; xo < w; xo++) {
          const sy = mapCoordinate(a00 * (y - cy) + a01 * (xo - cx) + cy + ty, h, this.fillMode);
          const sx = mapCoordinate(a10 * (y - cy) + a11 * (xo - cx) + cx + tx, w, this.fillMode);
          const o = base0 + (y * w + xo) * c;
          if (this.interpolation === 'nearest') {
            const ry = Math.round(sy), rx = Math.round(sx);
            for (let ch = 0; ch < c; ch++) out[o + ch] = read(ry, rx, ch);
            continue;
          }
          const y0 = Math.floor(sy), x0 = Math.floor(sx);
          const fy = sy - y0, fx = sx - x0;
          for (let ch = 0; ch < c; ch++) {
            const top = read(y0, x0, ch) * (1 - fx) + read(y0, x0 + 1, ch) * fx;
            const bottom = read(y0 + 1, x0, ch) * (1 - fx) + read(y0 + 1, x0 + 1, ch) * fx;
            out[o + ch] = fy === 0 ? top : top * (1 - fy) + bottom * fy;
          }
        }
      }
    }
    return new Tensor(out, x.shape);
  }

  protected transformConfig(): LayerConfig {
    return { ...this.baseConfig(), fillMode: this.fillMode, interpolation: this.interpolation, fillValue: this.fillValue };
  }
}

/** Rotates each picture by a random angle in factor · [−2π, 2π] (factor 0.1: up to ±36°). */
export class RandomRotation extends RandomTransform {
  readonly className = 'RandomRotation';
  readonly factor: [number, number];
  constructor(factor: FactorRange, args: TransformArgs = {}) {
    super(args, 'random_rotation');
    this.factor = range(factor, `RandomRotation '${this.name}': factor`);
  }
  protected draw(): [number, number, number, number, number, number] {
    const angle = this.rng.uniform(this.factor[0], this.factor[1]) * 2 * Math.PI;
    const cos = Math.cos(angle), sin = Math.sin(angle);
    // Keras' matrix: input x = cos·x − sin·y, input y = sin·x + cos·y (written here in (y, x) order).
    return [cos, sin, -sin, cos, 0, 0];
  }
  override getConfig(): LayerConfig {
    return { ...this.transformConfig(), factor: [...this.factor] };
  }
}

/**
 * Zooms each picture: a value v drawn from heightFactor reads a (1 + v) larger area
 * (positive: zoom out, negative: zoom in, as Keras). widthFactor null keeps the aspect ratio.
 */
export class RandomZoom extends RandomTransform {
  readonly className = 'RandomZoom';
  readonly heightFactor: [number, number];
  readonly widthFactor: [number, number] | null;
  constructor(heightFactor: FactorRange, widthFactor: FactorRange | null = null, args: TransformArgs = {}) {
    super(args, 'random_zoom');
    this.heightFactor = range(heightFactor, `RandomZoom '${this.name}': heightFactor`);
    this.widthFactor = widthFactor === null ? null : range(widthFactor, `RandomZoom '${this.name}': widthFactor`);
    for (const f of [this.heightFactor, this.widthFactor]) if (f && f[0] <= -1) throw new Error(`RandomZoom '${this.name}': zoom factors must be > −1, got ${JSON.stringify(f)}`);
  }
  protected draw(): [number, number, number, number, number, number] {
    const zy = 1 + this.rng.uniform(this.heightFactor[0], this.heightFactor[1]);
    const zx = this.widthFactor ? 1 + this.rng.uniform(this.widthFactor[0], this.widthFactor[1]) : zy;
    return [zy, 0, 0, zx, 0, 0];
  }
  override getConfig(): LayerConfig {
    return { ...this.transformConfig(), heightFactor: [...this.heightFactor], widthFactor: this.widthFactor ? [...this.widthFactor] : null };
  }
}

/** Shifts each picture by a random fraction of its height and width (positive: down / right). */
export class RandomTranslation extends RandomTransform {
  readonly className = 'RandomTranslation';
  readonly heightFactor: [number, number];
  readonly widthFactor: [number, number];
  constructor(heightFactor: FactorRange, widthFactor: FactorRange, args: TransformArgs = {}) {
    super(args, 'random_translation');
    this.heightFactor = range(heightFactor, `RandomTranslation '${this.name}': heightFactor`);
    this.widthFactor = range(widthFactor, `RandomTranslation '${this.name}': widthFactor`);
  }
  protected draw(h: number, w: number): [number, number, number, number, number, number] {
    const dy = this.rng.uniform(this.heightFactor[0], this.heightFactor[1]) * h;
    const dx = this.rng.uniform(this.widthFactor[0], this.widthFactor[1]) * w;
    return [1, 0, 0, 1, -dy, -dx];
  }
  override getConfig(): LayerConfig {
    return { ...this.transformConfig(), heightFactor: [...this.heightFactor], widthFactor: [...this.widthFactor] };
  }
}

function factorOf(c: LayerConfig, k: string): FactorRange {
  const v: JsonValue | undefined = c[k];
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') return [v[0], v[1]];
  throw new Error(`layer config: '${k}' must be a number or a pair of numbers`);
}
const transformArgs = (c: LayerConfig): TransformArgs => ({
  ...base(c), seed: optNum(c, 'seed'), fillMode: str(c, 'fillMode') as FillMode | undefined,
  interpolation: str(c, 'interpolation') as Interpolation | undefined, fillValue: optNum(c, 'fillValue'),
});

registerLayer('RandomFlip', (c) => new RandomFlip((str(c, 'mode') ?? 'horizontal_and_vertical') as FlipMode, { ...base(c), seed: optNum(c, 'seed') }));
registerLayer('RandomRotation', (c) => new RandomRotation(factorOf(c, 'factor'), transformArgs(c)));
registerLayer('RandomZoom', (c) => new RandomZoom(factorOf(c, 'heightFactor'), c['widthFactor'] === null || c['widthFactor'] === undefined ? null : factorOf(c, 'widthFactor'), transformArgs(c)));
registerLayer('RandomTranslation', (c) => new RandomTranslation(factorOf(c, 'heightFactor'), factorOf(c, 'widthFactor'), transformArgs(c)));
