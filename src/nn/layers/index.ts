/** The built-in layers, registered for deserialization. */
import { registerLayer } from '../serialization.js';
import type { LayerConfig } from '../layer.js';
import { Dense, type DenseArgs } from './dense.js';
import { Flatten, Input, InputLayer, Reshape, type InputArgs } from './reshaping.js';
import { Activation, Dropout } from './activation.js';
import { penaltiesOf } from './weight-options.js';

const str = (c: LayerConfig, k: string): string | undefined => (typeof c[k] === 'string' ? (c[k] as string) : undefined);
const nums = (c: LayerConfig, k: string): number[] => {
  const v = c[k];
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'number')) throw new Error(`layer config: '${k}' must be a list of numbers`);
  return v as number[];
};
const num = (c: LayerConfig, k: string): number => {
  const v = c[k];
  if (typeof v !== 'number') throw new Error(`layer config: '${k}' must be a number`);
  return v;
};

/** A sample shape: numbers, with null where a size varies (a fully convolutional model's height and width). */
const sampleShape = (c: LayerConfig): (number | null)[] => {
  const shape = c['shape'];
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' || d === null)) throw new Error("layer config: 'shape' must be a list of numbers (or null for a varying size)");
  return shape as (number | null)[];
};

registerLayer('Dense', (c) => new Dense(num(c, 'units'), {
  name: str(c, 'name'), activation: str(c, 'activation'), useBias: c['useBias'] !== false,
  kernelInitializer: str(c, 'kernelInitializer'), biasInitializer: str(c, 'biasInitializer'), trainable: c['trainable'] !== false,
  ...penaltiesOf(c),
} satisfies DenseArgs));
registerLayer('Flatten', (c) => new Flatten({ name: str(c, 'name') }));
registerLayer('Reshape', (c) => new Reshape(nums(c, 'targetShape'), { name: str(c, 'name') }));
registerLayer('InputLayer', (c) => new InputLayer({
  shape: sampleShape(c), name: str(c, 'name'), batchSize: typeof c['batchSize'] === 'number' ? c['batchSize'] : undefined,
}));
registerLayer('Activation', (c) => new Activation(str(c, 'activation') ?? 'linear', { name: str(c, 'name') }));
registerLayer('Dropout', (c) => {
  const ns = c['noiseShape'];
  const noiseShape = Array.isArray(ns) ? ns.map((d) => (typeof d === 'number' ? d : null)) : undefined;
  const seed = c['seed'];
  return new Dropout(num(c, 'rate'), { name: str(c, 'name'), noiseShape, seed: typeof seed === 'number' ? seed : undefined });
});

export { Dense, Flatten, Reshape, Input, InputLayer, Activation, Dropout };
export type { DenseArgs, InputArgs };
export { Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Lambda, registerLambda, type ConcatenateArgs, type LambdaArgs, type LambdaFn } from './merge.js';
export { Normalization, type NormalizationArgs } from './normalization.js';
export { Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, type ConvArgs, type Conv2DArgs, type DepthwiseConv2DArgs, type SeparableConv2DArgs } from './convolutional.js';
export { MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, type Pooling2DArgs, type GlobalPooling2DArgs } from './pooling.js';
export { UpSampling2D, ZeroPadding2D, SpatialDropout2D, type UpSampling2DArgs, type Padding2D, type SpatialDropout2DArgs } from './spatial.js';
export { BatchNormalization, type BatchNormalizationArgs } from './batch-normalization.js';
export { Embedding, type EmbeddingArgs } from './embedding.js';
export { LayerNormalization, type LayerNormalizationArgs } from './layer-normalization.js';
export { Masking, GlobalAveragePooling1D, type MaskingArgs, type GlobalPooling1DArgs } from './masking.js';
export {
  RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
  type AugmentationArgs, type TransformArgs, type FillMode, type Interpolation, type FactorRange, type FlipMode,
} from './augmentation.js';
