// The N-API module of deepts' native backend. Kernels work zero-copy on the Float32Array
// memory passed from JavaScript; arguments are validated first (napi-args.inc) so that bad
// input gives a clear JS exception instead of a crash. Each kernel entry point
// (kernel-entries.inc, conv-entries.inc) turns its call into a PlanOp and runs it with the
// shared executor (plan.inc), or records it into a plan (the plan entry points here). The instruction set
// is chosen once at load time from the CPU's features (DEEPTS_NATIVE_ISA overrides; setIsa()
// switches for tests); the pool, the GEMM driver and the plan storage are in host.inc.
#include <node_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <time.h>
#include <vector>
#if defined(__linux__)
#include <sys/mman.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif
#endif

#include "arg_check.h"
#include "isa.h"
#include "threadpool.h"
#include "plan.inc"

namespace deepts {

namespace {

// Which inputs unaryBackward reads for each op (the others may be empty arrays): from the op table.
bool backwardReadsX(int op) { return (kUnaryBackwardReads[op] & 1) != 0; }
bool backwardReadsY(int op) { return (kUnaryBackwardReads[op] & 2) != 0; }

#include "host.inc"

#include "napi-args.inc"

// ---- recorded plans (compiled training steps, src/train/compiled-step.ts) -----------------

napi_value BeginPlan(napi_env env, napi_callback_info) {
  delete g_recording;
  g_recording = new std::vector<PlanOp>();
  return undefined(env);
}

// The number of kernels recorded so far (JavaScript checks each call it replays was recorded).
napi_value PlanLength(napi_env env, napi_callback_info) {
  napi_value v;
  napi_create_double(env, g_recording ? double(g_recording->size()) : -1, &v);
  return v;
}

// A recorded plan and, for planProfile(), the time each of its ops took over the replays
// that ran while profiling was on.
struct RecordedPlan {
  std::vector<PlanOp> ops;
  std::vector<double> seconds, cpuSeconds;
  long runs = 0;
};

// DEEPTS_PLAN_PROFILE=1 (or setPlanProfiling(true)) times every op of a replayed plan.
bool g_planProfiling = [] { const char* e = getenv("DEEPTS_PLAN_PROFILE"); return e && e[0] == '1'; }();

napi_value EndPlan(napi_env env, napi_callback_info) {
  auto* ops = g_recording;
  g_recording = nullptr;
  if (!ops) return undefined(env);
  if (g_fusePlans) {
    ops->resize(size_t(fuseGemmEpilogues(ops->data(), long(ops->size()))));
    ops->resize(size_t(fuseLossBackward(ops->data(), long(ops->size()))));
  }
  if (g_pairGemms && g_pool->threads() >= 2) ops->resize(size_t(pairGemms(ops->data(), long(ops->size()))));
  // After pairing: a dW product paired with its layer's dX keeps both cores busy, worth more than its
  // update's pass. On one thread the serial GEMM runs the update only after all of C (no block is in
  // cache any more), and moving a large update ahead of the rest of the backward pass evicts what it
  // still needs: measured 2-4 % more CPU per autoencoder step (bench/plan-fusion-ab.ts), so not there.
  if (g_fusePlans && g_pool->threads() >= 2) ops->resize(size_t(fuseGemmUpdates(ops->data(), long(ops->size()))));
  // The output layer's loss and backward inside its forward GEMM's epilogue: on two or more threads,
  // where each row task's finished rows are still in its core's cache (the serial GEMM runs the
  // epilogue only after all of C). DEEPTS_PLAN_FUSE_GEMM_LOSS=0 (read when a plan is recorded) keeps
  // the two ops apart, for A/B measurements.
  const char* gemmLoss = getenv("DEEPTS_PLAN_FUSE_GEMM_LOSS");
  if (g_fusePlans && g_pool->threads() >= 2 && !(gemmLoss && gemmLoss[0] == '0'))
    ops->resize(size_t(fuseGemmLossBackward(ops->data(), long(ops->size()))));
  auto* plan = new RecordedPlan{std::move(*ops), {}, {}, 0};
  delete ops;
  napi_value ext;
  napi_create_external(env, plan, [](napi_env, void* data, void*) { delete static_cast<RecordedPlan*>(data); }, nullptr, &ext);
  return ext;
}

RecordedPlan* planArg(napi_env env, napi_callback_info info, const char* fn) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void* data = nullptr;
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || !data) {
    napi_throw_type_error(env, nullptr, (std::string(fn) + ": expected a plan from endPlan()").c_str());
    return nullptr;
  }
  return static_cast<RecordedPlan*>(data);
}

