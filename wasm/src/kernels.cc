// The WASM module: the native backend's kernel source (native/kernels.inc, its SGEMM and the
// op codes generated from src/backend/ops.ts) compiled for wasm32 + SIMD128 at 4 lanes, the
// same vector width and 4×8 GEMM tile as the native 'generic' variant, plus the exports the
// TypeScript loader calls (src/backend/wasm/instance.ts), each running its kernel through the
// plan executor shared with the native addon (native/plan.inc). Pointers are byte offsets into
// linear memory; 0 is null.
#include "libm.h"
#include "../../native/isa.h"
#define DEEPTS_ISA 1
#define DEEPTS_NS isa_wasm
#define DEEPTS_NAME "wasm-simd128"
#define DEEPTS_TABLE kWasmTable
#include "../../native/kernels.inc"

#include "../../native/plan.inc"

using namespace deepts;
using namespace isa_wasm;

#define EXPORT(name) extern "C" __attribute__((export_name(#name)))
#ifdef DEEPTS_PROFILE
// A profiling build only (PROFILE=-DDEEPTS_PROFILE sh wasm/build.sh; never committed): a clock
// imported from JavaScript (ms on one epoch for every thread) and a log of plan ops, job posts and
// tasks per thread, read by bench/chromium-trace.ts.
extern "C" __attribute__((import_module("env"), import_name("now"))) double deepts_now();
static int threadIndex();
struct ProfEvent { double t0, t1; int kind, thread, a, b; };
enum { EV_OP = 1, EV_TASK = 2, EV_POST = 3, EV_WAKE = 4, EV_WAITDONE = 5 };
static ProfEvent g_prof[8192];
static int g_profN = 0;
static void profEvent(int kind, double t0, double t1, int a, int b) {
  const int i = __atomic_fetch_add(&g_profN, 1, __ATOMIC_SEQ_CST);
  if (i < 8192) g_prof[i] = ProfEvent{t0, t1, kind, threadIndex(), a, b};
}
EXPORT(prof_events) ProfEvent* profEvents() { return g_prof; }
EXPORT(prof_count) int profCount() { return g_profN; }
EXPORT(prof_reset) void profReset() { g_profN = 0; }
#define PROF_NOW() deepts_now()
#else
#define PROF_NOW() 0.0
#define profEvent(...) ((void)0)
#endif

// ---- the plan executor's host: everything on the calling thread ---------------------------------

static void serialParallel(int parts, void (*fn)(void*, int), void* ctx) {
  for (int t = 0; t < parts; ++t) fn(ctx, t);
}
static void serialGemm(const GemmArgs& g) { gemm(g, 0, g.m, 0, g.n); }
static void serialGemmPair(const GemmArgs& x, const GemmArgs& y) { serialGemm(x); serialGemm(y); }
static void convGemm(void*, const GemmArgs& g) { serialGemm(g); }
// Every convolution op built here carries its scratch (JavaScript reserves it).
static float* noConvScratch(const ConvGeom&, long*) { __builtin_trap(); }
static const PlanHost kHost{&kWasmTable, 1, serialParallel, serialGemm, serialGemmPair, convGemm, noConvScratch, nullptr, nullptr};
#ifdef DEEPTS_THREADS
// A replayed plan's work on the worker threads too (below); threads set by plan_threads().
static void postedParallel(int parts, void (*fn)(void*, int), void* ctx);
static void postedGemm(const GemmArgs& g);
static void postedGemmPair(const GemmArgs& x, const GemmArgs& y);
static void postedConvGemm(void*, const GemmArgs& g) { postedGemm(g); }
static void postedGemmBiasAct(const GemmArgs& g, const GemmEpilogue& e);
static PlanHost kPlanHost{&kWasmTable, 1, postedParallel, postedGemm, postedGemmPair, postedConvGemm, noConvScratch, nullptr, postedGemmBiasAct};
#else
static const PlanHost& kPlanHost = kHost;
#endif

static void run(const PlanOp& op) { dispatchOp(op, kHost); }

// ---- recorded plans (compiled training steps: src/backend/wasm/plan.ts) -------------------------
//
// JavaScript reserves a block of linear memory for the ops and calls plan_begin(ops, capacity);
// the kernel exports then append their op there instead of running, until plan_end(). The
// buffers the ops point to stay at their addresses for the plan's life (JavaScript keeps them
// reserved), so plan_run replays a whole step in one call.

static PlanOp* g_planOps = nullptr;
static long g_planCount = 0, g_planCapacity = 0;
static bool g_planRecording = false;

bool deepts::planRecording() { return g_planRecording; }
void deepts::planAppend(const PlanOp& op) {
  if (g_planCount < g_planCapacity) g_planOps[g_planCount] = op;
  ++g_planCount;
}

