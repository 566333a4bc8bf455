/**
 * tf.layers.*: tfjs' layer factories (one config object each, tfjs' option names) building
 * deepts layers. Options deepts lacks (initializer objects, weights, channelsFirst) are refused
 * with the option's name rather than silently ignored. Regularizers and constraints come from
 * tf.regularizers / tf.constraints (or their names).
 */
import {
  Activation, AveragePooling2D, BatchNormalization, Conv2D, Conv2DTranspose, Dense, DepthwiseConv2D, Dropout, Embedding, Flatten, GlobalAveragePooling1D,
  GlobalAveragePooling2D, GlobalMaxPooling2D, InputLayer, LayerNormalization, Masking, MaxPooling2D, Reshape, SeparableConv2D, UpSampling2D, ZeroPadding2D,
  type ConvArgs,
} from '../nn/layers/index.js';
import type { Size2 } from '../autograd/ops/conv.js';
import type { Layer } from '../nn/layer.js';
import type { RegularizerIdentifier } from '../nn/regularizers.js';
import type { ConstraintIdentifier } from '../nn/constraints.js';

interface BaseArgs {
  name?: string;
  trainable?: boolean;
  inputShape?: number[];
  batchInputShape?: (number | null)[];
  inputDim?: number;
  dtype?: 'float32';
}

const UNSUPPORTED = ['weights', 'noiseShape'];

function base(what: string, args: BaseArgs & Record<string, unknown>): { name?: string; trainable?: boolean; inputShape?: number[] } {
  for (const k of UNSUPPORTED) if (args[k] !== undefined && args[k] !== null) throw new Error(`deepts/tfjs: tf.layers.${what}({ ${k} }) is not supported`);
  if (args.dtype !== undefined && args.dtype !== 'float32') throw new Error(`deepts/tfjs: tf.layers.${what}: only dtype float32 is supported`);
  const inputShape = args.inputShape ?? (args.batchInputShape ? (args.batchInputShape.slice(1) as number[]) : args.inputDim !== undefined ? [args.inputDim] : undefined);
  return { name: args.name, trainable: args.trainable, inputShape };
}

function initializerName(what: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Error(`deepts/tfjs: tf.layers.${what}: give initializers by name ('glorotUniform', 'heNormal', 'zeros', ...)`);
  // tfjs' 'varianceScaling' by name is VarianceScaling(scale 1, fanIn, normal): LeCun normal.
  return v === 'varianceScaling' ? 'lecunNormal' : v;
}

/** The options of a layer with a kernel and a bias (Dense and the convolutions), as tfjs names them. */
interface KernelLayerArgs extends BaseArgs {
  activation?: string;
  useBias?: boolean;
  kernelInitializer?: string;
  biasInitializer?: string;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  activityRegularizer?: RegularizerIdentifier;
  kernelConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
  [k: string]: unknown;
}

export interface DenseLayerArgs extends KernelLayerArgs {
  units: number;
}

export function dense(args: DenseLayerArgs): Layer {
  return new Dense(args.units, {
    ...base('dense', args), activation: args.activation, useBias: args.useBias,
    kernelInitializer: initializerName('dense', args.kernelInitializer), biasInitializer: initializerName('dense', args.biasInitializer),
    kernelRegularizer: args.kernelRegularizer, biasRegularizer: args.biasRegularizer, activityRegularizer: args.activityRegularizer,
    kernelConstraint: args.kernelConstraint, biasConstraint: args.biasConstraint,
  });
}

export function dropout(args: BaseArgs & { rate: number; seed?: number; [k: string]: unknown }): Layer {
  return new Dropout(args.rate, { ...base('dropout', args), seed: args.seed });
}

export function flatten(args: BaseArgs & { dataFormat?: string; [k: string]: unknown } = {}): Layer {
  if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast') throw new Error('deepts/tfjs: tf.layers.flatten: only dataFormat channelsLast is supported');
  return new Flatten(base('flatten', args));
}

