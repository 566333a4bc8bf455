/**
 * The lecture's MNIST models, built as the course configures them: the dense autoencoder and
 * the digit classifiers (the homework's 'course' model and deepts' wider 'default' one).
 * `deepts autoencoder` / `deepts classify`, the bench and the tests all build them from here.
 */
import {
  Activation, BatchNormalization, Conv2D, Dense, Dropout, Flatten, InputLayer, MaxPooling2D, RandomFlip, RandomRotation, RandomTranslation, RandomZoom, Reshape,
} from '../nn/layers/index.js';
import type { Layer } from '../nn/layer.js';
import { Sequential } from './sequential.js';

/**
 * The lecture's autoencoder: Flatten → 128 relu → 64 relu → 32 relu → 64 relu → 128 relu → 784 sigmoid → Reshape(28, 28).
 */
export function buildAutoencoder(): Sequential {
  return new Sequential([
    new InputLayer({ shape: [28, 28] }),
    new Flatten(),
    // encoder
    new Dense(128, { activation: 'relu' }),
    new Dense(64, { activation: 'relu' }),
    new Dense(32, { activation: 'relu' }),
    // decoder
    new Dense(64, { activation: 'relu' }),
    new Dense(128, { activation: 'relu' }),
    new Dense(784, { activation: 'sigmoid' }),
    new Reshape([28, 28]),
  ], { name: 'autoencoder' });
}

export type ClassifierKind = 'default' | 'course';

/** Training settings of each model; the course's are the homework's. */
export const CLASSIFIER_DEFAULTS: Record<ClassifierKind, { epochs: number; batchSize: number }> = {
  default: { epochs: 12, batchSize: 256 },
  course: { epochs: 10, batchSize: 512 },
};

export function buildClassifier(kind: ClassifierKind): Sequential {
  if (kind === 'course') {
    return new Sequential([
      new InputLayer({ shape: [28, 28] }),
      new Flatten(),
      new Dense(128, { activation: 'relu' }),
      new Dense(128, { activation: 'relu' }),
      new Dropout(0.25),
      new Dense(10, { activation: 'softmax' }),
    ], { name: 'course_classifier' });
  }
  return new Sequential([
    new InputLayer({ shape: [28, 28] }),
    new Flatten(),
    new Dense(512, { activation: 'relu' }),
    new Dropout(0.2),
    new Dense(256, { activation: 'relu' }),
    new Dropout(0.2),
    new Dense(10, { activation: 'softmax' }),
  ], { name: 'mnist_classifier' });
}

export type ConvnetKind = 'simple' | 'wide';

export interface ConvnetOptions {
  /** 'simple' (default): Keras' example. 'wide': a third conv block (128 filters) and a Dense(128) hidden layer. */
  model?: ConvnetKind;
  /**
   * Random changes of the training pictures (active only in training). Digits: rotations (±18°), zooms (±10 %)
   * and shifts (±10 %); clothes (`flip`): left↔right mirror images and whole-pixel shifts (±3 px) only.
   */
  augment?: boolean;
  /** With augment: the clothes augmentation (mirror images, right for clothes and wrong for digits; shifts). */
  flip?: boolean;
  /** Conv2D (no bias) → BatchNormalization → relu instead of Conv2D(relu): Keras' usual way to add batch norm. */
  batchNorm?: boolean;
}

/**
 * The augmentation layers of `buildConvnet`. Clothes are photographed upright and centred, so they get only
 * exact changes: mirror images and shifts by whole pixels (nearest interpolation — each bilinear resampling
 * blurs, and a stack of three blurs away a shirt's stripes the test pictures still have).
 */
export function convnetAugmentation(clothes: boolean): Layer[] {
  if (clothes) {
    return [new RandomFlip('horizontal'), new RandomTranslation(0.1, 0.1, { fillMode: 'constant', interpolation: 'nearest' })];
  }
  return [
    new RandomRotation(0.05, { fillMode: 'constant' }),
    new RandomZoom(0.1, null, { fillMode: 'constant' }),
    new RandomTranslation(0.1, 0.1, { fillMode: 'constant' }),
  ];
}

/**
 * Keras' "simple MNIST convnet" (keras.io/examples/vision/mnist_convnet), 34,826 parameters:
 * Conv2D(32, 3×3, relu) → MaxPooling2D(2) → Conv2D(64, 3×3, relu) → MaxPooling2D(2) → Flatten → Dropout(0.5) → Dense(10, softmax)
 * on [28, 28, 1] pictures. With augment, augmentation layers come first (active only in training).
 * The 'wide' variant (241,546 parameters, ~1.3× the simple one's arithmetic) adds Conv2D(128, 3×3, relu) on the
 * 5×5 maps and a Dense(128, relu) layer: … → MaxPooling2D(2) → Conv2D(128) → Flatten → Dense(128, relu) → Dropout(0.5) → Dense(10, softmax).
 */
export function buildConvnet(o: ConvnetOptions = {}): Sequential {
  const augmentation: Layer[] = o.augment ? convnetAugmentation(o.flip === true) : [];
  const conv = (filters: number): Layer[] => o.batchNorm
    ? [new Conv2D(filters, [3, 3], { useBias: false }), new BatchNormalization(), new Activation('relu')]
    : [new Conv2D(filters, [3, 3], { activation: 'relu' })];
  // Built in order, so that layers are numbered as Keras would number them (conv2d, conv2d_1, ...).
  const layers: Layer[] = [new InputLayer({ shape: [28, 28, 1] }), ...augmentation];
  layers.push(...conv(32), new MaxPooling2D([2, 2]));
  layers.push(...conv(64), new MaxPooling2D([2, 2]));
  if (o.model === 'wide') {
    layers.push(...conv(128));
    layers.push(new Flatten(), new Dense(128, { activation: 'relu' }), new Dropout(0.5));
  } else {
    layers.push(new Flatten(), new Dropout(0.5));
  }
  layers.push(new Dense(10, { activation: 'softmax' }));
  return new Sequential(layers, { name: o.model === 'wide' ? 'wide_convnet' : 'convnet' });
}