EXPORT(plan_op_bytes) int planOpBytes() { return int(sizeof(PlanOp)); }
EXPORT(plan_begin) void planBegin(PlanOp* ops, int capacity) {
  g_planOps = ops;
  g_planCapacity = capacity;
  g_planCount = 0;
  g_planRecording = true;
}
// Ops recorded so far (-1 when not recording): JavaScript checks each call it replays was recorded.
EXPORT(plan_length) int planLength() { return g_planRecording ? int(g_planCount) : -1; }
// plan_fuse_gemm_loss(0) keeps the output layer's GEMM and loss pass apart in plans recorded
// afterwards (A/B measurements, as the addon's DEEPTS_PLAN_FUSE_GEMM_LOSS=0).
static bool g_fuseGemmLoss = true;
EXPORT(plan_fuse_gemm_loss) void planFuseGemmLoss(int on) { g_fuseGemmLoss = on != 0; }
// Ends the recording: the number of ops, or -1 when they did not fit the capacity given. With
// worker threads, adjacent independent GEMMs become pairs that run one per thread.
EXPORT(plan_end) int planEnd() {
  g_planRecording = false;
  if (g_planCount > g_planCapacity) return -1;
  // As the addon: a Dense forward's biasAct rides in its GEMM (on the threaded build each thread
  // applies it to its own rows as soon as they are done), the output layer's backward in its loss.
  g_planCount = fuseGemmEpilogues(g_planOps, g_planCount);
  g_planCount = fuseLossBackward(g_planOps, g_planCount);
  if (kPlanHost.threads >= 2) {
    g_planCount = pairGemms(g_planOps, g_planCount);
    // As the addon, after pairing: an unpaired weight gradient's GEMM (the first layer's: no input
    // gradient to pair it with) takes its weight's update into its epilogue, each thread updating
    // its own rows of the weight while they are in cache instead of a pass of its own.
    g_planCount = fuseGemmUpdates(g_planOps, g_planCount);
    // As the addon on two or more threads: the output layer's loss and backward in its forward
    // GEMM's epilogue, each row task's rows while they are in its core's cache (on one thread the
    // GEMM would run the epilogue only after all of C: no gain, so two ops there).
    if (g_fuseGemmLoss) g_planCount = fuseGemmLossBackward(g_planOps, g_planCount);
  }
  return int(g_planCount);
}
#ifdef DEEPTS_THREADS
static void planSpinBegin();
static void planSpinEnd();
#else
static void planSpinBegin() {}
static void planSpinEnd() {}
#endif
// A replay is one call; its workers spin for its jobs while it runs (threads.inc: plan_spin).
EXPORT(plan_run) void planRun(const PlanOp* ops, int count) {
  planSpinBegin();
#ifdef DEEPTS_PROFILE
  for (int i = 0; i < count; ++i) {
    const double t0 = PROF_NOW();
    runPlanOp(ops[i], kPlanHost);
    profEvent(EV_OP, t0, PROF_NOW(), i, 0);
  }
#else
  runPlan(ops, count, kPlanHost);
#endif
  planSpinEnd();
}

// ---- kernels: each builds its PlanOp and runs (or records) it -----------------------------------

EXPORT(fill) void fillExport(float* x, int n, float value) {
  PlanOp op = planOp(K_FILL);
  op.fill = {x, n, value};
  run(op);
}

EXPORT(sgemm) void sgemm(const float* a, const float* b, float* c, int m, int n, int k, int transA, int transB, int accumulate) {
  PlanOp op = planOp(K_GEMM);
  op.gemm = GemmArgs{a, b, c, m, n, k, transA != 0, transB != 0, accumulate != 0};
  run(op);
}

EXPORT(unary) void unaryExport(int code, const float* x, float* out, int n, float alpha) {
  PlanOp op = planOp(K_UNARY);
  op.unary = {code, x, out, n, alpha};
  run(op);
}

EXPORT(unary_backward) void unaryBackwardExport(int code, const float* x, const float* y, const float* dy, float* out, int n, float alpha) {
  PlanOp op = planOp(K_UNARY_BACKWARD);
  op.unaryBackward = {code, x, y, dy, out, n, alpha};
  run(op);
}