double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// A replayed plan (a compiled training step, or a compiled forward pass) runs with denormals
// flushed to zero, as TensorFlow's CPU runtime runs its kernels (FTZ and DAZ): in training,
// Adam-family first moments of weights whose gradient stays 0 decay by β1 per step into the
// denormal range (measured on the lecture autoencoder: from the third epoch ~17,000 of its
// 200,000 Adamax moments at a time), where every instruction touching them takes a microcode
// assist — the epoch grew 10-15 % slower over a fit. Eager kernels keep denormals (README).
// DEEPTS_PLAN_FLUSH_DENORMALS=0 or setPlanFlushDenormals(false) keeps them in plans too.
bool g_planFlushDenormals = [] { const char* e = getenv("DEEPTS_PLAN_FLUSH_DENORMALS"); return !(e && e[0] == '0'); }();

// Denormals flushed (when `on`) until the scope ends; the pool's workers adopt the mode per job.
struct DenormalsFlushed {
#if defined(__x86_64__) || defined(__i386__)
  const unsigned saved = _mm_getcsr();
  explicit DenormalsFlushed(bool on) {
    if (on) _mm_setcsr(saved | 0x8040);  // FTZ (bit 15): denormal results are 0; DAZ (bit 6): denormal inputs read as 0
  }
  ~DenormalsFlushed() { _mm_setcsr(saved); }
#else
  explicit DenormalsFlushed(bool) {}
#endif
  DenormalsFlushed(const DenormalsFlushed&) = delete;
  DenormalsFlushed& operator=(const DenormalsFlushed&) = delete;
};

napi_value RunPlan(napi_env env, napi_callback_info info) {
  RecordedPlan* plan = planArg(env, info, "runPlan");
  if (!plan) return nullptr;
  const PlanHost h = host();
  const DenormalsFlushed flushed(g_planFlushDenormals);
  if (!g_planProfiling) {
    runPlan(plan->ops.data(), long(plan->ops.size()), h);
    return nullptr;
  }
  plan->seconds.resize(plan->ops.size());
  plan->cpuSeconds.resize(plan->ops.size());
  for (size_t i = 0; i < plan->ops.size(); ++i) {
    const double c0 = threadCpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    runPlanOp(plan->ops[i], h);
    plan->seconds[i] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    plan->cpuSeconds[i] += threadCpuSeconds() - c0;
  }
  ++plan->runs;
  return nullptr;
}

// The call's first argument as a boolean, or `fallback` when it has none (the switches below).
bool optionalBoolArg(napi_env env, napi_callback_info info, bool fallback) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool on = fallback;
  if (argc >= 1) napi_get_value_bool(env, argv[0], &on);
  return on;
}

napi_value SetPlanFusion(napi_env env, napi_callback_info info) {
  g_fusePlans = optionalBoolArg(env, info, true);
  return undefined(env);
}

// setConvWinograd('auto' | 'never' | 'always'): which 3×3 stride-1 convolution passes run on
// Winograd (native/conv-winograd.inc) from now on: the measured rule, none, or every eligible one.
napi_value SetConvWinograd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  char mode[16] = {0};
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], mode, sizeof mode, &len) != napi_ok ||
      (strcmp(mode, "auto") && strcmp(mode, "never") && strcmp(mode, "always"))) {
    napi_throw_type_error(env, nullptr, "setConvWinograd: mode must be 'auto', 'never' or 'always'");
    return nullptr;
  }
  g_convWinograd = !strcmp(mode, "never") ? kConvWinogradNever : !strcmp(mode, "always") ? kConvWinogradAlways : kConvWinogradAuto;
  return undefined(env);
}

