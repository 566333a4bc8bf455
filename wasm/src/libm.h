// The C library the shared kernels (native/kernels.inc) use, for a freestanding wasm32 build:
// Debian's clang has no wasm libc, and the module must import nothing. The double functions
// serve the ops the kernels evaluate in double "exactly like the reference" (gelu, erf, sin,
// expm1, pow, ...): accurate to a few double ulps, far below the float32 result's rounding.
// Natively the same names come from <cmath>.
#pragma once
#include <stddef.h>
#include <stdint.h>

extern "C" {
void* memcpy(void* __restrict dst, const void* __restrict src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int value, size_t n);
}

namespace wasm_libm {

[[noreturn]] static inline void abort() { __builtin_trap(); }

// One instruction each in WebAssembly.
static inline float sqrtf(float x) { return __builtin_sqrtf(x); }
static inline double sqrt(double x) { return __builtin_sqrt(x); }
static inline float floorf(float x) { return __builtin_floorf(x); }
static inline float ceilf(float x) { return __builtin_ceilf(x); }
static inline float nearbyintf(float x) { return __builtin_nearbyintf(x); }  // ties to even
static inline double fabs(double x) { return __builtin_fabs(x); }
static inline double nearbyint(double x) { return __builtin_nearbyint(x); }

static inline double fromBits(uint64_t b) { double d; __builtin_memcpy(&d, &b, 8); return d; }
static inline uint64_t toBits(double d) { uint64_t b; __builtin_memcpy(&b, &d, 8); return b; }

constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;

// 2^k for any integer k in [-1074, 1023] (two factors keep every intermediate normal).
static inline double scale2(double y, int k) {
  if (k > 1023) { y *= fromBits(uint64_t(1023 + 1023) << 52); k -= 1023; }
  if (k < -1022) { y *= fromBits(uint64_t(1) << 52) /* 2^-1022 */; k += 1022; if (k < -1022) k = -1022; }
  return y * fromBits(uint64_t(k + 1023) << 52);
}

// exp(r) - 1 for |r| <= 0.35: Taylor series to r^14 (truncation < 1e-19 relative).
static inline double expm1Small(double r) {
  double p = 1.0 / 87178291200.0;  // 1/14!
  constexpr double inv[] = {1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
                            1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0};
  for (double c : inv) p = p * r + c;
  return p * r;
}

static inline double exp(double x) {
  if (x != x) return x;
  if (x > 709.782712893384) return __builtin_inf();
  if (x < -745.2) return 0.0;
  const double k = __builtin_nearbyint(x * kInvLn2);
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;
  return scale2(1.0 + expm1Small(r), int(k));
}

static inline double expm1(double x) {
  if (x != x) return x;
  if (x > -0.34 && x < 0.34) return expm1Small(x);
  if (x < -40) return -1.0;
  return exp(x) - 1.0;  // |result| > 0.28: the subtraction loses under 2 bits
}

// log(x) = e·ln2 + 2·atanh(s), s = (m - 1)/(m + 1), m in [√½, √2).
static inline double log(double x) {
  if (x != x || x == __builtin_inf()) return x;
  if (x < 0) return __builtin_nan("");
  if (x == 0) return -__builtin_inf();
  int e = 0;
  if (x < 2.2250738585072014e-308) { x *= 18014398509481984.0; e = -54; }  // subnormal: scale by 2^54
  uint64_t b = toBits(x);
  e += int((b >> 52) & 0x7ff) - 1023;
  double m = fromBits((b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);  // [1, 2)
  if (m > 1.4142135623730951) { m *= 0.5; ++e; }
  const double f = m - 1.0, s = f / (2.0 + f), z = s * s;
  double p = 1.0 / 23;
  constexpr double inv[] = {1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13, 1.0 / 11, 1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3};
  for (double c : inv) p = p * z + c;
  // 2·atanh(s) = f - s·(f - 2·z·p·...): written as f - hf + s·(hf + R) to keep f's bits exact.
  const double hf = 0.5 * f * f, R = z * (2.0 * p);
  return e * kLn2Hi + ((f - (hf - s * (hf + R))) + e * kLn2Lo);
}

static inline double log1p(double x) {
  if (x != x) return x;
  const double u = 1.0 + x;
  if (u == 1.0) return x;
  if (u == __builtin_inf()) return u;
  return log(u) * (x / (u - 1.0));  // corrects the rounding of 1 + x (Goldberg)
}

static inline double tanh(double x) {
  if (x != x) return x;
  const double a = fabs(x);
  if (a > 22) return x > 0 ? 1.0 : -1.0;
  const double t = expm1(2 * a);
  const double r = t / (t + 2.0);
  return x < 0 ? -r : r;
}

// sin and cos on [-π/4, π/4] (Taylor to x^17 / x^18), after reduction by π/2 in three parts
// (exact for |x| below ~1e9; deepts' inputs are activations, far below that).
static inline double sinPoly(double x) {
  const double z = x * x;
  double p = 1.0 / 355687428096000.0;  // 1/17!
  constexpr double c[] = {-1.0 / 1307674368000.0, 1.0 / 6227020800.0, -1.0 / 39916800.0, 1.0 / 362880.0,
                          -1.0 / 5040.0, 1.0 / 120.0, -1.0 / 6.0};
  for (double v : c) p = p * z + v;
  return x + x * z * p;
}
static inline double cosPoly(double x) {
  const double z = x * x;
  double p = 1.0 / 6402373705728000.0;  // 1/18!
  constexpr double c[] = {-1.0 / 20922789888000.0, 1.0 / 87178291200.0, -1.0 / 479001600.0, 1.0 / 3628800.0,
                          -1.0 / 40320.0, 1.0 / 720.0, -1.0 / 24.0, 0.5};
  for (double v : c) p = p * z + v;
  return 1.0 - z * p;
}
static inline double reduceHalfPi(double x, int* quadrant) {
  const double k = __builtin_nearbyint(x * 0.63661977236758134308);
  *quadrant = int(int64_t(k) & 3);
  return ((x - k * 1.57079632673412561417) - k * 6.07710050630396597660e-11) - k * 2.02226624879595063154e-21;
}
static inline double sin(double x) {
  if (x != x || fabs(x) == __builtin_inf()) return __builtin_nan("");
  if (x == 0) return x;  // sin(−0) = −0
  int q;
  const double r = reduceHalfPi(x, &q);
  switch (q) {
    case 0: return sinPoly(r);
    case 1: return cosPoly(r);
    case 2: return -sinPoly(r);
    default: return -cosPoly(r);
  }
}
static inline double cos(double x) {
  if (x != x || fabs(x) == __builtin_inf()) return __builtin_nan("");
  int q;
  const double r = reduceHalfPi(x, &q);
  switch (q) {
    case 0: return cosPoly(r);
    case 1: return -sinPoly(r);
    case 2: return -cosPoly(r);
    default: return sinPoly(r);
  }
}

// C99 pow's special cases; otherwise exp(b·log|a|) with the sign of an odd integer power.
static inline double pow(double a, double b) {
  if (b == 0) return 1.0;
  if (a == 1.0) return 1.0;
  if (a != a || b != b) return a + b;
  const double ab = fabs(a), bb = fabs(b);
  const bool bInt = __builtin_floor(b) == b;
  const bool bOdd = bInt && bb < 9007199254740992.0 && __builtin_floor(b * 0.5) != b * 0.5;
  if (bb == __builtin_inf()) {
    if (ab == 1.0) return 1.0;
    return (ab > 1.0) == (b > 0) ? __builtin_inf() : 0.0;
  }
  if (a == 0) {
    if (b > 0) return bOdd ? a : 0.0;
    return bOdd ? 1.0 / a : __builtin_inf();
  }
  if (ab == __builtin_inf()) {
    const double r = b > 0 ? __builtin_inf() : 0.0;
    return a < 0 && bOdd ? -r : r;
  }
  if (a < 0 && !bInt) return __builtin_nan("");
  const double r = exp(b * log(ab));
  return a < 0 && bOdd ? -r : r;
}

}  // namespace wasm_libm

using namespace wasm_libm;
