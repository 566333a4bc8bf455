/** tf.train.*: tfjs' optimizer factories (positional arguments, tfjs' defaults) building deepts optimizers. */
import { Adagrad, Adam, Adamax, RMSprop, SGD, type Optimizer } from '../train/optimizers/index.js';

export const sgd = (learningRate: number): Optimizer => new SGD({ learningRate });
export const momentum = (learningRate: number, m: number, useNesterov = false): Optimizer => new SGD({ learningRate, momentum: m, nesterov: useNesterov });
export const adam = (learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): Optimizer => new Adam({ learningRate, beta1, beta2, epsilon });
export const adamax = (learningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon?: number, decay = 0): Optimizer => {
  if (decay !== 0) throw new Error('deepts/tfjs: tf.train.adamax(decay) is not supported');
  return new Adamax({ learningRate, beta1, beta2, epsilon });
};
/** tfjs' `decay` is Keras' `rho`. */
export const rmsprop = (learningRate: number, decay = 0.9, m = 0, epsilon?: number, centered = false): Optimizer => new RMSprop({ learningRate, rho: decay, momentum: m, epsilon, centered });
export const adagrad = (learningRate: number, initialAccumulatorValue = 0.1): Optimizer => new Adagrad({ learningRate, initialAccumulatorValue });
