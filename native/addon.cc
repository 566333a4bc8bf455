// The N-API module of deepts' native backend. Kernels work zero-copy on the Float32Array
// memory passed from JavaScript; arguments are validated first (napi-args.inc) so that bad
// input gives a clear JS exception instead of a crash. Each kernel entry point
// (kernel-entries.inc, conv-entries.inc) turns its call into a PlanOp and runs it with the
// shared executor (plan.inc), or records it into a plan (the plan entry points: plan-entries.inc). The instruction set
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

#include "plan-entries.inc"

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

