/* Elementwise kernels: unary, unary backward, fused bias + activation (and backward), binary. */
#include "ops.h"
#include "vmath.h"

static inline v128_t sel(v128_t mask, v128_t ifTrue, v128_t ifFalse) { return wasm_v128_bitselect(ifTrue, ifFalse, mask); }

/* f(x) for one vector; `op` is a compile-time constant after inlining into the per-op loops. */
static inline __attribute__((always_inline)) v128_t act(int op, v128_t x, v128_t alpha) {
  const v128_t zero = SPLAT(0.0f), one = SPLAT(1.0f);
  switch (op) {
    case U_NEG: return wasm_f32x4_neg(x);
    case U_ABS: return wasm_f32x4_abs(x);
    case U_EXP: return v_exp(x);
    case U_LOG: return v_log(x);
    case U_SQRT: return wasm_f32x4_sqrt(x);
    case U_SQUARE: return wasm_f32x4_mul(x, x);
    case U_RELU: return wasm_v128_and(x, wasm_f32x4_gt(x, zero));
    case U_SIGMOID: return v_sigmoid(x);
    case U_TANH: return v_tanh(x);
    case U_ELU: return sel(wasm_f32x4_gt(x, zero), x, wasm_f32x4_mul(alpha, v_expm1(x)));
    case U_LEAKY_RELU: return sel(wasm_f32x4_gt(x, zero), x, wasm_f32x4_mul(alpha, x));
    case U_RELU6: return wasm_v128_and(sel(wasm_f32x4_lt(x, SPLAT(6.0f)), x, SPLAT(6.0f)), wasm_f32x4_gt(x, zero));
    case U_RECIPROCAL: return wasm_f32x4_div(one, x);
    case U_RSQRT: return wasm_f32x4_div(one, wasm_f32x4_sqrt(x));
    case U_EXPM1: return v_expm1(x);
    case U_SOFTSIGN: return wasm_f32x4_div(x, wasm_f32x4_add(one, wasm_f32x4_abs(x)));
    case U_SWISH: return wasm_f32x4_mul(x, v_sigmoid(x));
    case U_HARD_SIGMOID: {
      v128_t y = wasm_f32x4_div(wasm_f32x4_add(x, SPLAT(3.0f)), SPLAT(6.0f)); /* = x/6 + 1/2, exact x+3 near -3 */
      y = sel(wasm_f32x4_le(x, SPLAT(-3.0f)), zero, y);
      return sel(wasm_f32x4_ge(x, SPLAT(3.0f)), one, y);
    }
    case U_STEP: return wasm_v128_and(one, wasm_f32x4_gt(x, zero));
    default: return x; /* U_LINEAR */
  }
}

/* f'(x) given x and y = f(x); ops that need only y ignore x and vice versa. */
/* y + alpha in double: for elu y → -alpha and the sum cancels, so alpha must not be rounded to float first. */
static inline v128_t add_alpha64(v128_t y, v128_t alpha64) {
  v128_t lo = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(y), alpha64));
  v128_t hi = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(y, y, 1, 0)), alpha64));
  return wasm_i64x2_shuffle(lo, hi, 0, 2);
}

static inline __attribute__((always_inline)) v128_t act_grad(int op, v128_t x, v128_t y, v128_t alpha, v128_t alpha64) {
  const v128_t zero = SPLAT(0.0f), one = SPLAT(1.0f);
  switch (op) {
    case U_NEG: return SPLAT(-1.0f);
    case U_ABS: return sel(wasm_f32x4_gt(x, zero), one, sel(wasm_f32x4_lt(x, zero), SPLAT(-1.0f), zero));
    case U_EXP: return y;
    case U_LOG: return wasm_f32x4_div(one, x);
    case U_SQRT: return wasm_f32x4_div(SPLAT(0.5f), y);
    case U_SQUARE: return wasm_f32x4_add(x, x);
    case U_RELU: return wasm_v128_and(one, wasm_f32x4_gt(y, zero));
    case U_SIGMOID: return wasm_f32x4_mul(y, wasm_f32x4_sub(one, y));
    case U_TANH: return wasm_f32x4_mul(wasm_f32x4_sub(one, y), wasm_f32x4_add(one, y)); /* no cancellation near |y| = 1 */
    case U_ELU: return sel(wasm_f32x4_gt(y, zero), one, add_alpha64(y, alpha64));
    case U_LEAKY_RELU: return sel(wasm_f32x4_gt(y, zero), one, alpha);
    case U_RELU6: return wasm_v128_and(one, wasm_v128_and(wasm_f32x4_gt(y, zero), wasm_f32x4_lt(y, SPLAT(6.0f))));
    case U_RECIPROCAL: return wasm_f32x4_neg(wasm_f32x4_mul(y, y));
    case U_RSQRT: return wasm_f32x4_mul(SPLAT(-0.5f), wasm_f32x4_mul(y, wasm_f32x4_mul(y, y)));
    case U_EXPM1: return wasm_f32x4_add(y, one);
    case U_SOFTSIGN: {
      v128_t d = wasm_f32x4_add(one, wasm_f32x4_abs(x));
      return wasm_f32x4_div(one, wasm_f32x4_mul(d, d));
    }
    case U_SWISH: {
      v128_t s = v_sigmoid(x);
      return wasm_f32x4_add(s, wasm_f32x4_mul(x, wasm_f32x4_mul(s, wasm_f32x4_sub(one, s))));
    }
    case U_HARD_SIGMOID:
      return wasm_v128_and(SPLAT(1.0f / 6.0f), wasm_v128_and(wasm_f32x4_gt(x, SPLAT(-3.0f)), wasm_f32x4_lt(x, SPLAT(3.0f))));
    case U_STEP: return zero;
    default: return one; /* U_LINEAR */
  }
}

