/**
 * keras.layers.MaxPooling2D, AveragePooling2D (pool_size=2, strides=pool_size,
 * padding='valid'), GlobalAveragePooling2D and GlobalMaxPooling2D (keepdims=False),
 * over channels-last batches [batch, height, width, channels].
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ops } from '../../autograd/index.js';
import { convOutputSize, type Padding } from '../../backend/conv-geometry.js';
import { pair, type Size2 } from '../../autograd/ops/conv.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';
import { registerLayer } from '../serialization.js';
import { base, bool, pairOf, str } from './config.js';

export interface Pooling2DArgs extends LayerArgs {
  /** Defaults to poolSize, as Keras. */
  strides?: Size2 | null;
  padding?: Padding;
  dataFormat?: 'channels_last';
}

function checkRank4(layer: Layer, s: LayerShape | readonly number[]): void {
  if (s.length !== 4) throw new Error(`${layer.className} '${layer.name}' expects inputs [batch, height, width, channels], got shape ${JSON.stringify(s)}`);
}

abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  protected abstract readonly op: 'max' | 'avg';

  constructor(poolSize: Size2, args: Pooling2DArgs, defaultName: string) {
    super(args, defaultName);
    this.poolSize = pair(poolSize, `${defaultName} '${this.name}': poolSize`);
    this.strides = pair(args.strides ?? this.poolSize, `${defaultName} '${this.name}': strides`);
    const padding = args.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') throw new Error(`${defaultName} '${this.name}': padding must be 'valid' or 'same', got '${String(padding)}'`);
    this.padding = padding;
    if (args.dataFormat !== undefined && args.dataFormat !== 'channels_last') throw new Error(`${defaultName} '${this.name}': only dataFormat 'channels_last' is supported`);
  }

  override call(x: Tensor, _kwargs: CallArgs = {}): Tensor {
    checkRank4(this, x.shape);
    const o = { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
    return this.op === 'max' ? ops.maxPool2d(x, o) : ops.avgPool2d(x, o);
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    checkRank4(this, s);
    const size = (d: number | null | undefined, axis: 0 | 1): number | null =>
      typeof d === 'number' ? convOutputSize(d, this.poolSize[axis], this.strides[axis], 1, this.padding).out : null;
    return [s[0] ?? null, size(s[1], 0), size(s[2], 1), s[3] ?? null];
  }

  override getConfig(): LayerConfig {
    return { name: this.name, trainable: this.trainable, poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding, dataFormat: 'channels_last' };
  }
}

export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';
  protected readonly op = 'max';
  constructor(poolSize: Size2 = 2, args: Pooling2DArgs = {}) {
    super(poolSize, args, 'max_pooling2d');
  }
}

export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';
  protected readonly op = 'avg';
  constructor(poolSize: Size2 = 2, args: Pooling2DArgs = {}) {
    super(poolSize, args, 'average_pooling2d');
  }
}

export interface GlobalPooling2DArgs extends LayerArgs {
  /** Keep the spatial axes as size 1 ([batch, 1, 1, channels]). */
  keepdims?: boolean;
  dataFormat?: 'channels_last';
}

abstract class GlobalPooling2D extends Layer {
  readonly keepdims: boolean;
  constructor(args: GlobalPooling2DArgs, defaultName: string) {
    super(args, defaultName);
    this.keepdims = args.keepdims ?? false;
    if (args.dataFormat !== undefined && args.dataFormat !== 'channels_last') throw new Error(`${defaultName} '${this.name}': only dataFormat 'channels_last' is supported`);
  }
  protected abstract reduce(x: Tensor): Tensor;
  override call(x: Tensor, _kwargs: CallArgs = {}): Tensor {
    checkRank4(this, x.shape);
    return this.reduce(x);
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    checkRank4(this, s);
    return this.keepdims ? [s[0] ?? null, 1, 1, s[3] ?? null] : [s[0] ?? null, s[3] ?? null];
  }
  override getConfig(): LayerConfig {
    return { name: this.name, trainable: this.trainable, keepdims: this.keepdims, dataFormat: 'channels_last' };
  }
}

export class GlobalAveragePooling2D extends GlobalPooling2D {
  readonly className = 'GlobalAveragePooling2D';
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'global_average_pooling2d');
  }
  protected reduce(x: Tensor): Tensor {
    return ops.mean(x, [1, 2], this.keepdims);
  }
}

export class GlobalMaxPooling2D extends GlobalPooling2D {
  readonly className = 'GlobalMaxPooling2D';
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'global_max_pooling2d');
  }
  protected reduce(x: Tensor): Tensor {
    return ops.max(x, [1, 2], this.keepdims);
  }
}

const poolArgs = (c: LayerConfig): Pooling2DArgs => ({ ...base(c), strides: pairOf(c, 'strides'), padding: str(c, 'padding') as Padding | undefined });
registerLayer('MaxPooling2D', (c) => new MaxPooling2D(pairOf(c, 'poolSize') ?? 2, poolArgs(c)));
registerLayer('AveragePooling2D', (c) => new AveragePooling2D(pairOf(c, 'poolSize') ?? 2, poolArgs(c)));
registerLayer('GlobalAveragePooling2D', (c) => new GlobalAveragePooling2D({ ...base(c), keepdims: bool(c, 'keepdims', false) }));
registerLayer('GlobalMaxPooling2D', (c) => new GlobalMaxPooling2D({ ...base(c), keepdims: bool(c, 'keepdims', false) }));
