/**
 * Sequence layers over [batch, steps, features]:
 *   keras.layers.Masking(mask_value=0.0): steps whose features all equal maskValue are padding;
 *     they are zeroed and the output carries the mask (1 = keep) for the layers after it.
 *   keras.layers.GlobalAveragePooling1D(keepdims=False): the mean over steps; with a mask, the
 *     mean over the kept steps only (a sample with every step masked gives NaN, as in Keras).
 */
import { Tensor } from '../../tensor/tensor.js';
import { ops } from '../../autograd/index.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';
import { registerLayer } from '../serialization.js';
import { base, bool, optNum } from './config.js';

export interface MaskingArgs extends LayerArgs {
  maskValue?: number;
}

export class Masking extends Layer {
  readonly className = 'Masking';
  readonly maskValue: number;
  override readonly supportsMasking = true;

  constructor(args: MaskingArgs = {}) {
    super(args);
    this.maskValue = args.maskValue ?? 0;
  }

  /** 1 where any feature of the step differs from maskValue, shape [batch, ...steps]. */
  private keep(x: Tensor): Tensor {
    const f = x.shape[x.rank - 1] ?? 1;
    const src = x.data;
    const out = new Float32Array(x.size / f);
    for (let i = 0; i < out.length; i++) {
      for (let j = 0; j < f; j++) {
        if (src[i * f + j] !== this.maskValue) {
          out[i] = 1;
          break;
        }
      }
    }
    return new Tensor(out, x.shape.slice(0, -1));
  }

  override call(x: Tensor, _kwargs: CallArgs = {}): Tensor {
    if (x.rank < 2) throw new Error(`Masking '${this.name}' expects inputs [batch, ..., features], got shape [${x.shape.join(', ')}]`);
    return ops.mul(x, ops.expandDims(this.keep(x), -1));
  }

  override computeMask(inputs: Tensor | Tensor[]): Tensor | null {
    return this.keep(Array.isArray(inputs) ? inputs[0]! : inputs);
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    return [...s];
  }

  override getConfig(): LayerConfig {
    return { name: this.name, trainable: this.trainable, maskValue: this.maskValue };
  }
}

export interface GlobalPooling1DArgs extends LayerArgs {
  keepdims?: boolean;
  dataFormat?: 'channels_last';
}

export class GlobalAveragePooling1D extends Layer {
  readonly className = 'GlobalAveragePooling1D';
  readonly keepdims: boolean;
  override readonly supportsMasking = true;

  constructor(args: GlobalPooling1DArgs = {}) {
    super(args, 'global_average_pooling1d');
    this.keepdims = args.keepdims ?? false;
    if (args.dataFormat !== undefined && args.dataFormat !== 'channels_last') throw new Error(`GlobalAveragePooling1D '${this.name}': only dataFormat 'channels_last' is supported`);
  }

  override call(x: Tensor, kwargs: CallArgs = {}): Tensor {
    if (x.rank !== 3) throw new Error(`GlobalAveragePooling1D '${this.name}' expects inputs [batch, steps, features], got shape [${x.shape.join(', ')}]`);
    const mask = kwargs.mask;
    if (!mask || Array.isArray(mask)) return ops.mean(x, 1, this.keepdims);
    const m = ops.expandDims(mask, 2);
    return ops.div(ops.sum(ops.mul(x, m), 1, this.keepdims), ops.sum(m, 1, this.keepdims));
  }

  /** The steps are pooled away: no mask after this layer. */
  override computeMask(): Tensor | null {
    return null;
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    return this.keepdims ? [s[0] ?? null, 1, s[2] ?? null] : [s[0] ?? null, s[2] ?? null];
  }

  override getConfig(): LayerConfig {
    return { name: this.name, trainable: this.trainable, keepdims: this.keepdims, dataFormat: 'channels_last' };
  }
}

registerLayer('Masking', (c) => new Masking({ ...base(c), maskValue: optNum(c, 'maskValue') }));
registerLayer('GlobalAveragePooling1D', (c) => new GlobalAveragePooling1D({ ...base(c), keepdims: bool(c, 'keepdims', false) }));