napi_value SetPlanFlushDenormals(napi_env env, napi_callback_info info) {
  g_planFlushDenormals = optionalBoolArg(env, info, true);
  return undefined(env);
}

napi_value SetPlanProfiling(napi_env env, napi_callback_info info) {
  g_planProfiling = optionalBoolArg(env, info, false);
  return undefined(env);
}

std::string gemmName(const GemmArgs& g) {
  return std::to_string(g.m) + "x" + std::to_string(g.n) + "x" + std::to_string(g.k) + (g.transA ? " At" : "") + (g.transB ? " Bt" : "") + (g.accumulate ? " +=" : "");
}

// What an op is, for planProfile(): the kernel, its operation and, for GEMMs, m x n x k.
std::string planOpName(const PlanOp& op) {
  switch (op.code) {
    case K_FILL: return "fill";
    case K_GEMM: return "matmul " + gemmName(op.gemm);
    case K_GEMM_PAIR: return "matmul pair " + gemmName(op.pair.x) + " | " + gemmName(op.pair.y);
    case K_UNARY: return std::string("unary ") + kUnaryNames[op.unary.op];
    case K_UNARY_BACKWARD: return std::string("unaryBackward ") + kUnaryNames[op.unaryBackward.op];
    case K_BINARY: return std::string("binary ") + kBinaryNames[op.binary.op];
    case K_REDUCE: return std::string("reduce ") + kReduceNames[op.reduce.op];
    case K_BIAS_ACT: return std::string("biasAct ") + kUnaryNames[op.biasAct.act];
    case K_BIAS_ACT_BACKWARD: return std::string("biasActBackward ") + kUnaryNames[op.biasActBackward.act];
    case K_SOFTMAX: return op.softmax.log ? "logSoftmax" : "softmax";
    case K_OPTIMIZER: return std::string("optimizerStep ") + kOptimizerRuleNames[op.optimizer.rule];
    case K_SLICE: return "slice";
    case K_CONV2D: return "conv2d";
    case K_CONV2D_BACKPROP_INPUT: return "conv2dBackpropInput";
    case K_CONV2D_BACKPROP_FILTER: return "conv2dBackpropFilter";
    case K_POOL2D: return std::string("pool2d ") + kPoolNames[op.pool.op];
    case K_POOL2D_BACKWARD: return std::string("pool2dBackward ") + kPoolNames[op.pool.op];
    case K_POINTWISE_LOSS: return std::string("pointwiseLoss ") + kLossNames[op.loss.op];
    case K_BIAS_ACT_POOL: return std::string("biasActPool ") + kUnaryNames[op.biasPool.act];
    case K_BIAS_ACT_POOL_BACKWARD: return std::string("biasActPoolBackward ") + kUnaryNames[op.biasPool.act];
    case K_LOSS_BIAS_ACT_BACKWARD: return std::string("pointwiseLoss+biasActBackward ") + kLossNames[op.lossBackward.lossOp] + " " + kUnaryNames[op.lossBackward.act];
    case K_GEMM_UPDATE: return "matmul+optimizerStep " + std::string(kOptimizerRuleNames[op.gemmUpdate.o.rule]) + " " + gemmName(op.gemmUpdate.g);
    case K_GEMM_BIAS_ACT: return "matmul+biasAct " + std::string(kUnaryNames[op.gemmBiasAct.e.act]) + " " + gemmName(op.gemmBiasAct.g);
    case K_CONV_POOL: return std::string("conv2dBiasActPool ") + kUnaryNames[op.convPool.act];
    case K_CONV_POOL_FILTER: return std::string("conv2dBiasActPoolBackpropFilter ") + kUnaryNames[op.convPool.act];
    case K_BATCH_NORM_STATS: return "batchNormStats";
    case K_BATCH_NORM: return "batchNorm";
    case K_BATCH_NORM_BACKWARD: return op.bnBackward.training ? "batchNormBackward" : "batchNormBackward inference";
    case K_DROPOUT: return "dropout";
    case K_CONV_POOL_BACKPROP: return std::string("conv2dBiasActPoolBackprop ") + kUnaryNames[op.convPool.act];
    case K_GEMM_LOSS_BACKWARD:
      return "matmul+biasAct+pointwiseLoss+biasActBackward " + std::string(kUnaryNames[op.gemmLoss.e.act]) + " " + kLossNames[op.gemmLoss.lossOp] + " " +
             gemmName(op.gemmLoss.g);
  }
  return "?";
}

