/** The differentiable op surface (like keras.ops / tf.*): every op in one import. */
export * from './elementwise.js';
export * from './reduce.js';
export * from './shape.js';
export * from './matmul.js';
export * from './softmax.js';
export { asTensor, type TensorLike } from './util.js';
export { meanSquaredError, meanAbsoluteError } from './losses.js';
export * from './conv.js';