// out[r, c] = a ∘ b on a rows × cols grid; each operand is addressed as v[r·rowStep·cols + c·colStep]
// (full: 1, 1; row vector: 0, 1) or v[r] (column vector: rowStep 1, colStep 0) or v[0] (scalar: 0, 0),
// i.e. the executor's strided binary op at rank 2.
EXPORT(binary) void binaryExport(int code, const float* a, int aRowStep, int aColStep, const float* b, int bRowStep, int bColStep,
                                 float* out, int rows, int cols) {
  PlanOp op = planOp(K_BINARY);
  auto& o = op.binary;
  o.op = code;
  o.a = a;
  o.b = b;
  o.out = out;
  o.rank = 2;
  o.n = long(rows) * cols;
  o.shape[0] = rows;
  o.shape[1] = cols;
  o.sa[0] = aRowStep ? (aColStep ? cols : 1) : 0;
  o.sa[1] = aColStep;
  o.sb[0] = bRowStep ? (bColStep ? cols : 1) : 0;
  o.sb[1] = bColStep;
  if (o.n > 0) run(op);
}

EXPORT(reduce) void reduceExport(int code, const float* x, int outer, int mid, int inner, float* out) {
  PlanOp op = planOp(K_REDUCE);
  op.reduce = {code, x, out, outer, mid, inner};
  run(op);
}

EXPORT(softmax) void softmaxExport(const float* x, float* out, int rows, int cols, int log) {
  PlanOp op = planOp(K_SOFTMAX);
  op.softmax = {x, out, rows, cols, log != 0};
  run(op);
}

EXPORT(bias_act) void biasActExport(const float* x, const float* bias, int act, float alpha, float* out, int rows, int cols) {
  PlanOp op = planOp(K_BIAS_ACT);
  op.biasAct = {x, bias, act, alpha, out, rows, cols};
  run(op);
}

EXPORT(bias_act_backward) void biasActBackwardExport(const float* y, const float* dy, int act, float alpha, float* dz, float* dbias,
                                                     int rows, int cols) {
  PlanOp op = planOp(K_BIAS_ACT_BACKWARD);
  op.biasActBackward = {y, dy, act, alpha, dz, dbias, rows, cols};
  run(op);
}

// The fused loss: sum[0] = Σ f(p, t) over n elements, grad (0: none) = scale · ∂f/∂p.
EXPORT(pointwise_loss) void pointwiseLossExport(int lossOp, const float* p, const float* t, float* sum, float* grad, int n, float scale) {
  PlanOp op = planOp(K_POINTWISE_LOSS);
  op.loss = {lossOp, p, t, sum, grad, n, scale};
  run(op);
}

// Batch normalization (kernels.ts batchNormStats / batchNorm / batchNormBackward); null pointers are 0.
EXPORT(batch_norm_stats) void batchNormStatsExport(const float* x, float* mean, float* variance, int rows, int cols) {
  PlanOp op = planOp(K_BATCH_NORM_STATS);
  op.bnStats = {x, mean, variance, rows, cols};
  run(op);
}

EXPORT(batch_norm) void batchNormExport(const float* x, const float* gamma, const float* beta, const float* mean, const float* variance, float* y,
                                        int rows, int cols, float epsilon) {
  PlanOp op = planOp(K_BATCH_NORM);
  op.bn = {x, gamma, beta, mean, variance, y, rows, cols, epsilon};
  run(op);
}

EXPORT(batch_norm_backward) void batchNormBackwardExport(const float* dy, const float* x, const float* gamma, const float* mean, const float* variance,
                                                         float* dx, float* dgamma, float* dbeta, int rows, int cols, float epsilon, int training) {
  PlanOp op = planOp(K_BATCH_NORM_BACKWARD);
  op.bnBackward = {dy, x, gamma, mean, variance, dx, dgamma, dbeta, rows, cols, epsilon, training != 0};
  run(op);
}

// Dropout of n elements that are stream elements base .. base + n − 1 (a chunk of a larger
// tensor); key: two int32 words, read when the op runs (a recorded plan sees each step's key).
EXPORT(dropout) void dropoutExport(const float* x, float* out, int n, double base, const int32_t* key, double rate) {
  PlanOp op = planOp(K_DROPOUT);
  auto& d = op.dropout;
  d.x = x; d.out = out; d.n = n; d.base = long(base); d.key = key;
  dropoutParams(rate, &d.threshold, &d.scale);
  if (n > 0) run(op);
}

// h: hLen floats, or (hLive non-null) hLen doubles read when the update runs, so a recorded
// update follows the step count and learning-rate schedule the optimizer writes there.
EXPORT(optimizer_step) void optimizerStepExport(int rule, float* w, const float* g, float* s0, float* s1, float* s2, const float* h,
                                                const double* hLive, int hLen, int n) {
  PlanOp op = planOp(K_OPTIMIZER);
  auto& o = op.optimizer;
  o.rule = rule;
  o.w = w;
  o.g = g;
  o.s[0] = s0;
  o.s[1] = s1;
  o.s[2] = s2;
  o.hLive = hLive;
  o.hLen = hLen < 8 ? hLen : 8;
  for (int i = 0; i < o.hLen && h; ++i) o.h[i] = h[i];
  o.n = n;
  run(op);
}