double planOpFlops(const PlanOp& op) {
  auto f = [](const GemmArgs& g) { return 2.0 * double(g.m) * double(g.n) * double(g.k); };
  if (op.code == K_GEMM) return f(op.gemm);
  if (op.code == K_GEMM_PAIR) return f(op.pair.x) + f(op.pair.y);
  if (op.code == K_GEMM_BIAS_ACT) return f(op.gemmBiasAct.g);
  if (op.code == K_GEMM_UPDATE) return f(op.gemmUpdate.g);
  if (op.code == K_GEMM_LOSS_BACKWARD) return f(op.gemmLoss.g);
  return 0;
}

// planProfile(plan) -> [{ name, seconds, cpuSeconds, runs, flops }] per op in order: the sums over
// the replays that ran while profiling was on (cpuSeconds: the calling thread's CPU time).
napi_value PlanProfile(napi_env env, napi_callback_info info) {
  RecordedPlan* plan = planArg(env, info, "planProfile");
  if (!plan) return nullptr;
  napi_value arr;
  napi_create_array_with_length(env, plan->ops.size(), &arr);
  for (size_t i = 0; i < plan->ops.size(); ++i) {
    napi_value o, v;
    napi_create_object(env, &o);
    const std::string name = planOpName(plan->ops[i]);
    const bool timed = i < plan->seconds.size();
    napi_create_string_utf8(env, name.c_str(), NAPI_AUTO_LENGTH, &v); napi_set_named_property(env, o, "name", v);
    napi_create_double(env, timed ? plan->seconds[i] : 0, &v); napi_set_named_property(env, o, "seconds", v);
    napi_create_double(env, timed ? plan->cpuSeconds[i] : 0, &v); napi_set_named_property(env, o, "cpuSeconds", v);
    napi_create_double(env, double(plan->runs), &v); napi_set_named_property(env, o, "runs", v);
    napi_create_double(env, planOpFlops(plan->ops[i]), &v); napi_set_named_property(env, o, "flops", v);
    napi_set_element(env, arr, uint32_t(i), o);
  }
  return arr;
}

#include "kernel-entries.inc"

#include "conv-entries.inc"

napi_value str(napi_env env, const char* s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}
napi_value numv(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}
napi_value boolv(napi_env env, bool b) {
  napi_value v;
  napi_get_boolean(env, b, &v);
  return v;
}
napi_value strArray(napi_env env, const char* const* names, int count) {
  napi_value arr;
  napi_create_array_with_length(env, count, &arr);
  for (int i = 0; i < count; ++i) napi_set_element(env, arr, i, str(env, names[i]));
  return arr;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value o;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "isa", str(env, g_isa->name));
  napi_set_named_property(env, o, "lanes", numv(env, g_isa->lanes));
  napi_set_named_property(env, o, "microTile", str(env, (std::to_string(g_isa->mr) + "x" + std::to_string(g_isa->tileCols)).c_str()));
  napi_set_named_property(env, o, "threads", numv(env, g_pool->threads()));
  napi_set_named_property(env, o, "avx2", boolv(env, kFeatures.avx2));
  napi_set_named_property(env, o, "fma", boolv(env, kFeatures.fma));
  napi_set_named_property(env, o, "avx512f", boolv(env, kFeatures.avx512f));
  napi_set_named_property(env, o, "avx512vl", boolv(env, kFeatures.avx512vl));
  napi_set_named_property(env, o, "isaNote", str(env, g_isaNote.c_str()));
  napi_set_named_property(env, o, "threadNote", str(env, g_threadNote.c_str()));
  return o;
}

