/** Op codes of the compiled kernels (must match wasm/src/ops.h). Ops not listed here use the reference kernels. */
import type { BinaryOp, ReduceOp, UnaryOp } from '../kernels.js';

export const UNARY_CODES: Partial<Record<UnaryOp, number>> = {
  linear: 0, neg: 1, abs: 2, exp: 3, log: 4, sqrt: 5, square: 6, relu: 7, sigmoid: 8, tanh: 9,
  elu: 10, leakyRelu: 11, relu6: 12, reciprocal: 13, rsqrt: 14, expm1: 15, softsign: 16, swish: 17,
  hardSigmoid: 18, step: 19,
};

/**
 * Ops whose backward kernel is compiled. swish is left to the reference: its derivative
 * s + x·s·(1 - s) cancels near x ≈ -1.28 and float32 cannot match the float64 reference there.
 */
export const GRAD_CODES: Partial<Record<UnaryOp, number>> = { ...UNARY_CODES, swish: undefined };

/** Unary ops whose derivative the kernel computes from x (all others use y = f(x)). */
export const GRAD_READS_X: ReadonlySet<UnaryOp> = new Set<UnaryOp>([
  'abs', 'log', 'square', 'softsign', 'swish', 'hardSigmoid',
]);

export const BINARY_CODES: Partial<Record<BinaryOp, number>> = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, squaredDifference: 6,
  greater: 7, greaterEqual: 8, less: 9, lessEqual: 10, equal: 11, notEqual: 12,
};

export const REDUCE_CODES: Partial<Record<ReduceOp, number>> = { sum: 0, max: 1, min: 2 };
