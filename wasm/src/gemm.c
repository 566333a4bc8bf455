/*
 * SGEMM for WebAssembly SIMD128: C[m×n] (+)= op(A)·op(B), row-major.
 *
 * BLIS-style: op(B) is packed into KC×NR column slivers, op(A) into MR×KC row slivers,
 * so every transA/transB combination runs the same register-blocked micro-kernel on
 * contiguous, unit-stride data (the transposed cases are where tfjs-wasm loses most).
 * The micro-kernel keeps a 4×8 tile of C in 8 v128 registers (V8 on x64 allocates 15 xmm).
 * WASM SIMD128 has no fused multiply-add (relaxed-simd is not on by default in Node 20),
 * so the inner step is mul + add.
 */
#include <wasm_simd128.h>
#include <stddef.h>

#ifndef MR
#define MR 4 /* pack_a assumes 4. 4×8 tile: 8 accumulators; 6×8 needs 16 xmm and V8 reserves one, so it spills */
#endif
#define NR 8
_Static_assert(MR == 4 && NR == 8, "the packing vector paths assume a 4×8 tile");
#ifndef KC
#define KC 256
#endif
#define MC (MR * 20) /* MC×KC floats of packed A = 80 KB, fits L2 */
#ifndef NC
#define NC 2048 /* multiple of NR; KC×NC packed B = 2 MB at most */
#endif

/* Packs op(B)[pc:pc+kc, jc:jc+nc] into NR-wide slivers, zero-padding the last one. */
static void pack_b(float *dst, const float *b, int n, int k, int transB, int pc, int kc, int jc, int nc) {
  for (int j0 = 0; j0 < nc; j0 += NR) {
    int nr = nc - j0 < NR ? nc - j0 : NR;
    if (!transB) {
      const float *src = b + (size_t)pc * n + jc + j0;
      if (nr == NR) {
        for (int p = 0; p < kc; p++) {
          wasm_v128_store(dst, wasm_v128_load(src));
          wasm_v128_store(dst + 4, wasm_v128_load(src + 4));
          src += n;
          dst += NR;
        }
      } else {
        for (int p = 0; p < kc; p++) {
          for (int j = 0; j < NR; j++) dst[j] = j < nr ? src[j] : 0.0f;
          src += n;
          dst += NR;
        }
      }
    } else {
      /* B stored n×k: op(B)[p][j] = b[j*k + p]; read NR rows of B along p. */
      const float *rows[NR];
      for (int j = 0; j < NR; j++) rows[j] = b + (size_t)(jc + j0 + (j < nr ? j : 0)) * k + pc;
      if (nr == NR) {
        int p = 0;
        for (; p + 4 <= kc; p += 4) {
          /* 4×4 transposes: two of them give 4 k-steps of the 8-wide sliver. */
          for (int h = 0; h < 2; h++) {
            v128_t r0 = wasm_v128_load(rows[4 * h + 0] + p);
            v128_t r1 = wasm_v128_load(rows[4 * h + 1] + p);
            v128_t r2 = wasm_v128_load(rows[4 * h + 2] + p);
            v128_t r3 = wasm_v128_load(rows[4 * h + 3] + p);
            v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5);
            v128_t t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
            v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
            v128_t t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
            wasm_v128_store(dst + 0 * NR + 4 * h, wasm_i64x2_shuffle(t0, t2, 0, 2));
            wasm_v128_store(dst + 1 * NR + 4 * h, wasm_i64x2_shuffle(t0, t2, 1, 3));
            wasm_v128_store(dst + 2 * NR + 4 * h, wasm_i64x2_shuffle(t1, t3, 0, 2));
            wasm_v128_store(dst + 3 * NR + 4 * h, wasm_i64x2_shuffle(t1, t3, 1, 3));
          }
          dst += 4 * NR;
        }
        for (; p < kc; p++) {
          for (int j = 0; j < NR; j++) dst[j] = rows[j][p];
          dst += NR;
        }
      } else {
        for (int p = 0; p < kc; p++) {
          for (int j = 0; j < NR; j++) dst[j] = j < nr ? rows[j][p] : 0.0f;
          dst += NR;
        }
      }
    }
  }
}

/*
 * Packs op(A)[ic:ic+mc, pc:pc+kc] into MR-tall slivers (MR values per k step), zero-padded.
 * lda is the row stride of A as stored: k, or the full m of A when transA (a thread may own a row range).
 */