// adviseHugePages(typedArray) -> bytes advised: asks Linux to back the 2 MiB-aligned interior of a
// large, not yet written buffer (a training set just allocated) with transparent huge pages. A batch
// gathers 256 rows from all over such a buffer; with 4 KiB pages each row costs a TLB miss whose
// page walk (two-level under a hypervisor) misses the caches the training step just filled: the
// gather of a shuffled MNIST batch took 2-3x longer inside fit than alone. Pages already written
// keep their size (khugepaged may merge them later); where THP is 'never' or absent this is a no-op.
napi_value AdviseHugePages(napi_env env, napi_callback_info info) {
  Args a(env, info, 1, "adviseHugePages");
  if (a.failed) return nullptr;
  void* data = nullptr;
  size_t bytes = 0;
  bool isTa = false;
  napi_is_typedarray(env, a.argv[0], &isTa);
  if (!isTa) {
    a.fail("adviseHugePages: expected a typed array");
    return nullptr;
  }
  napi_typedarray_type type;
  size_t length = 0;
  napi_get_typedarray_info(env, a.argv[0], &type, &length, &data, nullptr, nullptr);
  size_t elem = type == napi_float64_array || type == napi_bigint64_array || type == napi_biguint64_array ? 8
    : type == napi_float32_array || type == napi_int32_array || type == napi_uint32_array ? 4
    : type == napi_int16_array || type == napi_uint16_array ? 2 : 1;
  bytes = length * elem;
  double advised = 0;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t(2) << 20;
  uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end > begin && madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE) == 0) advised = double(end - begin);
#endif
  return numv(env, advised);
}

napi_value SupportedIsas(napi_env env, napi_callback_info) {
  const char* names[3];
  int count = 0;
  for (const char* n : {"avx512", "avx2", "generic"})
    if (tableFor(n)) names[count++] = n;
  return strArray(env, names, count);
}

// setIsa(name) -> boolean: switches kernels (for tests and benchmarks); false if unsupported.
napi_value SetIsa(napi_env env, napi_callback_info info) {
  Args a(env, info, 1, "setIsa");
  if (a.failed) return nullptr;
  char buf[32] = {0};
  size_t len = 0;
  if (napi_get_value_string_utf8(env, a.argv[0], buf, sizeof buf, &len) != napi_ok) {
    a.fail("setIsa: name must be a string");
    return nullptr;
  }
  const IsaTable* t = tableFor(buf);
  if (t) g_isa = t;
  return boolv(env, t != nullptr);
}

napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  Args a(env, info, 1, "setNumThreads");
  long n = a.i64(0, "threads");
  if (a.failed) return nullptr;
  if (n < 1) n = defaultThreads();
  if (n > kMaxThreads) n = kMaxThreads;
  if (n != g_pool->threads()) {
    delete g_pool;
    g_pool = new ThreadPool(int(n));
    g_threadNote.clear();
    notePoolShortfall();
  }
  return numv(env, g_pool->threads());
}

// Clock from a chain of dependent register-register adds (1 cycle each on every x86 core since
// the 2000s). Not `add $imm`: Intel's Golden Cove cores (Sapphire Rapids, Alder Lake) fold chains
// of immediate adds at register rename, which measured 19-22 "GHz" on a 3.8 GHz Sapphire Rapids.
napi_value MeasureClockGHz(napi_env env, napi_callback_info) {
#if defined(__x86_64__)
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const long iters = 2000000;
    long x = 0, one = 1;
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < iters; ++i) {
      __asm__ volatile(
          "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
          "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
          "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
          "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
          : "+r"(x) : "r"(one));
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, double(iters) * 20 / s / 1e9);
  }
  return numv(env, best);
