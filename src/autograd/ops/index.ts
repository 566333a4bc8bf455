/**
 * The differentiable op surface (like keras.ops / tf.*): every public op in one import.
 * Kernel-level helpers (binaryOp, unbroadcast, asTensor, ...) stay internal to src/autograd.
 */
export {
  add, sub, mul, div, pow, maximum, minimum, squaredDifference, greater, greaterEqual, less, lessEqual, equal, notEqual,
  neg, abs, exp, log, log1p, sqrt, rsqrt, square, reciprocal, sign, floor, round, sin, cos, erf,
  relu, relu6, sigmoid, tanh, elu, selu, leakyRelu, gelu, softplus, softsign, swish, hardSigmoid, clip,
} from './elementwise.js';
export { sum, mean, max, min, argMax, argMin, type Axes } from './reduce.js';
export { reshape, flatten, expandDims, squeeze, transpose, slice, gather, concat, stack, oneHot, cast } from './shape.js';
export { where, booleanMask } from './select.js';
export { matmul, dense } from './matmul.js';
export { softmax, logSoftmax } from './softmax.js';
export { batchNormTraining, batchNormInference } from './normalization.js';
export { dropout } from './dropout.js';
export type { TensorLike } from './util.js';
export { meanSquaredError, meanAbsoluteError, meanBinaryCrossentropy } from './losses.js';
export * from './conv.js';
