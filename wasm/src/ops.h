/*
 * Op codes shared with src/backend/wasm/opcodes.ts (keep the two in sync; the wasm tests
 * check every code against the reference kernels).
 *
 * Buffer convention: the loader pads every buffer it places in linear memory to a
 * multiple of 4 floats and never passes the same buffer as input and output, so kernels
 * may run whole v128 vectors past the logical end (into padding, or into the next row
 * of an output that is rewritten later).
 */
#ifndef DEEPTS_OPS_H
#define DEEPTS_OPS_H

enum UnaryCode {
  U_LINEAR = 0, U_NEG, U_ABS, U_EXP, U_LOG, U_SQRT, U_SQUARE, U_RELU, U_SIGMOID, U_TANH,
  U_ELU, U_LEAKY_RELU, U_RELU6, U_RECIPROCAL, U_RSQRT, U_EXPM1, U_SOFTSIGN, U_SWISH,
  U_HARD_SIGMOID, U_STEP
};

enum BinaryCode {
  B_ADD = 0, B_SUB, B_MUL, B_DIV, B_MAXIMUM, B_MINIMUM, B_SQUARED_DIFFERENCE,
  B_GREATER, B_GREATER_EQUAL, B_LESS, B_LESS_EQUAL, B_EQUAL, B_NOT_EQUAL
};

enum ReduceCode { R_SUM = 0, R_MAX, R_MIN };

#endif