#else
  return numv(env, 0);
#endif
}

// Single-core FMA throughput of the active ISA in GFLOPS (the attainable fp32 peak).
napi_value MeasureFmaPeak(napi_env env, napi_callback_info) {
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    double flops = g_isa->fmaPeakLoop(5000000);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, flops / s / 1e9);
  }
  return numv(env, best);
}

}  // namespace

// The plan being recorded, for plan.inc's dispatchOp().
bool planRecording() { return g_recording != nullptr; }
void planAppend(const PlanOp& op) { g_recording->push_back(op); }

}  // namespace deepts

using namespace deepts;

// The calling convention this addon implements; src/backend/native/load.ts refuses an addon
// whose number differs (a stale build in a checkout would otherwise misread new arguments,
// e.g. optimizerStep's Float64Array of hyper-parameters read as an empty list). Bump it with
// any change of an entry point's arguments.
constexpr int kAbiVersion = 3;
napi_value AbiVersion(napi_env env, napi_callback_info) { return numv(env, kAbiVersion); }

static napi_value Init(napi_env env, napi_value exports) {
  initOnce();
  struct Fn { const char* name; napi_callback cb; } fns[] = {
    {"matmul", Matmul}, {"unary", UnaryFn}, {"unaryBackward", UnaryBackward}, {"binary", BinaryOp},
    {"reduce", ReduceOp}, {"gather", Gather}, {"slice", Slice}, {"biasAct", BiasAct}, {"biasActBackward", BiasActBackward}, {"pointwiseLoss", PointwiseLoss}, {"softmax", Softmax},
    {"batchNormStats", BatchNormStats}, {"batchNorm", BatchNorm}, {"batchNormBackward", BatchNormBackward}, {"dropout", Dropout},
    {"optimizerStep", OptimizerStepFn}, {"info", Info}, {"supportedIsas", SupportedIsas}, {"setIsa", SetIsa}, {"setNumThreads", SetNumThreads},
    {"measureClockGHz", MeasureClockGHz}, {"measureFmaPeakGflops", MeasureFmaPeak},
    {"conv2d", Conv2D}, {"conv2dBackpropInput", Conv2DBackpropInput}, {"conv2dBackpropFilter", Conv2DBackpropFilter},
    {"pool2d", Pool2D}, {"pool2dBackward", Pool2DBackward}, {"biasActPool", BiasActPool}, {"biasActPoolBackward", BiasActPoolBackward},
    {"conv2dBiasActPool", ConvBiasActPool}, {"conv2dBiasActPoolBackpropFilter", ConvBiasActPoolFilter}, {"conv2dBiasActPoolBackprop", ConvBiasActPoolBackprop},
    {"abiVersion", AbiVersion}, {"beginPlan", BeginPlan}, {"planLength", PlanLength}, {"endPlan", EndPlan}, {"runPlan", RunPlan}, {"fill", Fill},
    {"setPlanProfiling", SetPlanProfiling}, {"adviseHugePages", AdviseHugePages}, {"setPlanFusion", SetPlanFusion}, {"setPlanFlushDenormals", SetPlanFlushDenormals}, {"setConvWinograd", SetConvWinograd}, {"planProfile", PlanProfile},
  };
  for (const Fn& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  napi_set_named_property(env, exports, "unaryOps", strArray(env, kUnaryNames, U_COUNT));
  napi_set_named_property(env, exports, "binaryOps", strArray(env, kBinaryNames, B_COUNT));
  napi_set_named_property(env, exports, "reduceOps", strArray(env, kReduceNames, R_COUNT));
  napi_set_named_property(env, exports, "optimizerRules", strArray(env, kOptimizerRuleNames, O_COUNT));
  napi_set_named_property(env, exports, "poolOps", strArray(env, kPoolNames, P_COUNT));
  napi_set_named_property(env, exports, "lossOps", strArray(env, kLossNames, L_COUNT));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)