export function reshape(args: BaseArgs & { targetShape: number[]; [k: string]: unknown }): Layer {
  return new Reshape(args.targetShape, base('reshape', args));
}

export function activation(args: BaseArgs & { activation: string; [k: string]: unknown }): Layer {
  return new Activation(args.activation, base('activation', args));
}

export function inputLayer(args: { inputShape?: number[]; batchInputShape?: (number | null)[]; name?: string }): Layer {
  const shape = args.inputShape ?? args.batchInputShape?.slice(1);
  if (!shape || shape.some((d) => d === null)) throw new Error('deepts/tfjs: tf.layers.inputLayer needs inputShape (known dimensions)');
  return new InputLayer({ shape: shape as number[], name: args.name });
}

/** tfjs' dataFormat: only 'channelsLast' (tfjs' and Keras' default), as deepts' conv layers. */
function channelsLast(what: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'channelsLast' && dataFormat !== 'channels_last') {
    throw new Error(`deepts/tfjs: tf.layers.${what}: only dataFormat 'channelsLast' is supported (inputs [batch, height, width, channels]), got '${String(dataFormat)}'`);
  }
}

type Size = number | number[];
const size2 = (what: string, key: string, v: Size | undefined): Size2 | undefined => {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  if (v.length === 1) return v[0]!;
  if (v.length !== 2) throw new Error(`deepts/tfjs: tf.layers.${what}: ${key} must be a number or [height, width], got ${JSON.stringify(v)}`);
  return [v[0]!, v[1]!];
};

export interface ConvLayerArgs extends KernelLayerArgs {
  kernelSize: Size;
  strides?: Size;
  padding?: 'valid' | 'same';
  dataFormat?: string;
  dilationRate?: Size;
}

export interface Conv2DLayerArgs extends ConvLayerArgs {
  filters: number;
}

function convArgs(what: string, args: ConvLayerArgs): ConvArgs {
  channelsLast(what, args.dataFormat);
  if (args.padding !== undefined && args.padding !== 'valid' && args.padding !== 'same') {
    throw new Error(`deepts/tfjs: tf.layers.${what}: padding must be 'valid' or 'same' ('causal' is for 1-D convolutions), got '${String(args.padding)}'`);
  }
  return {
    ...base(what, args), strides: size2(what, 'strides', args.strides), padding: args.padding, dilationRate: size2(what, 'dilationRate', args.dilationRate),
    activation: args.activation, useBias: args.useBias, biasInitializer: initializerName(what, args.biasInitializer),
    biasRegularizer: args.biasRegularizer, activityRegularizer: args.activityRegularizer, biasConstraint: args.biasConstraint,
  };
}

const kernelPenalties = (args: ConvLayerArgs): Pick<ConvArgs, 'kernelRegularizer' | 'kernelConstraint'> => ({ kernelRegularizer: args.kernelRegularizer, kernelConstraint: args.kernelConstraint });

const kernelOf = (what: string, args: ConvLayerArgs): Size2 => {
  const k = size2(what, 'kernelSize', args.kernelSize);
  if (k === undefined) throw new Error(`deepts/tfjs: tf.layers.${what} needs kernelSize`);
  return k;
};

export function conv2d(args: Conv2DLayerArgs): Layer {
  return new Conv2D(args.filters, kernelOf('conv2d', args), { ...convArgs('conv2d', args), ...kernelPenalties(args), kernelInitializer: initializerName('conv2d', args.kernelInitializer) });
}

export function conv2dTranspose(args: Conv2DLayerArgs): Layer {
  return new Conv2DTranspose(args.filters, kernelOf('conv2dTranspose', args), { ...convArgs('conv2dTranspose', args), ...kernelPenalties(args), kernelInitializer: initializerName('conv2dTranspose', args.kernelInitializer) });
}

export interface DepthwiseConv2DLayerArgs extends ConvLayerArgs {
  depthMultiplier?: number;
  depthwiseInitializer?: string;
  depthwiseRegularizer?: RegularizerIdentifier;
  depthwiseConstraint?: ConstraintIdentifier;
}

