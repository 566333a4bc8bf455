/**
 * keras.layers.Conv2D, Conv2DTranspose, DepthwiseConv2D and SeparableConv2D over
 * channels-last batches [batch, height, width, channels]. Height and width may be
 * unknown (null) when the model is built: a fully convolutional model runs on any
 * picture size. Names, defaults and weight layouts are Keras':
 *   Conv2D           kernel [kH, kW, inC, filters]        bias [filters]
 *   Conv2DTranspose  kernel [kH, kW, filters, inC]        bias [filters]
 *   DepthwiseConv2D  kernel [kH, kW, inC, depthMultiplier] bias [inC·depthMultiplier]
 *   SeparableConv2D  depthwise as above, pointwise [1, 1, inC·depthMultiplier, filters], bias [filters]
 * channels_first is not supported (Keras' default data_format is channels_last).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ops } from '../../autograd/index.js';
import { convOutputSize, type Padding } from '../../backend/conv-geometry.js';
import { pair, POOL_FUSABLE_ACTIVATIONS, transposedOutputSize, type Size2 } from '../../autograd/ops/conv.js';
import { getActivation, type Activation, type ActivationName } from '../activations.js';
import { getInitializer, type Initializer, type InitializerName } from '../initializers.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';
import type { Variable } from '../variable.js';
import { registerLayer } from '../serialization.js';
import { base, bool, num, optNum, pairOf, str } from './config.js';
import { penaltiesOf, penaltyConfig, weightOptions, type KernelBiasOptions } from './weight-options.js';
import type { RegularizerIdentifier } from '../regularizers.js';
import type { ConstraintIdentifier } from '../constraints.js';

type InitializerId = InitializerName | string | Initializer;

export interface ConvArgs extends LayerArgs, KernelBiasOptions {
  strides?: Size2;
  padding?: Padding;
  /** Only 'channels_last' (Keras' default). */
  dataFormat?: 'channels_last';
  dilationRate?: Size2;
  activation?: ActivationName | string | null;
  useBias?: boolean;
  kernelInitializer?: InitializerId;
  biasInitializer?: InitializerId;
}

const nameOf = (i: InitializerId | undefined, fallback: string): string => (typeof i === 'string' ? i : fallback);

/** What the four conv layers share: geometry arguments, activation, bias and the epilogue. */
abstract class ConvBase extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly activation: Activation;
  readonly useBias: boolean;
  protected readonly biasInit: Initializer;
  protected readonly biasInitName: string;
  protected readonly biasOptions: ReturnType<typeof weightOptions>;
  bias: Variable | null = null;
  /** Input channels, known once built. */
  protected inChannels = 0;

  constructor(kernelSize: Size2, args: ConvArgs, defaultName: string) {
    super(args, defaultName);
    const what = `${defaultName} '${this.name}'`;
    this.kernelSize = pair(kernelSize, `${what}: kernelSize`);
    this.strides = pair(args.strides ?? 1, `${what}: strides`);
    this.dilationRate = pair(args.dilationRate ?? 1, `${what}: dilationRate`);
    const padding = args.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') throw new Error(`${what}: padding must be 'valid' or 'same', got '${String(padding)}'`);
    this.padding = padding;
    if (args.dataFormat !== undefined && args.dataFormat !== 'channels_last') {
      throw new Error(`${what}: only dataFormat 'channels_last' is supported (inputs [batch, height, width, channels]), got '${String(args.dataFormat)}'`);
    }
    if ((this.strides[0] > 1 || this.strides[1] > 1) && (this.dilationRate[0] > 1 || this.dilationRate[1] > 1)) {
      throw new Error(`${what}: strides > 1 cannot be combined with dilationRate > 1 (as in Keras)`);
    }
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.biasInit = getInitializer(args.biasInitializer ?? 'zeros');
    this.biasInitName = nameOf(args.biasInitializer, 'zeros');
    this.biasOptions = weightOptions(this.name, 'bias', args.biasRegularizer, args.biasConstraint);
  }

  protected addBias(size: number): void {
    if (this.useBias) this.bias = this.addWeight({ name: 'bias', shape: [size], initializer: this.biasInit, ...this.biasOptions });
  }

  /** Reads the channel count (must be known) and checks the rank. */
  protected channelsOf(inputShape: LayerShape): number {
    if (inputShape.length !== 4) {
      throw new Error(`${this.className} '${this.name}' expects inputs [batch, height, width, channels], got shape ${JSON.stringify(inputShape)}; add the channel axis (e.g. Reshape([28, 28, 1]))`);
    }
    const c = inputShape[3];
    if (typeof c !== 'number') throw new Error(`${this.className} '${this.name}': the number of input channels must be known, got ${JSON.stringify(inputShape)}`);
    return c;
  }

  protected checkInput(x: Tensor): void {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(`${this.className} '${this.name}' expects a batch [batch, height, width, ${this.inChannels}], got shape [${x.shape.join(', ')}]`);
    }
  }

  protected get options(): ops.Conv2DOptions {
    return { strides: this.strides, padding: this.padding, dilationRate: this.dilationRate };
  }

  /** Bias and activation in one fused pass where the activation allows it. */
  protected epilogue(z: Tensor): Tensor {
    const fused = this.activation.fused;
    if (fused) return ops.biasActivation(z, this.bias, fused.op, fused.alpha);
    return this.activation.apply(this.bias ? ops.biasActivation(z, this.bias) : z);
  }

  /** Output height/width of a (non-transposed) convolution; null stays null. */
  protected convSpatial(inputShape: LayerShape): [number | null, number | null] {
    const size = (d: number | null | undefined, axis: 0 | 1): number | null =>
      typeof d === 'number' ? convOutputSize(d, this.kernelSize[axis], this.strides[axis], this.dilationRate[axis], this.padding).out : null;
    return [size(inputShape[1], 0), size(inputShape[2], 1)];
  }

  protected baseConfig(): LayerConfig {
    return {
      name: this.name, trainable: this.trainable, kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding,
      dataFormat: 'channels_last', dilationRate: [...this.dilationRate], activation: this.activation.name, useBias: this.useBias,
      biasInitializer: this.biasInitName,
      ...penaltyConfig({ biasRegularizer: this.biasOptions.regularizer, activityRegularizer: this.activityRegularizer, biasConstraint: this.biasOptions.constraint }),
    };
  }
}