static void pack_a(float *dst, const float *a, int lda, int transA, int ic, int mc, int pc, int kc) {
  for (int i0 = 0; i0 < mc; i0 += MR) {
    int mr = mc - i0 < MR ? mc - i0 : MR;
    if (transA) {
      /* A stored k×m: the MR values of one k step are contiguous. */
      const float *src = a + (size_t)pc * lda + ic + i0;
      if (mr == MR) {
        for (int p = 0; p < kc; p++) {
          wasm_v128_store(dst, wasm_v128_load(src)); /* MR == 4: one vector per k step */
          src += lda;
          dst += MR;
        }
      } else {
        for (int p = 0; p < kc; p++) {
          for (int i = 0; i < MR; i++) dst[i] = i < mr ? src[i] : 0.0f;
          src += lda;
          dst += MR;
        }
      }
    } else {
      const float *rows[MR];
      for (int i = 0; i < MR; i++) rows[i] = a + (size_t)(ic + i0 + (i < mr ? i : 0)) * lda + pc;
      if (mr == MR) {
        int p = 0;
        for (; p + 4 <= kc; p += 4) {
          /* 4×4 transpose: 4 k steps of the 4 rows. */
          v128_t r0 = wasm_v128_load(rows[0] + p), r1 = wasm_v128_load(rows[1] + p);
          v128_t r2 = wasm_v128_load(rows[2] + p), r3 = wasm_v128_load(rows[3] + p);
          v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
          v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
          wasm_v128_store(dst + 0, wasm_i64x2_shuffle(t0, t2, 0, 2));
          wasm_v128_store(dst + 4, wasm_i64x2_shuffle(t0, t2, 1, 3));
          wasm_v128_store(dst + 8, wasm_i64x2_shuffle(t1, t3, 0, 2));
          wasm_v128_store(dst + 12, wasm_i64x2_shuffle(t1, t3, 1, 3));
          dst += 4 * MR;
        }
        for (; p < kc; p++) {
#pragma clang loop unroll(full)
          for (int i = 0; i < MR; i++) dst[i] = rows[i][p];
          dst += MR;
        }
      } else {
        for (int p = 0; p < kc; p++) {
          for (int i = 0; i < MR; i++) dst[i] = i < mr ? rows[i][p] : 0.0f;
          dst += MR;
        }
      }
    }
  }
}

#define FMA(acc, x, y) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(x, y))

/* C tile (MR×NR, row stride ldc) = (beta ? C : 0) + packed A sliver · packed B sliver. */
static void micro_kernel(int kc, const float *restrict pa, const float *restrict pb, float *c, int ldc, int beta) {
  v128_t acc[MR][2];
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = wasm_f32x4_splat(0.0f);
  for (int p = 0; p < kc; p++) {
    v128_t b0 = wasm_v128_load(pb);
    v128_t b1 = wasm_v128_load(pb + 4);
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
      v128_t a = wasm_v128_load32_splat(pa + i);
      FMA(acc[i][0], a, b0);
      FMA(acc[i][1], a, b1);
    }
    pa += MR;
    pb += NR;
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < MR; i++) {
    float *cr = c + i * ldc;
    v128_t x0 = acc[i][0], x1 = acc[i][1];
    if (beta) {
      x0 = wasm_f32x4_add(x0, wasm_v128_load(cr));
      x1 = wasm_f32x4_add(x1, wasm_v128_load(cr + 4));
    }
    wasm_v128_store(cr, x0);
    wasm_v128_store(cr + 4, x1);
  }
}

/*
 * C[m×n] (+)= op(A)·op(B) with caller-provided packing scratch (MC·KC, KC·NC and MR·NR floats),
 * so threads can each run it on their own row range of C.
 */
void sgemm_core(const float *a, int lda, const float *b, float *c, int m, int n, int k, int transA, int transB,
                int accumulate, float *packedA, float *packedB, float *edgeTile) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (size_t i = 0; i < (size_t)m * n; i++) c[i] = 0.0f;
    return;
  }
  for (int jc = 0; jc < n; jc += NC) {
    int nc = n - jc < NC ? n - jc : NC;
    /* Equal k blocks of at most KC (784 = 4 × 196, not 3 × 256 + 16): no thin last block. */
    int kBlocks = (k + KC - 1) / KC;
    int kcStep = (k + kBlocks - 1) / kBlocks;
    for (int pc = 0; pc < k; pc += kcStep) {
      int kc = k - pc < kcStep ? k - pc : kcStep;
      int beta = accumulate || pc > 0;
      pack_b(packedB, b, n, k, transB, pc, kc, jc, nc);
      for (int ic = 0; ic < m; ic += MC) {
        int mc = m - ic < MC ? m - ic : MC;
        pack_a(packedA, a, lda, transA, ic, mc, pc, kc);
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          const float *pb = packedB + (size_t)jr * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            const float *pa = packedA + (size_t)ir * kc;
            float *ct = c + (size_t)(ic + ir) * n + jc + jr;
            if (mr == MR && nr == NR) {
              micro_kernel(kc, pa, pb, ct, n, beta);
            } else {
              micro_kernel(kc, pa, pb, edgeTile, NR, 0);
              for (int i = 0; i < mr; i++)
                for (int j = 0; j < nr; j++)
                  ct[(size_t)i * n + j] = beta ? ct[(size_t)i * n + j] + edgeTile[i * NR + j] : edgeTile[i * NR + j];
            }
          }
        }
      }
    }
  }
}

