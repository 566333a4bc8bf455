// The WASM module: the native backend's kernel source (native/kernels.inc, its SGEMM and the
// op codes generated from src/backend/ops.ts) compiled for wasm32 + SIMD128 at 4 lanes, the
// same vector width and 4×8 GEMM tile as the native 'generic' variant, plus the exports the
// TypeScript loader calls (src/backend/wasm/instance.ts). Pointers are byte offsets into
// linear memory; 0 is null.
#include "libm.h"
#include "../../native/isa.h"
#define DEEPTS_ISA 1
#define DEEPTS_NS isa_wasm
#define DEEPTS_NAME "wasm-simd128"
#define DEEPTS_TABLE kWasmTable
#include "../../native/kernels.inc"

using namespace deepts;
using namespace isa_wasm;

#define EXPORT(name) extern "C" __attribute__((export_name(#name)))

EXPORT(sgemm) void sgemm(const float* a, const float* b, float* c, int m, int n, int k, int transA, int transB, int accumulate) {
  const GemmArgs g{a, b, c, m, n, k, transA != 0, transB != 0, accumulate != 0};
  gemm(g, 0, m, 0, n);
}

EXPORT(unary) void unaryExport(int op, const float* x, float* out, int n, float alpha) { unary(op, x, out, n, alpha); }

EXPORT(unary_backward) void unaryBackwardExport(int op, const float* x, const float* y, const float* dy, float* out, int n, float alpha) {
  unaryBackward(op, x, y, dy, out, n, alpha);
}

// out[r, c] = a ∘ b on a rows × cols grid; each operand is addressed as v[r·rowStep·cols + c·colStep]
// (full: 1, 1; row vector: 0, 1) or v[r] (column vector: rowStep 1, colStep 0) or v[0] (scalar: 0, 0).
EXPORT(binary) void binaryExport(int op, const float* a, int aRowStep, int aColStep, const float* b, int bRowStep, int bColStep,
                                 float* out, int rows, int cols) {
  for (int r = 0; r < rows; ++r) {
    const float* ar = aColStep ? a + (aRowStep ? long(r) * cols : 0) : a + (aRowStep ? r : 0);
    const float* br = bColStep ? b + (bRowStep ? long(r) * cols : 0) : b + (bRowStep ? r : 0);
    float* o = out + long(r) * cols;
    if (aColStep && bColStep) binaryVV(op, ar, br, o, cols);
    else if (aColStep) binaryVS(op, ar, *br, o, cols);
    else if (bColStep) binarySV(op, *ar, br, o, cols);
    else { binaryVV(op, ar, br, o, 1); for (int j = 1; j < cols; ++j) o[j] = o[0]; }
  }
}

EXPORT(reduce) void reduceExport(int op, const float* x, int outer, int mid, int inner, float* out) {
  reduce(op, x, out, outer, mid, inner, 0, outer);
}

EXPORT(softmax) void softmaxExport(const float* x, float* out, int rows, int cols, int log) { softmax(x, out, cols, 0, rows, log != 0); }

EXPORT(bias_act) void biasActExport(const float* x, const float* bias, int act, float alpha, float* out, int rows, int cols) {
  biasAct(x, bias, act, alpha, out, cols, 0, rows);
}

EXPORT(bias_act_backward) void biasActBackwardExport(const float* y, const float* dy, int act, float alpha, float* dz, float* dbias,
                                                     int rows, int cols) {
  biasActBackward(y, dy, act, alpha, dz, dbias, rows, cols, 0, cols);
}

EXPORT(optimizer_step) void optimizerStepExport(int rule, float* w, const float* g, float* s0, float* s1, float* s2, const float* h, int n) {
  optimizerStep(rule, w, g, s0, s1, s2, h, 0, n);
}

// Convolutions and pooling: `geom` points to the 15 int32 of conv2dGeometryFields (src/backend/
// conv-geometry.ts), `col` to a scratch of colFloats floats. The GEMMs run on the calling thread.
static ConvGeom convGeom(const int* v) {
  return ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
}
static void serialGemm(void*, const GemmArgs& g) { gemm(g, 0, g.m, 0, g.n); }