export type Conv2DArgs = ConvArgs;

function checkFilters(filters: number, what: string): number {
  if (!Number.isInteger(filters) || filters < 1) throw new Error(`${what}: filters must be a positive integer, got ${filters}`);
  return filters;
}

/** keras.layers.Conv2D(filters, kernel_size, strides=1, padding='valid', dilation_rate=1, activation=None, use_bias=True). */
export class Conv2D extends ConvBase {
  readonly className: string = 'Conv2D';
  readonly filters: number;
  protected readonly kernelInit: Initializer;
  protected readonly kernelInitName: string;
  protected readonly kernelOptions: ReturnType<typeof weightOptions>;
  kernel: Variable | null = null;

  constructor(filters: number, kernelSize: Size2, args: Conv2DArgs = {}, defaultName = 'conv2d') {
    super(kernelSize, args, defaultName);
    this.filters = checkFilters(filters, `${defaultName} '${this.name}'`);
    this.kernelInit = getInitializer(args.kernelInitializer ?? 'glorotUniform');
    this.kernelInitName = nameOf(args.kernelInitializer, 'glorotUniform');
    this.kernelOptions = weightOptions(this.name, 'kernel', args.kernelRegularizer, args.kernelConstraint);
  }

  override build(inputShape: LayerShape): void {
    this.inChannels = this.channelsOf(inputShape);
    this.kernel = this.addWeight({ name: 'kernel', shape: this.kernelShape(), initializer: this.kernelInit, ...this.kernelOptions });
    this.addBias(this.filters);
    this.built = true;
  }

  protected kernelShape(): number[] {
    return [...this.kernelSize, this.inChannels, this.filters];
  }

  override call(x: Tensor, _kwargs: CallArgs = {}): Tensor {
    this.checkInput(x);
    return this.epilogue(ops.conv2d(x, this.kernel!, this.options));
  }

  /**
   * Internal (src/models/fusion.ts): whether a model may run this layer and a MaxPooling2D
   * after it as one fused epilogue-and-pool kernel: a plain Conv2D (not a subclass, which may
   * change call) with a relu or linear activation and no activity regularizer (it would need
   * the unpooled output).
   */
  fusesMaxPool(): boolean {
    const op = this.activation.fused?.op;
    return this.constructor === Conv2D && this.activityRegularizer === null && op !== undefined && POOL_FUSABLE_ACTIVATIONS.has(op) && this.filters <= 8192;
  }