/* Rows [m0, m1) of the product: the part of C one thread computes. */
void sgemm_rows(const float *a, const float *b, float *c, int m, int n, int k, int transA, int transB, int accumulate,
                int m0, int m1, float *packedA, float *packedB, float *edgeTile) {
  const float *aRows = transA ? a + m0 : a + (size_t)m0 * k;
  int lda = transA ? m : k;
  sgemm_core(aRows, lda, b, c + (size_t)m0 * n, m1 - m0, n, k, transA, transB, accumulate, packedA, packedB, edgeTile);
}

static float mainPackedA[MC * KC] __attribute__((aligned(64)));
static float mainPackedB[KC * NC] __attribute__((aligned(64)));
static float mainEdgeTile[MR * NR] __attribute__((aligned(64)));

/* out[m×n] (+)= op(A)·op(B) on the calling thread. All pointers are byte offsets into linear memory. */
__attribute__((export_name("sgemm")))
void sgemm(const float *a, const float *b, float *c, int m, int n, int k, int transA, int transB, int accumulate) {
  sgemm_rows(a, b, c, m, n, k, transA, transB, accumulate, 0, m, mainPackedA, mainPackedB, mainEdgeTile);
}

#ifdef DEEPTS_THREADS
/*
 * Threaded build only (shared memory): the caller (thread 0, the main thread) posts a job,
 * workers 1..threads-1 each compute a row range of C with their own packing scratch and
 * stack, and the wake-up / completion protocol runs in JS on ctrl[] with Atomics.
 */
#define MAX_WORKERS 3
#define WORKER_STACK_BYTES (256 * 1024)

static float workerPackedA[MAX_WORKERS][MC * KC] __attribute__((aligned(64)));
static float workerPackedB[MAX_WORKERS][KC * NC] __attribute__((aligned(64)));
static float workerEdgeTile[MAX_WORKERS][MR * NR] __attribute__((aligned(64)));
static unsigned char workerStacks[MAX_WORKERS][WORKER_STACK_BYTES] __attribute__((aligned(16)));
static int ctrl[16] __attribute__((aligned(64)));

static struct {
  const float *a, *b;
  float *c;
  int m, n, k, transA, transB, accumulate, threads;
} job;

__attribute__((export_name("thread_ctrl"))) int *thread_ctrl(void) { return ctrl; }
__attribute__((export_name("thread_max_workers"))) int thread_max_workers(void) { return MAX_WORKERS; }
__attribute__((export_name("thread_stack_top")))
unsigned char *thread_stack_top(int worker) { return workerStacks[worker] + WORKER_STACK_BYTES; }

__attribute__((export_name("gemm_job")))
void gemm_job(const float *a, const float *b, float *c, int m, int n, int k, int transA, int transB, int accumulate, int threads) {
  job.a = a; job.b = b; job.c = c; job.m = m; job.n = n; job.k = k;
  job.transA = transA; job.transB = transB; job.accumulate = accumulate; job.threads = threads;
}

/* Thread `index` (0 = caller) computes its share of the posted job: a block of rows, a multiple of MR. */
__attribute__((export_name("gemm_job_part")))
void gemm_job_part(int index) {
  int per = (job.m + job.threads - 1) / job.threads;
  per = (per + MR - 1) / MR * MR;
  int m0 = index * per;
  int m1 = m0 + per < job.m ? m0 + per : job.m;
  if (m0 >= m1) return;
  float *pa = index == 0 ? mainPackedA : workerPackedA[index - 1];
  float *pb = index == 0 ? mainPackedB : workerPackedB[index - 1];
  float *et = index == 0 ? mainEdgeTile : workerEdgeTile[index - 1];
  sgemm_rows(job.a, job.b, job.c, job.m, job.n, job.k, job.transA, job.transB, job.accumulate, m0, m1, pa, pb, et);
}
#endif
