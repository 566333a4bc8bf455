// Portable SIMD vocabulary for one instruction set, chosen by DEEPTS_ISA before inclusion:
//   3 = AVX-512 (16 lanes), 2 = AVX2+FMA (8 lanes), 1 = portable 128-bit compiler vectors
//   (SSE2 on x86-64, NEON on arm64). Written with GCC/Clang vector extensions so that every
//   ISA compiles from the SAME source: the AVX-512 path, which cannot be run on every
//   development machine, differs from the tested AVX2 path only in the vector width.
#pragma once
#include <stdint.h>

#if DEEPTS_ISA == 3
#define DEEPTS_W 16
#elif DEEPTS_ISA == 2
#define DEEPTS_W 8
#else
#define DEEPTS_W 4
#endif

namespace DEEPTS_NS {

constexpr int W = DEEPTS_W;
typedef float vf __attribute__((vector_size(W * 4)));
typedef int32_t vi __attribute__((vector_size(W * 4)));
typedef float vf_u __attribute__((vector_size(W * 4), aligned(4)));  // unaligned access

static inline vf load(const float* p) { return *reinterpret_cast<const vf_u*>(p); }
static inline void store(float* p, vf v) { *reinterpret_cast<vf_u*>(p) = v; }
static inline vf loada(const float* p) { return *reinterpret_cast<const vf*>(p); }
// Broadcast as a full initializer list: GCC turns it into one vbroadcastss (a loop or
// `vf{} + x` become element inserts or a real add of 0.0f).
static inline vf bcast(float x) {
#if DEEPTS_W == 16
  return vf{x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x};
#elif DEEPTS_W == 8
  return vf{x, x, x, x, x, x, x, x};
#else
  return vf{x, x, x, x};
#endif
}
static inline vf asf(vi v) { return reinterpret_cast<vf>(v); }
static inline vi asi(vf v) { return reinterpret_cast<vi>(v); }
static inline vf vmax(vf a, vf b) { return a > b ? a : b; }
static inline vf vmin(vf a, vf b) { return a < b ? a : b; }
static inline vf vabs(vf a) { return asf(asi(a) & 0x7fffffff); }

// c + a·b, the GEMM micro-kernel's step: one fused instruction where the target has one.
// Native builds get FMA by contraction (g++'s default -ffp-contract=fast with -mfma). The WASM
// build compiled with -mrelaxed-simd uses relaxed SIMD's madd, which engines run as one FMA
// where the CPU has it (fused or not is the engine's choice: results may differ in the last
// bit, within the tolerance every backend is tested to); plain SIMD128 multiplies and adds.
static inline vf madd(vf a, vf b, vf c) {
#if defined(__wasm__) && defined(__wasm_relaxed_simd__)
  return __builtin_wasm_relaxed_madd_f32x4(a, b, c);
#else
  return a * b + c;
#endif
}

static inline float hsum(vf v) {
  float s = 0;
  for (int i = 0; i < W; ++i) s += v[i];
  return s;
}
static inline float hmax(vf v) {
  float s = v[0];
  for (int i = 1; i < W; ++i) s = v[i] > s ? v[i] : s;
  return s;
}

// 2^n for an integer vector n in [-126, 127] (exact, via the exponent field).
static inline vf pow2i(vi n) { return asf((n + 127) << 23); }

// The constants of vexp, as vectors. V8 materialises every WebAssembly v128.const where it is
// used (several instructions each, inside the loop: clang counts them free), so loops over many
// vectors take them from expConsts(), which on WASM reads them from memory once, out of clang's
// sight: the loop then keeps them in registers or spill slots. The maths is the same either way
// (bit-identical results); sigmoid over 256×784 floats in Chromium, one thread: 696 -> 404 µs.
struct ExpConsts {
  vf hi, lo, log2e, shifter, ln2hi, ln2lo, p0, p1, p2, p3, p4, p5, one, inf;
  vi shifterBits, bias;
};
// A constant vector for a loop body (see ExpConsts): read out of clang's sight on WASM.
static inline vf vkeep(float x) {
#ifdef __wasm__
  volatile float v = x;
  return bcast(v);
#else
  return bcast(x);
#endif
}
#ifdef __wasm__
static volatile const float kExpConstTable[14] = {88.72283935546875f, -104.0f, 1.44269504088896341f, 12582912.0f, 0.693359375f, -2.12194440e-4f,
  1.9875691500E-4f, 1.3981999507E-3f, 8.3334519073E-3f, 4.1665795894E-2f, 1.6666665459E-1f, 5.0000001201E-1f, 1.0f, __builtin_inff()};
static volatile const int32_t kExpConstInts[2] = {0x4B400000, 127};
static inline ExpConsts expConsts() {
  const volatile float* f = kExpConstTable;
  const volatile int32_t* i = kExpConstInts;
  const int32_t s = i[0], b = i[1];
  return ExpConsts{bcast(f[0]), bcast(f[1]), bcast(f[2]), bcast(f[3]), bcast(f[4]), bcast(f[5]), bcast(f[6]), bcast(f[7]),
                   bcast(f[8]), bcast(f[9]), bcast(f[10]), bcast(f[11]), bcast(f[12]), bcast(f[13]), vi{} + s, vi{} + b};
}
#else
static inline ExpConsts expConsts() {
  return ExpConsts{bcast(88.72283935546875f), bcast(-104.0f), bcast(1.44269504088896341f), bcast(12582912.0f), bcast(0.693359375f),
                   bcast(-2.12194440e-4f), bcast(1.9875691500E-4f), bcast(1.3981999507E-3f), bcast(8.3334519073E-3f),
                   bcast(4.1665795894E-2f), bcast(1.6666665459E-1f), bcast(5.0000001201E-1f), bcast(1.0f), bcast(__builtin_inff()),
                   vi{} + 0x4B400000, vi{} + 127};
}
#endif

// exp(x), Cephes expf polynomial, relative error ~1e-7 down to the smallest normal float; below
// it results are subnormal and rounded once, like float32(Math.exp(x)) (2^n is applied as two
// normal factors 2^⌊n/2⌋·2^⌈n/2⌉, n in [-150, 128]); exp(x < -104) = 0; NaN propagates;
// overflow gives +inf. Every backend computes exp this way (the WASM build compiles this file).
static inline vf vexp(vf x, const ExpConsts& k) {
  vf xc = vmin(vmax(x, k.lo), k.hi);
  // Round to nearest by adding 1.5·2^23: t holds n in its low mantissa bits (t in [2^23, 2^24), ulp 1),
  // so the integer is t's bits minus 1.5·2^23's, no float-to-int conversion (WASM's saturating one
  // is ~7 instructions under V8).
  const vf t = xc * k.log2e + k.shifter;
  vf n = t - k.shifter;
  vf r = xc - n * k.ln2hi;
  r = r - n * k.ln2lo;
  vf p = k.p0;
  p = p * r + k.p1;
  p = p * r + k.p2;
  p = p * r + k.p3;
  p = p * r + k.p4;
  p = p * r + k.p5;
  vf y = p * (r * r) + r + k.one;
  const vi ni = asi(t) - k.shifterBits, n1 = ni >> 1;
  // 2^n1 · 2^(ni − n1), each exact via the exponent field (pow2i).
  y = y * asf((n1 + k.bias) << 23) * asf((ni - n1 + k.bias) << 23);
  // One unordered compare catches both x > hi (-> +inf) and NaN (-> NaN): x + inf is either.
  return ~(x <= k.hi) ? x + k.inf : y;
}
static inline vf vexp(vf x) { return vexp(x, expConsts()); }

// log(x), Cephes logf, relative error ~1e-7; log(0) = -inf, log(<0) = NaN, log(inf) = inf.
static inline vf vlog(vf x) {
  vi tiny = x < 1.17549435e-38f;  // subnormals: scale into the normal range first
  vf xs = tiny ? x * 8388608.0f : x;
  vi bits = asi(xs);
  vf e = __builtin_convertvector(((bits >> 23) & 0xff) - 126, vf);
  e = tiny ? e - 23.0f : e;
  vf m = asf((bits & 0x007fffff) | 0x3f000000);  // mantissa in [0.5, 1)
  vi small = m < 0.707106781186547524f;
  e = small ? e - 1.0f : e;
  m = small ? m + m - 1.0f : m - 1.0f;
  vf z = m * m;
  vf p = bcast(7.0376836292E-2f);
  p = p * m - 1.1514610310E-1f;
  p = p * m + 1.1676998740E-1f;
  p = p * m - 1.2420140846E-1f;
  p = p * m + 1.4249322787E-1f;
  p = p * m - 1.6668057665E-1f;
  p = p * m + 2.0000714765E-1f;
  p = p * m - 2.4999993993E-1f;
  p = p * m + 3.3333331174E-1f;
  vf y = p * m * z;
  y = y + e * -2.12194440e-4f;
  y = y - z * 0.5f;
  vf r = m + y + e * 0.693359375f;
  r = x == __builtin_inff() ? x : r;
  r = x == 0.0f ? bcast(-__builtin_inff()) : r;
  r = x < 0.0f ? bcast(__builtin_nanf("")) : r;
  return x != x ? x : r;
}

// tanh(x): odd polynomial near 0 (no cancellation), 1 - 2/(e^{2|x|}+1) elsewhere (Cephes tanhf).
static inline vf vtanh(vf x, const ExpConsts& k) {
  vf ax = vabs(x);
  vf z = x * x;
  vf p = bcast(-5.70498872745E-3f);
  p = p * z + 2.06390887954E-2f;
  p = p * z - 5.37397155531E-2f;
  p = p * z + 1.33314422036E-1f;
  p = p * z - 3.33332819422E-1f;
  vf small = p * z * x + x;
  vf big = 1.0f - 2.0f / (vexp(ax + ax, k) + 1.0f);
  big = asf(asi(big) | (asi(x) & (int32_t)0x80000000));
  return ax < 0.625f ? (x == 0.0f ? x : small) : big;  // tanh(−0) = −0 (the polynomial gives +0)
}

static inline vf vtanh(vf x) { return vtanh(x, expConsts()); }

// sigmoid(x) without cancellation or overflow on either side.
static inline vf vsigmoid(vf x, const ExpConsts& k) {
  vf e = vexp(-vabs(x), k);
  vf s = k.one / (k.one + e);
  return x >= 0.0f ? s : e * s;
}
static inline vf vsigmoid(vf x) { return vsigmoid(x, expConsts()); }

}  // namespace DEEPTS_NS