  /** Internal: call(x) max-pooled with strides = poolSize, valid (see fusesMaxPool); also the unpooled output's shape. */
  callMaxPooled(x: Tensor, poolSize: [number, number]): { pooled: Tensor; convShape: LayerShape } {
    this.checkInput(x);
    const act = this.activation.fused!.op;
    const [, oh, ow] = this.computeOutputShape([null, ...x.shape.slice(1)]);
    const convShape: LayerShape = [null, oh ?? null, ow ?? null, this.filters];
    // The conv output is never a tensor: a first layer on grayscale pictures (≤ 9 taps) is one
    // kernel each way, a wider one (native) pools in Winograd's output transform.
    return { pooled: ops.conv2dBiasActivationMaxPool(x, this.kernel!, this.bias, act, this.options, poolSize), convShape };
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    this.channelsOf(s);
    return [s[0] ?? null, ...this.convSpatial(s), this.filters];
  }

  override getConfig(): LayerConfig {
    return {
      ...this.baseConfig(), filters: this.filters, kernelInitializer: this.kernelInitName,
      ...penaltyConfig({ kernelRegularizer: this.kernelOptions.regularizer, kernelConstraint: this.kernelOptions.constraint }),
    };
  }
}

/**
 * keras.layers.Conv2DTranspose: the adjoint of Conv2D (upsamples by `strides`). Output
 * size as Keras without output_padding: valid → in·stride + max(k_eff − stride, 0), same → in·stride.
 */
export class Conv2DTranspose extends Conv2D {
  override readonly className: string = 'Conv2DTranspose';

  constructor(filters: number, kernelSize: Size2, args: Conv2DArgs = {}) {
    super(filters, kernelSize, args, 'conv2d_transpose');
  }

  protected override kernelShape(): number[] {
    return [...this.kernelSize, this.filters, this.inChannels];
  }

  override call(x: Tensor, _kwargs: CallArgs = {}): Tensor {
    this.checkInput(x);
    return this.epilogue(ops.conv2dTranspose(x, this.kernel!, this.options));
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    this.channelsOf(s);
    const size = (d: number | null | undefined, axis: 0 | 1): number | null =>
      typeof d === 'number' ? transposedOutputSize(d, this.kernelSize[axis], this.strides[axis], this.dilationRate[axis], this.padding) : null;
    return [s[0] ?? null, size(s[1], 0), size(s[2], 1), this.filters];
  }
}

export interface DepthwiseConv2DArgs extends Omit<ConvArgs, 'kernelInitializer' | 'kernelRegularizer' | 'kernelConstraint'> {
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerId;
  /** Keras' depthwise_regularizer / depthwise_constraint (the depthwise kernel's). */
  depthwiseRegularizer?: RegularizerIdentifier | null;
  depthwiseConstraint?: ConstraintIdentifier | null;
}

/** keras.layers.DepthwiseConv2D: each input channel convolved with its own depthMultiplier filters. */
export class DepthwiseConv2D extends ConvBase {
  readonly className: string = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  protected readonly depthwiseInit: Initializer;
  protected readonly depthwiseInitName: string;
  protected readonly depthwiseOptions: ReturnType<typeof weightOptions>;
  depthwiseKernel: Variable | null = null;

  constructor(kernelSize: Size2, args: DepthwiseConv2DArgs = {}, defaultName = 'depthwise_conv2d') {
    super(kernelSize, args, defaultName);
    this.depthMultiplier = args.depthMultiplier ?? 1;
    if (!Number.isInteger(this.depthMultiplier) || this.depthMultiplier < 1) throw new Error(`${defaultName} '${this.name}': depthMultiplier must be a positive integer, got ${this.depthMultiplier}`);
    this.depthwiseInit = getInitializer(args.depthwiseInitializer ?? 'glorotUniform');
    this.depthwiseInitName = nameOf(args.depthwiseInitializer, 'glorotUniform');
    this.depthwiseOptions = weightOptions(this.name, 'depthwise', args.depthwiseRegularizer, args.depthwiseConstraint);
  }

  protected get outChannels(): number {
    return this.inChannels * this.depthMultiplier;
  }

  override build(inputShape: LayerShape): void {
    this.inChannels = this.channelsOf(inputShape);
    this.depthwiseKernel = this.addWeight({ name: 'kernel', shape: [...this.kernelSize, this.inChannels, this.depthMultiplier], initializer: this.depthwiseInit, ...this.depthwiseOptions });
    this.addBias(this.outChannels);
    this.built = true;
  }

  override call(x: Tensor, _kwargs: CallArgs = {}): Tensor {
    this.checkInput(x);
    return this.epilogue(ops.depthwiseConv2d(x, this.depthwiseKernel!, this.options));
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    const c = this.channelsOf(s);
    return [s[0] ?? null, ...this.convSpatial(s), c * this.depthMultiplier];
  }

