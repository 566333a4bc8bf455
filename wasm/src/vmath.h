/*
 * Vectorised float32 math for WebAssembly SIMD128 (there is no libm in a -nostdlib build).
 * Cephes-style range reduction + minimax polynomials, accurate to ~1-2 ulp, so results
 * match the reference kernels (computed in double, rounded once) within 1e-6 relative.
 */
#ifndef DEEPTS_VMATH_H
#define DEEPTS_VMATH_H

#include <wasm_simd128.h>
#include <stdint.h>

#define SPLAT(x) wasm_f32x4_splat(x)

/* y · 2^n for integer-valued float n in [-150, 128], applied as two factors so results near
   the float range ends (subnormal, or just below FLT_MAX with n = 128) are exact. */
static inline v128_t ldexp_split(v128_t y, v128_t n) {
  v128_t ni = wasm_i32x4_trunc_sat_f32x4(n);
  v128_t n1 = wasm_i32x4_shr(ni, 1);
  v128_t n2 = wasm_i32x4_sub(ni, n1);
  v128_t bias = wasm_i32x4_splat(127);
  v128_t s1 = wasm_i32x4_shl(wasm_i32x4_add(n1, bias), 23);
  v128_t s2 = wasm_i32x4_shl(wasm_i32x4_add(n2, bias), 23);
  return wasm_f32x4_mul(wasm_f32x4_mul(y, s1), s2);
}

/* e^x; overflows to +inf above ~88.72, underflows through subnormals to 0 below ~-103.97, NaN stays NaN. */
static inline v128_t v_exp(v128_t x) {
  const v128_t hi = SPLAT(89.0f), lo = SPLAT(-104.0f);
  v128_t xc = wasm_f32x4_min(wasm_f32x4_max(x, lo), hi);
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(xc, SPLAT(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(xc, wasm_f32x4_mul(n, SPLAT(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, SPLAT(-2.12194440e-4f)));
  v128_t p = SPLAT(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(5.0000001201e-1f));
  v128_t r2 = wasm_f32x4_mul(r, r);
  v128_t y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, r2), r), SPLAT(1.0f));
  y = ldexp_split(y, n);
  /* Below the clamp the true value is < 2^-150: exactly 0 in float32. */
  return wasm_v128_andnot(y, wasm_f32x4_lt(x, lo));
}

/* e^x - 1 without cancellation near 0 (Taylor to x^9 for |x| < 0.5, error < 1e-9 relative). */
static inline v128_t v_expm1(v128_t x) {
  v128_t p = SPLAT(1.0f / 362880.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), SPLAT(1.0f / 40320.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), SPLAT(1.0f / 5040.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), SPLAT(1.0f / 720.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), SPLAT(1.0f / 120.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), SPLAT(1.0f / 24.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), SPLAT(1.0f / 6.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), SPLAT(0.5f));
  v128_t small = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, x), x), x);
  v128_t big = wasm_f32x4_sub(v_exp(x), SPLAT(1.0f));
  v128_t isSmall = wasm_f32x4_lt(wasm_f32x4_abs(x), SPLAT(0.5f));
  return wasm_v128_bitselect(small, big, isSmall);
}