// Convolutions and pooling: `geom` points to the 15 int32 of conv2dGeometryFields (src/backend/
// conv-geometry.ts), `col` to a scratch of colFloats floats. The GEMMs run on the calling thread.
static ConvGeom convGeom(const int* v) {
  return ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], kConvWinogradAuto};
}
static void conv(PlanCode code, const int* geom, const float* a, const float* b, float* out, float* col, int colFloats) {
  PlanOp op = planOp(code);
  op.conv = {convGeom(geom), a, b, out, col, colFloats, nullptr};
  run(op);
}

EXPORT(conv2d) void conv2dExport(const float* x, const float* w, float* out, const int* geom, float* col, int colFloats) {
  conv(K_CONV2D, geom, x, w, out, col, colFloats);
}
EXPORT(conv2d_backprop_input) void conv2dBackpropInputExport(const float* dy, const float* w, float* dx, const int* geom, float* col, int colFloats) {
  conv(K_CONV2D_BACKPROP_INPUT, geom, dy, w, dx, col, colFloats);
}
EXPORT(conv2d_backprop_filter) void conv2dBackpropFilterExport(const float* x, const float* dy, float* dw, const int* geom, float* col, int colFloats) {
  conv(K_CONV2D_BACKPROP_FILTER, geom, x, dy, dw, col, colFloats);
}
EXPORT(pool2d) void pool2dExport(int code, const float* x, float* out, const int* geom) {
  PlanOp op = planOp(K_POOL2D);
  op.pool = {code, convGeom(geom), x, nullptr, nullptr, out};
  run(op);
}
EXPORT(pool2d_backward) void pool2dBackwardExport(int code, const float* x, const float* y, const float* dy, float* dx, const int* geom) {
  PlanOp op = planOp(K_POOL2D_BACKWARD);
  op.pool = {code, convGeom(geom), x, y, dy, dx};
  run(op);
}

// The conv epilogue fused with max pooling (native/conv-pool.inc): act is U_RELU or U_LINEAR and
// geom a non-overlapping valid pooling (checked by the caller, src/backend/wasm/kernels.ts);
// idx holds one byte per pooled value.
EXPORT(bias_act_pool) void biasActPoolExport(int act, const float* z, const float* bias, float* out, unsigned char* idx, const int* geom) {
  PlanOp op = planOp(K_BIAS_ACT_POOL);
  auto& p = op.biasPool;
  p.act = act;
  p.c = convGeom(geom);
  p.z = z;
  p.bias = bias;
  p.out = out;
  p.idx = idx;
  run(op);
}
EXPORT(bias_act_pool_backward) void biasActPoolBackwardExport(int act, const float* y, const float* dy, const unsigned char* idx, float* dz,
                                                              float* dbias, const int* geom) {
  PlanOp op = planOp(K_BIAS_ACT_POOL_BACKWARD);
  auto& p = op.biasPool;
  p.act = act;
  p.c = convGeom(geom);
  p.y = y;
  p.dy = dy;
  p.idx = const_cast<unsigned char*>(idx);
  p.out = dz;
  p.dbias = dbias;
  run(op);
}

// A few-tap convolution with that epilogue and pooling (checked by the caller): forward, and
// the filter and bias gradients.
static PlanOp convPoolOp(PlanCode code, int act, const int* geom, int pH, int pW) {
  PlanOp op = planOp(code);
  auto& p = op.convPool;
  p.act = act;
  p.c = convGeom(geom);
  p.pH = pH;
  p.pW = pW;
  return op;
}

EXPORT(conv_bias_act_pool) void convBiasActPoolExport(int act, const float* x, const float* w, const float* bias, float* out, unsigned char* idx,
                                                      const int* geom, int pH, int pW) {
  PlanOp op = convPoolOp(K_CONV_POOL, act, geom, pH, pW);
  auto& p = op.convPool;
  p.x = x;
  p.w = w;
  p.bias = bias;
  p.out = out;
  p.idx = idx;
  run(op);
}
EXPORT(conv_bias_act_pool_filter) void convBiasActPoolFilterExport(int act, const float* x, const float* y, const float* dy, const unsigned char* idx,
                                                                   float* dw, float* dbias, const int* geom, int pH, int pW) {
  PlanOp op = convPoolOp(K_CONV_POOL_FILTER, act, geom, pH, pW);
  auto& p = op.convPool;
  p.x = x;
  p.y = y;
  p.dy = dy;
  p.idx = const_cast<unsigned char*>(idx);
  p.dw = dw;
  p.dbias = dbias;
  run(op);
}

#include "threads.inc"
