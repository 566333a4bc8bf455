/* Reductions over the middle axis of an [outer, mid, inner] view, and row-wise softmax. */
#include "ops.h"
#include "vmath.h"

static inline v128_t lo_f64(v128_t v) { return wasm_f64x2_promote_low_f32x4(v); }
static inline v128_t hi_f64(v128_t v) { return wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(v, v, 1, 0)); }

/* Σ of n contiguous floats, accumulated in double. */
static double sum_row(const float *x, int n) {
  v128_t s0 = wasm_f64x2_splat(0.0), s1 = s0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    s0 = wasm_f64x2_add(s0, lo_f64(v));
    s1 = wasm_f64x2_add(s1, hi_f64(v));
  }
  s0 = wasm_f64x2_add(s0, s1);
  double s = wasm_f64x2_extract_lane(s0, 0) + wasm_f64x2_extract_lane(s0, 1);
  for (; i < n; i++) s += x[i];
  return s;
}

static float max_row(const float *x, int n, int isMin) {
  v128_t m = wasm_v128_load32_splat(x);
  int i = 0;
  if (isMin) for (; i + 4 <= n; i += 4) m = wasm_f32x4_min(m, wasm_v128_load(x + i));
  else for (; i + 4 <= n; i += 4) m = wasm_f32x4_max(m, wasm_v128_load(x + i));
  float r = wasm_f32x4_extract_lane(m, 0);
  float lanes[3] = {wasm_f32x4_extract_lane(m, 1), wasm_f32x4_extract_lane(m, 2), wasm_f32x4_extract_lane(m, 3)};
  for (int l = 0; l < 3; l++) {
    float v = lanes[l];
    if (v != v || r != r) r = r != r ? r : v; /* NaN propagates, as wasm min/max do */
    else r = isMin ? (v < r ? v : r) : (v > r ? v : r);
  }
  for (; i < n; i++) {
    float v = x[i];
    if (v != v || r != r) r = r != r ? r : v;
    else r = isMin ? (v < r ? v : r) : (v > r ? v : r);
  }
  return r;
}

/*
 * out[o, i] = reduce_m x[o, m, i]  (mid ≥ 1). Sums accumulate in double in `acc`
 * (inner + 4 doubles of scratch). The inner loop overruns into the next o block of out,
 * which is rewritten later; x and acc are padded.
 */
__attribute__((export_name("reduce")))
void reduce(int op, const float *x, int outer, int mid, int inner, float *out, double *acc) {
  if (inner == 1) {
    for (int o = 0; o < outer; o++) {
      const float *xr = x + (long)o * mid;
      out[o] = op == R_SUM ? (float)sum_row(xr, mid) : max_row(xr, mid, op == R_MIN);
    }
    return;
  }
  for (int o = 0; o < outer; o++) {
    const float *xo = x + (long)o * mid * inner;
    float *outo = out + (long)o * inner;
    if (op == R_SUM) {
      for (int i = 0; i < inner; i += 4) {
        v128_t v = wasm_v128_load(xo + i);
        wasm_v128_store(acc + i, lo_f64(v));
        wasm_v128_store(acc + i + 2, hi_f64(v));
      }
      for (int m = 1; m < mid; m++) {
        const float *xm = xo + (long)m * inner;
        for (int i = 0; i < inner; i += 4) {
          v128_t v = wasm_v128_load(xm + i);
          wasm_v128_store(acc + i, wasm_f64x2_add(wasm_v128_load(acc + i), lo_f64(v)));
          wasm_v128_store(acc + i + 2, wasm_f64x2_add(wasm_v128_load(acc + i + 2), hi_f64(v)));
        }
      }
      for (int i = 0; i < inner; i += 4) {
        v128_t l = wasm_f32x4_demote_f64x2_zero(wasm_v128_load(acc + i));
        v128_t h = wasm_f32x4_demote_f64x2_zero(wasm_v128_load(acc + i + 2));
        wasm_v128_store(outo + i, wasm_i64x2_shuffle(l, h, 0, 2));
      }
    } else {
      for (int i = 0; i < inner; i += 4) wasm_v128_store(outo + i, wasm_v128_load(xo + i));
      for (int m = 1; m < mid; m++) {
        const float *xm = xo + (long)m * inner;
        if (op == R_MIN) for (int i = 0; i < inner; i += 4)
          wasm_v128_store(outo + i, wasm_f32x4_min(wasm_v128_load(outo + i), wasm_v128_load(xm + i)));
        else for (int i = 0; i < inner; i += 4)
          wasm_v128_store(outo + i, wasm_f32x4_max(wasm_v128_load(outo + i), wasm_v128_load(xm + i)));
      }
    }
  }
}

/* Row-wise (log-)softmax, max-subtracted. The last partial vector of a row is padded with -inf. */
__attribute__((export_name("softmax")))
void softmax(const float *x, float *out, int rows, int cols, int logSoftmax) {
  float tail[4] __attribute__((aligned(16)));
  int full = cols & ~3;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * cols;
    float *outr = out + (long)r * cols;
    v128_t mx = SPLAT(max_row(xr, cols, 0));
    v128_t s0 = wasm_f64x2_splat(0.0), s1 = s0;
    for (int c = 0; c < full; c += 4) {
      v128_t e = v_exp(wasm_f32x4_sub(wasm_v128_load(xr + c), mx));
      if (!logSoftmax) wasm_v128_store(outr + c, e);
      s0 = wasm_f64x2_add(s0, lo_f64(e));
      s1 = wasm_f64x2_add(s1, hi_f64(e));
    }
    v128_t et = SPLAT(0.0f);
    if (full < cols) {
      for (int j = 0; j < 4; j++) tail[j] = full + j < cols ? xr[full + j] : -__builtin_inff();
      et = v_exp(wasm_f32x4_sub(wasm_v128_load(tail), mx));
      s0 = wasm_f64x2_add(s0, lo_f64(et));
      s1 = wasm_f64x2_add(s1, hi_f64(et));
    }
    s0 = wasm_f64x2_add(s0, s1);
    double sum64 = wasm_f64x2_extract_lane(s0, 0) + wasm_f64x2_extract_lane(s0, 1);
    float sum = (float)sum64;
    if (logSoftmax) {
      /* lse = max + log(sum) in double: log(sum) = log(f32 sum) + relative rounding of the f32 sum,
         so rows dominated by one logit (lse ≈ max) keep their tiny outputs accurate. */
      double logSum = (double)wasm_f32x4_extract_lane(v_log(SPLAT(sum)), 0) + (sum64 - (double)sum) / (double)sum;
      v128_t lse = wasm_f64x2_splat((double)wasm_f32x4_extract_lane(mx, 0) + logSum);
      for (int c = 0; c < cols; c += 4) {
        v128_t v = wasm_v128_load(xr + c);
        v128_t l = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_sub(lo_f64(v), lse));
        v128_t h = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_sub(hi_f64(v), lse));
        wasm_v128_store(outr + c, wasm_i64x2_shuffle(l, h, 0, 2));
      }
    } else {
      v128_t inv = SPLAT(sum);
      for (int c = 0; c < full; c += 4) wasm_v128_store(outr + c, wasm_f32x4_div(wasm_v128_load(outr + c), inv));
      if (full < cols) {
        wasm_v128_store(tail, wasm_f32x4_div(et, inv));
        for (int j = 0; full + j < cols; j++) outr[full + j] = tail[j];
      }
    }
  }
}