export function depthwiseConv2d(args: DepthwiseConv2DLayerArgs): Layer {
  return new DepthwiseConv2D(kernelOf('depthwiseConv2d', args), {
    ...convArgs('depthwiseConv2d', args), depthMultiplier: args.depthMultiplier, depthwiseInitializer: initializerName('depthwiseConv2d', args.depthwiseInitializer),
    depthwiseRegularizer: args.depthwiseRegularizer, depthwiseConstraint: args.depthwiseConstraint,
  });
}

export function separableConv2d(args: DepthwiseConv2DLayerArgs & { filters: number; pointwiseInitializer?: string; pointwiseRegularizer?: RegularizerIdentifier; pointwiseConstraint?: ConstraintIdentifier }): Layer {
  return new SeparableConv2D(args.filters, kernelOf('separableConv2d', args), {
    ...convArgs('separableConv2d', args), depthMultiplier: args.depthMultiplier,
    depthwiseRegularizer: args.depthwiseRegularizer, depthwiseConstraint: args.depthwiseConstraint,
    pointwiseRegularizer: args.pointwiseRegularizer, pointwiseConstraint: args.pointwiseConstraint,
    depthwiseInitializer: initializerName('separableConv2d', args.depthwiseInitializer), pointwiseInitializer: initializerName('separableConv2d', args.pointwiseInitializer),
  });
}

export interface Pooling2DLayerArgs extends BaseArgs {
  /** tfjs' default is [2, 2]. */
  poolSize?: Size;
  /** Defaults to poolSize. */
  strides?: Size;
  padding?: 'valid' | 'same';
  dataFormat?: string;
  [k: string]: unknown;
}

function poolArgs(what: string, args: Pooling2DLayerArgs): [Size2, { name?: string; trainable?: boolean; inputShape?: number[]; strides?: Size2; padding?: 'valid' | 'same' }] {
  channelsLast(what, args.dataFormat);
  return [size2(what, 'poolSize', args.poolSize) ?? 2, { ...base(what, args), strides: size2(what, 'strides', args.strides), padding: args.padding }];
}

export function maxPooling2d(args: Pooling2DLayerArgs = {}): Layer {
  return new MaxPooling2D(...poolArgs('maxPooling2d', args));
}

export function averagePooling2d(args: Pooling2DLayerArgs = {}): Layer {
  return new AveragePooling2D(...poolArgs('averagePooling2d', args));
}

/** tfjs' aliases. */
export const maxPool2d = maxPooling2d;
export const avgPool2d = averagePooling2d;
export const avgPooling2d = averagePooling2d;

export function globalAveragePooling2d(args: BaseArgs & { dataFormat?: string; [k: string]: unknown } = {}): Layer {
  channelsLast('globalAveragePooling2d', args.dataFormat);
  return new GlobalAveragePooling2D(base('globalAveragePooling2d', args));
}

export function globalMaxPooling2d(args: BaseArgs & { dataFormat?: string; [k: string]: unknown } = {}): Layer {
  channelsLast('globalMaxPooling2d', args.dataFormat);
  return new GlobalMaxPooling2D(base('globalMaxPooling2d', args));
}

export const globalMaxPool2d = globalMaxPooling2d;
export const globalAvgPool2d = globalAveragePooling2d;

export interface BatchNormalizationLayerArgs extends BaseArgs {
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: string;
  gammaInitializer?: string;
  movingMeanInitializer?: string;
  movingVarianceInitializer?: string;
  [k: string]: unknown;
  betaRegularizer?: RegularizerIdentifier;
  gammaRegularizer?: RegularizerIdentifier;
  betaConstraint?: ConstraintIdentifier;
  gammaConstraint?: ConstraintIdentifier;
}

