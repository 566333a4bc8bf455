/**
 * The lecture's MNIST models, built as the course configures them: the dense autoencoder and
 * the digit classifiers (the homework's 'course' model and deepts' wider 'default' one).
 * `deepts autoencoder` / `deepts classify`, the bench and the tests all build them from here.
 */
import { Dense, Dropout, Flatten, InputLayer, Reshape } from '../nn/layers/index.js';
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