EXPORT(conv2d) void conv2dExport(const float* x, const float* w, float* out, const int* geom, float* col, int colFloats) {
  conv2d(convGeom(geom), x, w, out, col, colFloats, serialGemm, nullptr);
}
EXPORT(conv2d_backprop_input) void conv2dBackpropInputExport(const float* dy, const float* w, float* dx, const int* geom, float* col, int colFloats) {
  conv2dBackpropInput(convGeom(geom), dy, w, dx, col, colFloats, serialGemm, nullptr);
}
EXPORT(conv2d_backprop_filter) void conv2dBackpropFilterExport(const float* x, const float* dy, float* dw, const int* geom, float* col, int colFloats) {
  conv2dBackpropFilter(convGeom(geom), x, dy, dw, col, colFloats, serialGemm, nullptr);
}
EXPORT(pool2d) void pool2dExport(int op, const float* x, float* out, const int* geom) {
  const ConvGeom c = convGeom(geom);
  pool2d(op, c, x, out, 0, c.batch);
}
EXPORT(pool2d_backward) void pool2dBackwardExport(int op, const float* x, const float* y, const float* dy, float* dx, const int* geom) {
  const ConvGeom c = convGeom(geom);
  pool2dBackward(op, c, x, y, dy, dx, 0, c.batch);
}

// ---- packing buffers and GEMM threads ----------------------------------------------------------

#ifdef DEEPTS_THREADS
#define MAX_WORKERS 3
#else
#define MAX_WORKERS 0
#endif
#define WORKER_STACK_BYTES (256 * 1024)
constexpr size_t kPackFloats[2] = {size_t(KC) * NC, size_t(KC) * ((MC + MR - 1) / MR) * MR};

alignas(64) static float packedB[MAX_WORKERS + 1][kPackFloats[0]];
alignas(64) static float packedA[MAX_WORKERS + 1][kPackFloats[1]];

#ifdef DEEPTS_THREADS
alignas(16) static unsigned char workerStacks[MAX_WORKERS][WORKER_STACK_BYTES];
#endif

// Which thread runs: workers run on their own stacks (thread_stack_top), the caller on the
// module's stack, so the address of a local variable says which buffers are this thread's.
static int threadIndex() {
#ifdef DEEPTS_THREADS
  volatile char probe = 0;
  const uintptr_t sp = uintptr_t(&probe), base = uintptr_t(workerStacks);
  if (sp >= base && sp < base + sizeof(workerStacks)) return 1 + int((sp - base) / WORKER_STACK_BYTES);
#endif
  return 0;
}

extern "C" float* deepts_wasm_pack_buffer(int which, size_t floats) {
  if (floats > kPackFloats[which]) __builtin_trap();  // gemm() blocks by KC, MC and NC: cannot happen
  return which == 0 ? packedB[threadIndex()] : packedA[threadIndex()];
}

#ifdef DEEPTS_THREADS
// Threaded build only (shared memory): the caller (thread 0) posts a job, workers 1..threads-1
// each compute a block of rows of C with their own packing buffers and stack; the wake-up and
// completion protocol runs in JS on ctrl[] with Atomics (src/backend/wasm/threads.ts).
alignas(64) static int ctrl[16];
static struct {
  GemmArgs g;
  int threads;
} job;

EXPORT(thread_ctrl) int* thread_ctrl() { return ctrl; }
EXPORT(thread_max_workers) int thread_max_workers() { return MAX_WORKERS; }
EXPORT(thread_stack_top) unsigned char* thread_stack_top(int worker) { return workerStacks[worker] + WORKER_STACK_BYTES; }

EXPORT(gemm_job) void gemm_job(const float* a, const float* b, float* c, int m, int n, int k, int transA, int transB, int accumulate,
                               int threads) {
  job.g = GemmArgs{a, b, c, m, n, k, transA != 0, transB != 0, accumulate != 0};
  job.threads = threads;
}

// Thread `index` (0 = caller) computes its share of the posted job: a block of rows, a multiple of MR.
EXPORT(gemm_job_part) void gemm_job_part(int index) {
  const long m = job.g.m;
  long per = (m + job.threads - 1) / job.threads;
  per = (per + MR - 1) / MR * MR;
  const long m0 = index * per, m1 = m0 + per < m ? m0 + per : m;
  if (m0 < m1) gemm(job.g, m0, m1, 0, job.g.n);
}
#endif