  override getConfig(): LayerConfig {
    return {
      ...this.baseConfig(), depthMultiplier: this.depthMultiplier, depthwiseInitializer: this.depthwiseInitName,
      ...penaltyConfig({ depthwiseRegularizer: this.depthwiseOptions.regularizer, depthwiseConstraint: this.depthwiseOptions.constraint }),
    };
  }
}

export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  pointwiseInitializer?: InitializerId;
  pointwiseRegularizer?: RegularizerIdentifier | null;
  pointwiseConstraint?: ConstraintIdentifier | null;
}

/** keras.layers.SeparableConv2D: a depthwise convolution, then a 1×1 convolution to `filters` channels. */
export class SeparableConv2D extends DepthwiseConv2D {
  override readonly className: string = 'SeparableConv2D';
  readonly filters: number;
  private readonly pointwiseInit: Initializer;
  private readonly pointwiseInitName: string;
  private readonly pointwiseOptions: ReturnType<typeof weightOptions>;
  pointwiseKernel: Variable | null = null;

  constructor(filters: number, kernelSize: Size2, args: SeparableConv2DArgs = {}) {
    super(kernelSize, args, 'separable_conv2d');
    this.filters = checkFilters(filters, `separable_conv2d '${this.name}'`);
    this.pointwiseInit = getInitializer(args.pointwiseInitializer ?? 'glorotUniform');
    this.pointwiseInitName = nameOf(args.pointwiseInitializer, 'glorotUniform');
    this.pointwiseOptions = weightOptions(this.name, 'pointwise', args.pointwiseRegularizer, args.pointwiseConstraint);
  }

  override build(inputShape: LayerShape): void {
    this.inChannels = this.channelsOf(inputShape);
    this.depthwiseKernel = this.addWeight({ name: 'depthwise_kernel', shape: [...this.kernelSize, this.inChannels, this.depthMultiplier], initializer: this.depthwiseInit, ...this.depthwiseOptions });
    this.pointwiseKernel = this.addWeight({ name: 'pointwise_kernel', shape: [1, 1, this.outChannels, this.filters], initializer: this.pointwiseInit, ...this.pointwiseOptions });
    this.addBias(this.filters);
    this.built = true;
  }

  override call(x: Tensor, _kwargs: CallArgs = {}): Tensor {
    this.checkInput(x);
    const depthwise = ops.depthwiseConv2d(x, this.depthwiseKernel!, this.options);
    return this.epilogue(ops.conv2d(depthwise, this.pointwiseKernel!));
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    this.channelsOf(s);
    return [s[0] ?? null, ...this.convSpatial(s), this.filters];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(), filters: this.filters, pointwiseInitializer: this.pointwiseInitName,
      ...penaltyConfig({ pointwiseRegularizer: this.pointwiseOptions.regularizer, pointwiseConstraint: this.pointwiseOptions.constraint }),
    };
  }
}

const convArgs = (c: LayerConfig): ConvArgs => ({
  ...base(c), strides: pairOf(c, 'strides'), padding: str(c, 'padding') as Padding | undefined, dilationRate: pairOf(c, 'dilationRate'),
  activation: str(c, 'activation'), useBias: bool(c, 'useBias', true), biasInitializer: str(c, 'biasInitializer'),
  ...penaltiesOf(c),
});
const kernelSizeOf = (c: LayerConfig): [number, number] => {
  const k = pairOf(c, 'kernelSize');
  if (!k) throw new Error("layer config: 'kernelSize' is missing");
  return k;
};

registerLayer('Conv2D', (c) => new Conv2D(num(c, 'filters'), kernelSizeOf(c), { ...convArgs(c), kernelInitializer: str(c, 'kernelInitializer') }));
registerLayer('Conv2DTranspose', (c) => new Conv2DTranspose(num(c, 'filters'), kernelSizeOf(c), { ...convArgs(c), kernelInitializer: str(c, 'kernelInitializer') }));
registerLayer('DepthwiseConv2D', (c) => new DepthwiseConv2D(kernelSizeOf(c), {
  ...convArgs(c), depthMultiplier: optNum(c, 'depthMultiplier'), depthwiseInitializer: str(c, 'depthwiseInitializer'),
}));
registerLayer('SeparableConv2D', (c) => new SeparableConv2D(num(c, 'filters'), kernelSizeOf(c), {
  ...convArgs(c), depthMultiplier: optNum(c, 'depthMultiplier'),
  depthwiseInitializer: str(c, 'depthwiseInitializer'), pointwiseInitializer: str(c, 'pointwiseInitializer'),
}));