/* dy · f'(x): log and sqrt divide instead of multiplying by a reciprocal that may overflow float. */
static inline __attribute__((always_inline)) v128_t grad_times(int op, v128_t x, v128_t y, v128_t dy, v128_t alpha, v128_t alpha64) {
  switch (op) {
    case U_LOG: return wasm_f32x4_div(dy, x);
    case U_SQRT: return wasm_f32x4_div(wasm_f32x4_mul(dy, SPLAT(0.5f)), y);
    default: return wasm_f32x4_mul(dy, act_grad(op, x, y, alpha, alpha64));
  }
}

#define FOR_EACH_UNARY(X) X(U_LINEAR) X(U_NEG) X(U_ABS) X(U_EXP) X(U_LOG) X(U_SQRT) X(U_SQUARE) X(U_RELU) \
  X(U_SIGMOID) X(U_TANH) X(U_ELU) X(U_LEAKY_RELU) X(U_RELU6) X(U_RECIPROCAL) X(U_RSQRT) X(U_EXPM1) \
  X(U_SOFTSIGN) X(U_SWISH) X(U_HARD_SIGMOID) X(U_STEP)

__attribute__((export_name("unary")))
void unary(int op, const float *x, float *out, int n, float alphaScalar) {
  v128_t alpha = SPLAT(alphaScalar);
  switch (op) {
#define CASE(OP) case OP: for (int i = 0; i < n; i += 4) wasm_v128_store(out + i, act(OP, wasm_v128_load(x + i), alpha)); break;
    FOR_EACH_UNARY(CASE)
#undef CASE
  }
}

__attribute__((export_name("unary_backward")))
void unary_backward(int op, const float *x, const float *y, const float *dy, float *out, int n, double alphaScalar) {
  v128_t alpha = SPLAT((float)alphaScalar), alpha64 = wasm_f64x2_splat(alphaScalar);
  switch (op) {
#define CASE(OP) case OP: for (int i = 0; i < n; i += 4) { \
      wasm_v128_store(out + i, grad_times(OP, wasm_v128_load(x + i), wasm_v128_load(y + i), wasm_v128_load(dy + i), alpha, alpha64)); } break;
    FOR_EACH_UNARY(CASE)
#undef CASE
  }
}

/* out[r, c] = act(x[r, c] + bias[c]); bias may be 0 (null). Rows overrun into the next row of out, rewritten later. */
__attribute__((export_name("bias_act")))
void bias_act(const float *x, const float *bias, int op, float alphaScalar, float *out, int rows, int cols) {
  v128_t alpha = SPLAT(alphaScalar);
  switch (op) {
#define CASE(OP) case OP: \
    for (int r = 0; r < rows; r++) { \
      const float *xr = x + (long)r * cols; float *outr = out + (long)r * cols; \
      if (bias) for (int c = 0; c < cols; c += 4) \
        wasm_v128_store(outr + c, act(OP, wasm_f32x4_add(wasm_v128_load(xr + c), wasm_v128_load(bias + c)), alpha)); \
      else for (int c = 0; c < cols; c += 4) wasm_v128_store(outr + c, act(OP, wasm_v128_load(xr + c), alpha)); \
    } break;
    FOR_EACH_UNARY(CASE)
#undef CASE
  }
}