export function batchNormalization(args: BatchNormalizationLayerArgs = {}): Layer {
  const what = 'batchNormalization';
  return new BatchNormalization({
    ...base(what, args), axis: args.axis, momentum: args.momentum, epsilon: args.epsilon, center: args.center, scale: args.scale,
    betaInitializer: initializerName(what, args.betaInitializer), gammaInitializer: initializerName(what, args.gammaInitializer),
    movingMeanInitializer: initializerName(what, args.movingMeanInitializer), movingVarianceInitializer: initializerName(what, args.movingVarianceInitializer),
    betaRegularizer: args.betaRegularizer, gammaRegularizer: args.gammaRegularizer, betaConstraint: args.betaConstraint, gammaConstraint: args.gammaConstraint,
  });
}

export function upSampling2d(args: BaseArgs & { size?: Size; interpolation?: string; dataFormat?: string; [k: string]: unknown } = {}): Layer {
  channelsLast('upSampling2d', args.dataFormat);
  // tfjs' bilinear resizes without half-pixel centres, Keras' (and deepts') with: they differ, so only 'nearest' here.
  if (args.interpolation !== undefined && args.interpolation !== 'nearest') throw new Error(`deepts/tfjs: tf.layers.upSampling2d: only interpolation 'nearest' is supported (tfjs' bilinear differs from Keras'), got '${String(args.interpolation)}'`);
  return new UpSampling2D(size2('upSampling2d', 'size', args.size) ?? 2, base('upSampling2d', args));
}

export function zeroPadding2d(args: BaseArgs & { padding?: number | [number, number] | [[number, number], [number, number]]; dataFormat?: string; [k: string]: unknown } = {}): Layer {
  channelsLast('zeroPadding2d', args.dataFormat);
  return new ZeroPadding2D(args.padding ?? 1, base('zeroPadding2d', args));
}

export interface EmbeddingLayerArgs extends BaseArgs {
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: string;
  embeddingsRegularizer?: RegularizerIdentifier;
  embeddingsConstraint?: ConstraintIdentifier;
  maskZero?: boolean;
  /** tfjs' inputLength: the length of the input sequences (gives the input shape). */
  inputLength?: number | number[];
  [k: string]: unknown;
}

export function embedding(args: EmbeddingLayerArgs): Layer {
  const b = base('embedding', { ...args, inputDim: undefined }); // inputDim is the vocabulary size here, not an input shape
  const fromLength = args.inputLength === undefined ? undefined : Array.isArray(args.inputLength) ? args.inputLength : [args.inputLength];
  return new Embedding(args.inputDim, args.outputDim, {
    ...b, inputShape: b.inputShape ?? fromLength, maskZero: args.maskZero,
    embeddingsInitializer: initializerName('embedding', args.embeddingsInitializer), embeddingsRegularizer: args.embeddingsRegularizer, embeddingsConstraint: args.embeddingsConstraint,
  });
}

export interface LayerNormalizationLayerArgs extends BaseArgs {
  axis?: number | number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: string;
  gammaInitializer?: string;
  betaRegularizer?: RegularizerIdentifier;
  gammaRegularizer?: RegularizerIdentifier;
  [k: string]: unknown;
}

export function layerNormalization(args: LayerNormalizationLayerArgs = {}): Layer {
  return new LayerNormalization({
    ...base('layerNormalization', args), axis: args.axis, epsilon: args.epsilon, center: args.center, scale: args.scale,
    betaInitializer: initializerName('layerNormalization', args.betaInitializer), gammaInitializer: initializerName('layerNormalization', args.gammaInitializer),
    betaRegularizer: args.betaRegularizer, gammaRegularizer: args.gammaRegularizer,
  });
}

export function masking(args: BaseArgs & { maskValue?: number; [k: string]: unknown } = {}): Layer {
  return new Masking({ ...base('masking', args), maskValue: args.maskValue });
}

export function globalAveragePooling1d(args: BaseArgs & { dataFormat?: string; [k: string]: unknown } = {}): Layer {
  if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast') throw new Error('deepts/tfjs: tf.layers.globalAveragePooling1d: only dataFormat channelsLast is supported');
  return new GlobalAveragePooling1D(base('globalAveragePooling1d', args));
}