/* Natural log; log(0) = -inf, log(<0) = NaN, log(inf) = inf, subnormals handled. */
static inline v128_t v_log(v128_t x) {
  /* Scale subnormals into the normal range first. */
  v128_t sub = wasm_f32x4_lt(x, SPLAT(1.17549435e-38f));
  v128_t xs = wasm_v128_bitselect(wasm_f32x4_mul(x, SPLAT(8388608.0f)), x, sub);
  v128_t eadj = wasm_v128_and(sub, SPLAT(-23.0f));
  v128_t bits = xs;
  v128_t e = wasm_i32x4_sub(wasm_u32x4_shr(bits, 23), wasm_i32x4_splat(126));
  v128_t m = wasm_v128_or(wasm_v128_and(bits, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x3f000000)); /* [0.5, 1) */
  v128_t ef = wasm_f32x4_add(wasm_f32x4_convert_i32x4(e), eadj);
  v128_t lt = wasm_f32x4_lt(m, SPLAT(0.707106781186547524f));
  /* m < sqrt(1/2): use 2m - 1 and e - 1, else m - 1. */
  v128_t t = wasm_f32x4_sub(wasm_f32x4_add(m, wasm_v128_and(lt, m)), SPLAT(1.0f));
  ef = wasm_f32x4_sub(ef, wasm_v128_and(lt, SPLAT(1.0f)));
  v128_t z = wasm_f32x4_mul(t, t);
  v128_t p = SPLAT(7.0376836292e-2f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), SPLAT(-1.1514610310e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), SPLAT(1.1676998740e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), SPLAT(-1.2420140846e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), SPLAT(1.4249322787e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), SPLAT(-1.6668057665e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), SPLAT(2.0000714765e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), SPLAT(-2.4999993993e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), SPLAT(3.3333331174e-1f));
  v128_t y = wasm_f32x4_mul(wasm_f32x4_mul(p, t), z);
  y = wasm_f32x4_add(y, wasm_f32x4_mul(ef, SPLAT(-2.12194440e-4f)));
  y = wasm_f32x4_sub(y, wasm_f32x4_mul(z, SPLAT(0.5f)));
  y = wasm_f32x4_add(wasm_f32x4_add(t, y), wasm_f32x4_mul(ef, SPLAT(0.693359375f)));
  /* Special inputs. */
  const v128_t inf = SPLAT(__builtin_inff());
  y = wasm_v128_bitselect(SPLAT(-__builtin_inff()), y, wasm_f32x4_eq(x, SPLAT(0.0f)));
  y = wasm_v128_bitselect(inf, y, wasm_f32x4_eq(x, inf));
  v128_t bad = wasm_v128_or(wasm_f32x4_lt(x, SPLAT(0.0f)), wasm_f32x4_ne(x, x));
  y = wasm_v128_bitselect(SPLAT(__builtin_nanf("")), y, bad);
  return y;
}

/* 1 / (1 + e^-x), computed from e^-|x| so tiny results keep full relative precision. */
static inline v128_t v_sigmoid(v128_t x) {
  v128_t e = v_exp(wasm_f32x4_neg(wasm_f32x4_abs(x)));
  v128_t s = wasm_f32x4_div(SPLAT(1.0f), wasm_f32x4_add(SPLAT(1.0f), e));
  v128_t neg = wasm_f32x4_lt(x, SPLAT(0.0f));
  return wasm_v128_bitselect(wasm_f32x4_mul(e, s), s, neg);
}

/* tanh: odd polynomial near 0 (Cephes tanhf), 1 - 2/(e^{2|x|}+1) elsewhere. */
static inline v128_t v_tanh(v128_t x) {
  v128_t ax = wasm_f32x4_abs(x);
  v128_t z = wasm_f32x4_mul(x, x);
  v128_t p = SPLAT(-5.70498872745e-3f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), SPLAT(2.06390887954e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), SPLAT(-5.37397155531e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), SPLAT(1.33314422036e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), SPLAT(-3.33332819422e-1f));
  v128_t small = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, z), x), x);
  v128_t e = v_exp(wasm_f32x4_add(ax, ax));
  v128_t big = wasm_f32x4_sub(SPLAT(1.0f), wasm_f32x4_div(SPLAT(2.0f), wasm_f32x4_add(e, SPLAT(1.0f))));
  /* copy the sign of x onto big */
  const v128_t signmask = wasm_i32x4_splat((int32_t)0x80000000);
  big = wasm_v128_or(big, wasm_v128_and(x, signmask));
  return wasm_v128_bitselect(small, big, wasm_f32x4_lt(ax, SPLAT(0.625f)));
}

#endif