/* dz = dy · act'(y); dbias[c] = Σ_r dz[r, c] accumulated in double (acc: 2·(cols+4) doubles of scratch). */
__attribute__((export_name("bias_act_backward")))
void bias_act_backward(const float *y, const float *dy, int op, double alphaScalar, float *dz, float *dbias, double *acc, int rows, int cols) {
  v128_t alpha = SPLAT((float)alphaScalar), alpha64 = wasm_f64x2_splat(alphaScalar);
  int colsPadded = (cols + 3) & ~3;
  if (dbias) for (int c = 0; c < colsPadded; c++) acc[c] = 0.0;
  switch (op) {
#define CASE(OP) case OP: \
    for (int r = 0; r < rows; r++) { \
      const float *yr = y + (long)r * cols, *dyr = dy + (long)r * cols; float *dzr = dz + (long)r * cols; \
      for (int c = 0; c < cols; c += 4) { \
        v128_t g = grad_times(OP, SPLAT(0.0f), wasm_v128_load(yr + c), wasm_v128_load(dyr + c), alpha, alpha64); \
        wasm_v128_store(dzr + c, g); \
        if (dbias) { \
          wasm_v128_store(acc + c, wasm_f64x2_add(wasm_v128_load(acc + c), wasm_f64x2_promote_low_f32x4(g))); \
          wasm_v128_store(acc + c + 2, wasm_f64x2_add(wasm_v128_load(acc + c + 2), \
            wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(g, g, 1, 0)))); \
        } \
      } \
    } break;
    FOR_EACH_UNARY(CASE)
#undef CASE
  }
  if (dbias) for (int c = 0; c < cols; c++) dbias[c] = (float)acc[c];
}

static inline __attribute__((always_inline)) v128_t bin(int op, v128_t a, v128_t b) {
  const v128_t one = SPLAT(1.0f);
  switch (op) {
    case B_ADD: return wasm_f32x4_add(a, b);
    case B_SUB: return wasm_f32x4_sub(a, b);
    case B_MUL: return wasm_f32x4_mul(a, b);
    case B_DIV: return wasm_f32x4_div(a, b);
    case B_MAXIMUM: return wasm_f32x4_max(a, b);
    case B_MINIMUM: return wasm_f32x4_min(a, b);
    case B_SQUARED_DIFFERENCE: { v128_t d = wasm_f32x4_sub(a, b); return wasm_f32x4_mul(d, d); }
    case B_GREATER: return wasm_v128_and(one, wasm_f32x4_gt(a, b));
    case B_GREATER_EQUAL: return wasm_v128_and(one, wasm_f32x4_ge(a, b));
    case B_LESS: return wasm_v128_and(one, wasm_f32x4_lt(a, b));
    case B_LESS_EQUAL: return wasm_v128_and(one, wasm_f32x4_le(a, b));
    case B_EQUAL: return wasm_v128_and(one, wasm_f32x4_eq(a, b));
    default: return wasm_v128_and(one, wasm_f32x4_ne(a, b)); /* B_NOT_EQUAL */
  }
}

#define FOR_EACH_BINARY(X) X(B_ADD) X(B_SUB) X(B_MUL) X(B_DIV) X(B_MAXIMUM) X(B_MINIMUM) X(B_SQUARED_DIFFERENCE) \
  X(B_GREATER) X(B_GREATER_EQUAL) X(B_LESS) X(B_LESS_EQUAL) X(B_EQUAL) X(B_NOT_EQUAL)

/*
 * out[r, c] = a[r, c] ∘ b[r, c] over a rows×cols grid, where each operand is addressed by
 * (rowStep, colStep) ∈ {0, 1} in units of (cols, 1): full = (1, 1), row vector = (0, 1),
 * column vector = (1 per row, 0), scalar = (0, 0). Covers same-shape, scalar and
 * row/column broadcasting; other broadcasts use the reference kernel.
 */
__attribute__((export_name("binary")))
void binary(int op, const float *a, int aRowStep, int aColStep, const float *b, int bRowStep, int bColStep,
            float *out, int rows, int cols) {
  switch (op) {
#define CASE(OP) case OP: \
    for (int r = 0; r < rows; r++) { \
      const float *ar = a + (aRowStep ? (long)r * (aColStep ? cols : 1) : 0); \
      const float *br = b + (bRowStep ? (long)r * (bColStep ? cols : 1) : 0); \
      float *outr = out + (long)r * cols; \
      if (aColStep && bColStep) for (int c = 0; c < cols; c += 4) \
        wasm_v128_store(outr + c, bin(OP, wasm_v128_load(ar + c), wasm_v128_load(br + c))); \
      else if (aColStep) { v128_t bv = wasm_v128_load32_splat(br); for (int c = 0; c < cols; c += 4) \
        wasm_v128_store(outr + c, bin(OP, wasm_v128_load(ar + c), bv)); } \
      else if (bColStep) { v128_t av = wasm_v128_load32_splat(ar); for (int c = 0; c < cols; c += 4) \
        wasm_v128_store(outr + c, bin(OP, av, wasm_v128_load(br + c))); } \
      else { v128_t v = bin(OP, wasm_v128_load32_splat(ar), wasm_v128_load32_splat(br)); \
        for (int c = 0; c < cols; c += 4) wasm_v128_store(outr + c, v); } \
    } break;
    FOR_EACH_BINARY(CASE)
#undef CASE
  }
}
