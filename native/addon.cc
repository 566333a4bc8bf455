// N-API entry points of deepts' native backend. Kernels work zero-copy on the Float32Array
// memory passed from JavaScript; arguments are validated here so that bad input gives a
// clear JS exception instead of a crash. Each entry point turns its call into a PlanOp and
// runs it with the shared executor (plan.inc), or records it into a plan. The instruction set
// is chosen once at load time from the CPU's features (DEEPTS_NATIVE_ISA overrides; setIsa()
// switches for tests); the pool, the GEMM driver and the plan storage are in host.inc.
#include <node_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <time.h>
#include <vector>

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

// ---- argument helpers ---------------------------------------------------------------------

struct Args {
  napi_env env;
  static constexpr size_t kMaxArgs = 12;  // the most any entry point takes (batchNormBackward)
  napi_value argv[kMaxArgs];
  size_t argc = kMaxArgs;
  bool failed = false;

  Args(napi_env e, napi_callback_info info, size_t expected, const char* fn) : env(e) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    if (expected > kMaxArgs) fail(std::string(fn) + ": internal error: more arguments than Args holds");
    else if (argc < expected) fail(std::string(fn) + ": expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc));
  }
  void fail(const std::string& msg) {
    if (!failed) napi_throw_type_error(env, nullptr, msg.c_str());
    failed = true;
  }
  // A Float32Array with at least `need` elements; `nullable` accepts null/undefined (returns nullptr).
  // `length` (when given) receives its element count, for kernels sized by their first array.
  float* f32(size_t i, size_t need, const char* what, bool nullable = false, size_t* length = nullptr) {
    if (failed) return nullptr;
    napi_valuetype t;
    napi_typeof(env, argv[i], &t);
    if (nullable && (t == napi_null || t == napi_undefined)) return nullptr;
    bool isTa = false;
    napi_is_typedarray(env, argv[i], &isTa);
    napi_typedarray_type type;
    size_t len = 0;
    void* data = nullptr;
    if (isTa) napi_get_typedarray_info(env, argv[i], &type, &len, &data, nullptr, nullptr);
    if (!isTa || type != napi_float32_array) {
      fail(std::string(what) + " must be a Float32Array");
      return nullptr;
    }
    if (len < need) {
      fail(std::string(what) + " has " + std::to_string(len) + " elements but " + std::to_string(need) + " are needed");
      return nullptr;
    }
    if (length) *length = len;
    static float empty;
    return data ? static_cast<float*>(data) : &empty;
  }
  // A size or count: an integer in [0, 2^48] (see arg_check.h), checked before any cast.
  long i64(size_t i, const char* what) {
    if (failed) return 0;
    double v = 0;
    if (napi_get_value_double(env, argv[i], &v) != napi_ok || !deepts::isDimension(v)) {
      fail(std::string(what) + " must be a non-negative integer (at most 2^48)");
      return 0;
    }
    return long(v);
  }
  // The element count dims[0] × dims[1] × ..., failing (never wrapping) when it is too large.
  size_t elems(std::initializer_list<long> dims, const char* what) {
    if (failed) return 0;
    size_t n = 0;
    if (!deepts::productChecked(dims, &n)) {
      fail(std::string(what) + ": the dimensions multiply to more than 2^48 elements");
      return 0;
    }
    return n;
  }
  double num(size_t i, const char* what) {
    if (failed) return 0;
    double v = 0;
    if (napi_get_value_double(env, argv[i], &v) != napi_ok) fail(std::string(what) + " must be a number");
    return v;
  }
  bool flag(size_t i) {
    if (failed) return false;
    bool b = false;
    napi_get_value_bool(env, argv[i], &b);
    return b;
  }
  int code(size_t i, int count, const char* what) {
    long c = i64(i, what);
    if (!failed && c >= count) fail(std::string(what) + " code out of range");
    return int(c);
  }
};

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}


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

napi_value RunPlan(napi_env env, napi_callback_info info) {
  RecordedPlan* plan = planArg(env, info, "runPlan");
  if (!plan) return nullptr;
  const PlanHost h = host();
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

napi_value SetPlanFusion(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool on = true;
  if (argc >= 1) napi_get_value_bool(env, argv[0], &on);
  g_fusePlans = on;
  return undefined(env);
}

napi_value SetPlanProfiling(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool on = false;
  if (argc >= 1) napi_get_value_bool(env, argv[0], &on);
  g_planProfiling = on;
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
  }
  return "?";
}

double planOpFlops(const PlanOp& op) {
  auto f = [](const GemmArgs& g) { return 2.0 * double(g.m) * double(g.n) * double(g.k); };
  if (op.code == K_GEMM) return f(op.gemm);
  if (op.code == K_GEMM_PAIR) return f(op.pair.x) + f(op.pair.y);
  if (op.code == K_GEMM_BIAS_ACT) return f(op.gemmBiasAct.g);
  if (op.code == K_GEMM_UPDATE) return f(op.gemmUpdate.g);
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

// ---- kernels: each checks its arguments, builds its PlanOp and runs (or records) it ------

// fill(x, value): every element of x set to value (zeroing a buffer a kernel accumulates into).
napi_value Fill(napi_env env, napi_callback_info info) {
  Args a(env, info, 2, "fill");
  size_t n = 0;
  float* x = a.f32(0, 0, "x", false, &n);
  float v = float(a.num(1, "value"));
  if (a.failed) return nullptr;
  PlanOp op = planOp(K_FILL);
  op.fill = {x, long(n), v};
  run(op);
  return nullptr;
}

napi_value Matmul(napi_env env, napi_callback_info info) {
  Args a(env, info, 9, "matmul");
  long m = a.i64(3, "m"), n = a.i64(4, "n"), k = a.i64(5, "k");
  bool ta = a.flag(6), tb = a.flag(7), acc = a.flag(8);
  GemmArgs g{a.f32(0, a.elems({m, k}, "matmul a"), "a"), a.f32(1, a.elems({k, n}, "matmul b"), "b"), a.f32(2, a.elems({m, n}, "matmul out"), "out"), m, n, k, ta, tb, acc};
  if (a.failed || m == 0 || n == 0) return nullptr;
  PlanOp op = planOp(K_GEMM);
  op.gemm = g;
  run(op);
  return nullptr;
}

napi_value UnaryFn(napi_env env, napi_callback_info info) {
  Args a(env, info, 4, "unary");
  int code = a.code(0, U_COUNT, "unary op");
  size_t n = 0;
  float* x = a.f32(1, 0, "x", false, &n);
  float* out = a.f32(2, n, "out");
  float alpha = float(a.num(3, "alpha"));
  if (a.failed) return nullptr;
  PlanOp op = planOp(K_UNARY);
  op.unary = {code, x, out, long(n), alpha};
  run(op);
  return nullptr;
}

napi_value UnaryBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, 6, "unaryBackward");
  int code = a.code(0, U_COUNT, "unary op");
  size_t n = 0;
  float* dy = a.f32(3, 0, "dy", false, &n);
  float* x = a.f32(1, backwardReadsX(code) ? n : 0, "x");
  float* y = a.f32(2, backwardReadsY(code) ? n : 0, "y");
  float* out = a.f32(4, n, "out");
  float alpha = float(a.num(5, "alpha"));
  if (a.failed) return nullptr;
  PlanOp op = planOp(K_UNARY_BACKWARD);
  op.unaryBackward = {code, backwardReadsX(code) ? x : nullptr, backwardReadsY(code) ? y : nullptr, dy, out, long(n), alpha};
  run(op);
  return nullptr;
}

// binary(op, a, aStrides, b, bStrides, out, outShape): strides are element strides of a and b
// seen through the output shape (0 on broadcast axes), as Int32Array/arrays of numbers.
napi_value BinaryOp(napi_env env, napi_callback_info info) {
  Args a(env, info, 7, "binary");
  PlanOp op = planOp(K_BINARY);
  auto& b = op.binary;
  b.op = a.code(0, B_COUNT, "binary op");
  uint32_t rank = 0;
  if (!a.failed) napi_get_array_length(env, a.argv[6], &rank);
  if (!a.failed && rank > kPlanMaxRank) a.fail("binary: rank above 16 is not supported");
  long n = 1, needA = 1, needB = 1;
  for (uint32_t d = 0; d < rank && !a.failed; ++d) {
    napi_value v;
    double s = 0, x = 0, y = 0;
    napi_get_element(env, a.argv[6], d, &v); napi_get_value_double(env, v, &s);
    napi_get_element(env, a.argv[2], d, &v); napi_get_value_double(env, v, &x);
    napi_get_element(env, a.argv[4], d, &v); napi_get_value_double(env, v, &y);
    if (!deepts::isDimension(s) || !deepts::isDimension(x) || !deepts::isDimension(y)) { a.fail("binary: shape and strides must be integers in [0, 2^48]"); break; }
    b.shape[d] = long(s); b.sa[d] = long(x); b.sb[d] = long(y);
    uint64_t nn = 0, ea = uint64_t(needA), eb = uint64_t(needB);
    if (!deepts::mulChecked(uint64_t(n), uint64_t(b.shape[d]), &nn) ||
        (b.shape[d] > 0 && (!deepts::mulAddChecked(&ea, uint64_t(b.sa[d]), uint64_t(b.shape[d] - 1)) || !deepts::mulAddChecked(&eb, uint64_t(b.sb[d]), uint64_t(b.shape[d] - 1))))) {
      a.fail("binary: the shape and strides reach more than 2^48 elements");
      break;
    }
    n = long(nn); needA = long(ea); needB = long(eb);
  }
  if (n == 0) { needA = 0; needB = 0; }
  b.a = a.f32(1, size_t(needA), "a");
  b.b = a.f32(3, size_t(needB), "b");
  b.out = a.f32(5, size_t(n), "out");
  if (a.failed || n == 0) return nullptr;
  b.rank = int(rank);
  b.n = n;
  run(op);
  return nullptr;
}

// reduce(op, x, out, outer, red, inner): x is outer × red × inner, out is outer × inner.
napi_value ReduceOp(napi_env env, napi_callback_info info) {
  Args a(env, info, 6, "reduce");
  int code = a.code(0, R_COUNT, "reduce op");
  long outer = a.i64(3, "outer"), red = a.i64(4, "red"), inner = a.i64(5, "inner");
  float* x = a.f32(1, a.elems({outer, red, inner}, "reduce x"), "x");
  float* out = a.f32(2, a.elems({outer, inner}, "reduce out"), "out");
  if (a.failed || outer == 0 || inner == 0) return nullptr;
  PlanOp op = planOp(K_REDUCE);
  op.reduce = {code, x, out, outer, red, inner};
  run(op);
  return nullptr;
}

napi_value BiasAct(napi_env env, napi_callback_info info) {
  Args a(env, info, 7, "biasAct");
  long rows = a.i64(5, "rows"), cols = a.i64(6, "cols");
  float* x = a.f32(0, a.elems({rows, cols}, "biasAct x"), "x");
  float* bias = a.f32(1, size_t(cols), "bias", true);
  int act = a.code(2, U_COUNT, "activation");
  float alpha = float(a.num(3, "alpha"));
  float* out = a.f32(4, a.elems({rows, cols}, "biasAct out"), "out");
  if (a.failed || rows == 0 || cols == 0) return nullptr;  // nothing to do (and no 2^32 empty rows to walk)
  PlanOp op = planOp(K_BIAS_ACT);
  op.biasAct = {x, bias, act, alpha, out, rows, cols};
  run(op);
  return nullptr;
}

// pointwiseLoss(op, pred, target, sum, grad | null, scale): the fused loss and its gradient (kernels.ts).
napi_value PointwiseLoss(napi_env env, napi_callback_info info) {
  Args a(env, info, 6, "pointwiseLoss");
  int op = a.code(0, L_COUNT, "loss op");
  size_t n = 0;
  float* p = a.f32(1, 0, "pred", false, &n);
  float* t = a.f32(2, n, "target");
  float* sum = a.f32(3, 1, "sum");
  float* grad = a.f32(4, n, "grad", true);
  float scale = float(a.num(5, "scale"));
  if (a.failed) return nullptr;
  PlanOp o{K_POINTWISE_LOSS, {}};
  o.loss = {op, p, t, sum, grad, long(n), scale};
  run(o);
  return nullptr;
}

// batchNormStats(x, mean, variance, rows, cols); batchNorm(x, gamma | null, beta | null, mean,
// variance, y, rows, cols, epsilon); batchNormBackward(dy, x, gamma | null, mean, variance,
// dx | null, dgamma | null, dbeta | null, rows, cols, epsilon, training): see kernels.ts.
napi_value BatchNormStats(napi_env env, napi_callback_info info) {
  Args a(env, info, 5, "batchNormStats");
  long rows = a.i64(3, "rows"), cols = a.i64(4, "cols");
  PlanOp op = planOp(K_BATCH_NORM_STATS);
  op.bnStats = {a.f32(0, a.elems({rows, cols}, "batchNormStats x"), "x"), a.f32(1, size_t(cols), "mean"), a.f32(2, size_t(cols), "variance"), rows, cols};
  if (a.failed || cols == 0) return nullptr;
  run(op);
  return nullptr;
}

napi_value BatchNorm(napi_env env, napi_callback_info info) {
  Args a(env, info, 9, "batchNorm");
  long rows = a.i64(6, "rows"), cols = a.i64(7, "cols");
  const size_t n = a.elems({rows, cols}, "batchNorm x"), c = size_t(cols);
  PlanOp op = planOp(K_BATCH_NORM);
  op.bn = {a.f32(0, n, "x"), a.f32(1, c, "gamma", true), a.f32(2, c, "beta", true), a.f32(3, c, "mean"), a.f32(4, c, "variance"),
           a.f32(5, n, "y"), rows, cols, float(a.num(8, "epsilon"))};
  if (a.failed || rows == 0 || cols == 0) return nullptr;
  run(op);
  return nullptr;
}

napi_value BatchNormBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, 12, "batchNormBackward");
  long rows = a.i64(8, "rows"), cols = a.i64(9, "cols");
  const size_t n = a.elems({rows, cols}, "batchNormBackward dy"), c = size_t(cols);
  PlanOp op = planOp(K_BATCH_NORM_BACKWARD);
  op.bnBackward = {a.f32(0, n, "dy"), a.f32(1, n, "x"), a.f32(2, c, "gamma", true), a.f32(3, c, "mean"), a.f32(4, c, "variance"),
                   a.f32(5, n, "dx", true), a.f32(6, c, "dgamma", true), a.f32(7, c, "dbeta", true), rows, cols, float(a.num(10, "epsilon")), a.flag(11)};
  if (a.failed || cols == 0) return nullptr;
  run(op);
  return nullptr;
}

napi_value BiasActBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, 8, "biasActBackward");
  long rows = a.i64(6, "rows"), cols = a.i64(7, "cols");
  float* y = a.f32(0, a.elems({rows, cols}, "biasActBackward y"), "y");
  float* dy = a.f32(1, a.elems({rows, cols}, "biasActBackward dy"), "dy");
  int act = a.code(2, U_COUNT, "activation");
  float alpha = float(a.num(3, "alpha"));
  float* dz = a.f32(4, a.elems({rows, cols}, "biasActBackward dz"), "dz");
  float* dbias = a.f32(5, size_t(cols), "dbias", true);
  if (a.failed) return nullptr;
  if (backwardReadsX(act)) { a.fail("biasActBackward: activation must be computable from its output"); return nullptr; }
  PlanOp op = planOp(K_BIAS_ACT_BACKWARD);
  op.biasActBackward = {y, dy, act, alpha, dz, dbias, rows, cols};
  run(op);
  return nullptr;
}

// optimizerStep(rule, w, g, slots: Float32Array[], h: number[]): one optimizer update in place.
napi_value OptimizerStepFn(napi_env env, napi_callback_info info) {
  Args a(env, info, 5, "optimizerStep");
  PlanOp op = planOp(K_OPTIMIZER);
  auto& o = op.optimizer;
  o.rule = a.code(0, O_COUNT, "optimizer rule");
  if (a.failed) return nullptr;
  size_t n = 0;
  o.w = a.f32(1, 0, "w", false, &n);
  if (a.failed) return nullptr;
  o.n = long(n);
  o.g = a.f32(2, n, "g");
  uint32_t count = 0;
  bool isArray = false;
  napi_is_array(env, a.argv[3], &isArray);
  if (!isArray) { a.fail("optimizerStep: slots must be an array of Float32Array"); return nullptr; }
  napi_get_array_length(env, a.argv[3], &count);
  if (int(count) < kOptimizerSlots[o.rule] || count > 3) { a.fail(std::string("optimizerStep: rule '") + kOptimizerRuleNames[o.rule] + "' needs " + std::to_string(kOptimizerSlots[o.rule]) + " state arrays"); return nullptr; }
  for (uint32_t i = 0; i < count && !a.failed; ++i) {
    napi_value el;
    napi_get_element(env, a.argv[3], i, &el);
    bool isTa = false;
    napi_is_typedarray(env, el, &isTa);
    napi_typedarray_type type;
    size_t len = 0;
    void* data = nullptr;
    if (isTa) napi_get_typedarray_info(env, el, &type, &len, &data, nullptr, nullptr);
    if (!isTa || type != napi_float32_array || len < n) { a.fail("optimizerStep: every state array must be a Float32Array as long as w"); return nullptr; }
    o.s[i] = static_cast<float*>(data);
  }
  // h: an array of numbers (read now), or a Float64Array (read when the update runs: the
  // optimizer keeps one for its life, so a recorded plan's update uses each step's values).
  bool hTyped = false;
  napi_is_typedarray(env, a.argv[4], &hTyped);
  if (hTyped) {
    napi_typedarray_type type;
    void* data = nullptr;
    size_t hLen = 0;
    napi_get_typedarray_info(env, a.argv[4], &type, &hLen, &data, nullptr, nullptr);
    if (type != napi_float64_array) { a.fail("optimizerStep: h must be an array of numbers or a Float64Array"); return nullptr; }
    o.hLive = static_cast<const double*>(data);
    o.hLen = int(std::min(hLen, size_t(8)));
  } else {
    napi_get_array_length(env, a.argv[4], &count);
    for (uint32_t i = 0; i < count && i < 8; ++i) {
      napi_value el;
      double v = 0;
      napi_get_element(env, a.argv[4], i, &el);
      napi_get_value_double(env, el, &v);
      o.h[i] = float(v);
    }
  }
  if (a.failed) return nullptr;
  run(op);
  return nullptr;
}

napi_value Softmax(napi_env env, napi_callback_info info) {
  Args a(env, info, 5, "softmax");
  long rows = a.i64(2, "rows"), cols = a.i64(3, "cols");
  float* x = a.f32(0, a.elems({rows, cols}, "softmax x"), "x");
  float* out = a.f32(1, a.elems({rows, cols}, "softmax out"), "out");
  bool log = a.flag(4);
  if (a.failed || rows == 0 || cols == 0) return nullptr;  // nothing to do (and no 2^32 empty rows to walk)
  PlanOp op = planOp(K_SOFTMAX);
  op.softmax = {x, out, rows, cols, log};
  run(op);
  return nullptr;
}

// ---- data movement (memcpy of contiguous runs) --------------------------------------------

// Copies rows [j0, j1) of a gather, prefetching the rows a few ahead: a batch's rows are scattered
// over a training set far larger than the caches, and the hardware prefetcher only follows a row
// once its first lines missed.
void gatherRowRange(const float* x, float* out, const int32_t* idx, long outer, long dim, long count, long inner, long j0, long j1) {
  constexpr long kAhead = 4;
  const size_t bytes = size_t(inner) * sizeof(float);
  for (long o = 0; o < outer; ++o)
    for (long j = j0; j < j1; ++j) {
      if (j + kAhead < j1) {
        const char* next = reinterpret_cast<const char*>(x + (o * dim + idx[j + kAhead]) * inner);
        for (size_t b = 0; b < bytes; b += 64) __builtin_prefetch(next + b);
      }
      memcpy(out + (o * count + j) * inner, x + (o * dim + idx[j]) * inner, bytes);
    }
}

// A batch of training rows (256 rows of 784 floats: 800 KB from memory) is bound by how many
// cache misses a core has in flight, so from 256 KiB on it is split over the pool by rows.
void gatherRows(const float* x, float* out, const int32_t* idx, long outer, long dim, long count, long inner) {
  const double bytes = double(outer) * double(count) * double(inner) * sizeof(float);
  const int threads = count >= 2 ? threadsFor(bytes, g_pool->awake() ? 1 << 17 : 1 << 20) : 1;
  if (threads <= 1) {
    gatherRowRange(x, out, idx, outer, dim, count, inner, 0, count);
    return;
  }
  Split split(count, threads, 1, 1);
  struct Ctx { const float* x; float* out; const int32_t* idx; long outer, dim, count, inner; Split* s; } ctx{x, out, idx, outer, dim, count, inner, &split};
  g_pool->run(split.parts, [](void* p, int t) {
    auto* c = static_cast<Ctx*>(p);
    gatherRowRange(c->x, c->out, c->idx, c->outer, c->dim, c->count, c->inner, c->s->begin(t), c->s->end(t));
  }, &ctx);
}

// gather(x, out, indices, outer, dim, inner): out[o, j, :] = x[o, indices[j], :].
napi_value Gather(napi_env env, napi_callback_info info) {
  Args a(env, info, 6, "gather");
  long outer = a.i64(3, "outer"), dim = a.i64(4, "dim"), inner = a.i64(5, "inner");
  bool isTa = false;
  napi_typedarray_type type = napi_float32_array;
  size_t count = 0;
  void* data = nullptr;
  if (!a.failed) napi_is_typedarray(env, a.argv[2], &isTa);
  if (isTa) napi_get_typedarray_info(env, a.argv[2], &type, &count, &data, nullptr, nullptr);
  if (!a.failed && (!isTa || type != napi_int32_array)) a.fail("gather: indices must be an Int32Array");
  float* x = a.f32(0, a.elems({outer, dim, inner}, "gather x"), "x");
  float* out = a.f32(1, a.elems({outer, long(count), inner}, "gather out"), "out");
  if (a.failed) return nullptr;
  const int32_t* idx = static_cast<const int32_t*>(data);
  for (size_t j = 0; j < count; ++j)
    if (idx[j] < 0 || idx[j] >= dim) { a.fail("gather: index " + std::to_string(idx[j]) + " is out of range [0, " + std::to_string(dim) + ")"); return nullptr; }
  gatherRows(x, out, idx, outer, dim, long(count), inner);
  return nullptr;
}


// slice(x, out, shape, begin, size): out = x[begin : begin + size] per axis (ranges already checked).
napi_value Slice(napi_env env, napi_callback_info info) {
  Args a(env, info, 5, "slice");
  PlanOp op = planOp(K_SLICE);
  auto& s = op.slice;
  uint32_t rank = 0;
  if (!a.failed) napi_get_array_length(env, a.argv[2], &rank);
  if (!a.failed && rank > kPlanMaxRank) a.fail("slice: rank above 16 is not supported");
  long total = 1, outTotal = 1;
  for (uint32_t d = 0; d < rank && !a.failed; ++d) {
    napi_value v;
    double x = 0, b = 0, z = 0;
    napi_get_element(env, a.argv[2], d, &v); napi_get_value_double(env, v, &x);
    napi_get_element(env, a.argv[3], d, &v); napi_get_value_double(env, v, &b);
    napi_get_element(env, a.argv[4], d, &v); napi_get_value_double(env, v, &z);
    if (!deepts::isDimension(x) || !deepts::isDimension(b) || !deepts::isDimension(z)) { a.fail("slice: shape, begin and size must be integers in [0, 2^48]"); break; }
    s.shape[d] = long(x); s.begin[d] = long(b); s.size[d] = long(z);
    if (s.begin[d] + s.size[d] > s.shape[d]) { a.fail("slice: begin/size out of range on axis " + std::to_string(d)); break; }
    uint64_t t = 0, o = 0;
    if (!deepts::mulChecked(uint64_t(total), uint64_t(s.shape[d]), &t) || !deepts::mulChecked(uint64_t(outTotal), uint64_t(s.size[d]), &o)) {
      a.fail("slice: the shape multiplies to more than 2^48 elements");
      break;
    }
    total = long(t); outTotal = long(o);
  }
  s.x = a.f32(0, size_t(total), "x");
  s.out = a.f32(1, size_t(outTotal), "out");
  if (a.failed || outTotal == 0) return nullptr;
  s.rank = int(rank);
  s.outTotal = outTotal;
  run(op);
  return nullptr;
}

// ---- convolution and pooling (native/conv.inc) ----------------------------------------

// The geometry argument: [batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW,
// dilationH, dilationW, padTop, padLeft] (src/backend/native/load.ts builds it).
bool convGeometry(Args& a, size_t i, ConvGeom& c) {
  if (a.failed) return false;
  uint32_t len = 0;
  bool isArray = false;
  napi_is_array(a.env, a.argv[i], &isArray);
  if (isArray) napi_get_array_length(a.env, a.argv[i], &len);
  if (!isArray || len != 15) { a.fail("conv: geometry must be an array of 15 integers"); return false; }
  long v[15];
  for (uint32_t d = 0; d < 15; ++d) {
    napi_value e;
    double x = -1;
    napi_get_element(a.env, a.argv[i], d, &e);
    napi_get_value_double(a.env, e, &x);
    if (!(x >= 0) || x > 1e9 || x != double(long(x)) || (d >= 7 && d <= 12 && x < 1)) { a.fail("conv: bad geometry value"); return false; }
    v[d] = long(x);
  }
  c = ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  const double elems[] = {double(c.batch) * c.inH * c.inW * c.inC, double(c.batch) * c.outH * c.outW * c.outC, double(c.kH) * c.kW * c.inC * c.outC};
  for (double e : elems) if (e > 4e9) { a.fail("conv: tensor too large"); return false; }
  return true;
}
size_t inSize(const ConvGeom& c) { return size_t(c.batch) * c.inH * c.inW * c.inC; }
size_t outSize(const ConvGeom& c) { return size_t(c.batch) * c.outH * c.outW * c.outC; }
size_t filterSize(const ConvGeom& c) { return size_t(c.kH) * c.kW * c.inC * c.outC; }

// conv2d(x, w, out, geometry), conv2dBackpropInput(dy, w, dx, geometry),
// conv2dBackpropFilter(x, dy, dw, geometry): the two inputs' and the output's sizes per code.
napi_value Conv(napi_env env, napi_callback_info info, PlanCode code, const char* fn, const char* const names[3]) {
  Args a(env, info, 4, fn);
  PlanOp op = planOp(code);
  auto& c = op.conv;
  if (!convGeometry(a, 3, c.c)) return nullptr;
  const size_t in = inSize(c.c), out = outSize(c.c), filter = filterSize(c.c);
  const size_t sizes[3] = {code == K_CONV2D_BACKPROP_INPUT ? out : in, code == K_CONV2D_BACKPROP_FILTER ? out : filter,
                           code == K_CONV2D ? out : code == K_CONV2D_BACKPROP_INPUT ? in : filter};
  c.a = a.f32(0, sizes[0], names[0]);
  c.b = a.f32(1, sizes[1], names[1]);
  c.out = a.f32(2, sizes[2], names[2]);
  if (a.failed) return nullptr;
  run(op);
  return nullptr;
}
napi_value Conv2D(napi_env env, napi_callback_info info) {
  static const char* const names[3] = {"x", "w", "out"};
  return Conv(env, info, K_CONV2D, "conv2d", names);
}
napi_value Conv2DBackpropInput(napi_env env, napi_callback_info info) {
  static const char* const names[3] = {"dy", "w", "dx"};
  return Conv(env, info, K_CONV2D_BACKPROP_INPUT, "conv2dBackpropInput", names);
}
napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) {
  static const char* const names[3] = {"x", "dy", "dw"};
  return Conv(env, info, K_CONV2D_BACKPROP_FILTER, "conv2dBackpropFilter", names);
}

// pool2d(op, x, out, geometry) and pool2dBackward(op, x, y, dy, dx, geometry).
napi_value Pool2D(napi_env env, napi_callback_info info) {
  Args a(env, info, 4, "pool2d");
  PlanOp op = planOp(K_POOL2D);
  auto& p = op.pool;
  p.op = a.code(0, P_COUNT, "pool op");
  if (!convGeometry(a, 3, p.c)) return nullptr;
  p.x = a.f32(1, inSize(p.c), "x");
  p.out = a.f32(2, outSize(p.c), "out");
  if (a.failed) return nullptr;
  run(op);
  return nullptr;
}

// biasActPool(act, z, bias | null, out, argmax, geometry) and
// biasActPoolBackward(act, y, dy, argmax, dz, dbias | null, geometry): see native/conv-pool.inc.
// argmax is a Float32Array holding one byte per pooled value (4 per float).
bool biasPoolGeometry(Args& a, int act, size_t i, ConvGeom& c, const char* fn) {
  if (!convGeometry(a, i, c)) return false;
  const std::string f(fn);
  if (act != U_RELU && act != U_LINEAR) a.fail(f + ": activation must be relu or linear");
  else if (c.outC != c.inC || c.strideH != c.kH || c.strideW != c.kW || c.padTop != 0 || c.padLeft != 0 || c.dilationH != 1 || c.dilationW != 1 ||
           c.outH != c.inH / c.kH || c.outW != c.inW / c.kW)
    a.fail(f + ": the geometry must be a valid max pooling with strides equal to the pool size");
  else if (c.kH * c.kW > 256) a.fail(f + ": at most 256 taps per window");
  else if (c.inC > kBiasPoolPartialFloats) a.fail(f + ": at most " + std::to_string(kBiasPoolPartialFloats) + " channels");
  return !a.failed;
}

napi_value BiasActPool(napi_env env, napi_callback_info info) {
  Args a(env, info, 6, "biasActPool");
  PlanOp op = planOp(K_BIAS_ACT_POOL);
  auto& p = op.biasPool;
  p.act = a.code(0, U_COUNT, "activation");
  if (!biasPoolGeometry(a, p.act, 5, p.c, "biasActPool")) return nullptr;
  const size_t pooled = outSize(p.c);
  p.z = a.f32(1, inSize(p.c), "z");
  p.bias = a.f32(2, size_t(p.c.inC), "bias", true);
  p.out = a.f32(3, pooled, "out");
  p.idx = reinterpret_cast<uint8_t*>(a.f32(4, (pooled + 3) / 4, "argmax"));
  if (a.failed) return nullptr;
  run(op);
  return nullptr;
}

napi_value BiasActPoolBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, 7, "biasActPoolBackward");
  PlanOp op = planOp(K_BIAS_ACT_POOL_BACKWARD);
  auto& p = op.biasPool;
  p.act = a.code(0, U_COUNT, "activation");
  if (!biasPoolGeometry(a, p.act, 6, p.c, "biasActPoolBackward")) return nullptr;
  const size_t pooled = outSize(p.c);
  p.y = a.f32(1, pooled, "y");
  p.dy = a.f32(2, pooled, "dy");
  p.idx = reinterpret_cast<uint8_t*>(a.f32(3, (pooled + 3) / 4, "argmax"));
  p.out = a.f32(4, inSize(p.c), "dz");
  p.dbias = a.f32(5, size_t(p.c.inC), "dbias", true);
  if (a.failed) return nullptr;
  run(op);
  return nullptr;
}

// conv2dBiasActPool(act, x, w, bias | null, out, argmax, geometry, poolH, poolW) and
// conv2dBiasActPoolBackpropFilter(act, x, y, dy, argmax, dw, dbias | null, geometry, poolH, poolW):
// a few-tap convolution (kH·kW·inC <= 9) with its epilogue and pooling (native/conv-pool.inc).
bool convPoolArgs(Args& a, int act, size_t gi, PlanOp& op, const char* fn) {
  auto& p = op.convPool;
  if (!convGeometry(a, gi, p.c)) return false;
  p.pH = a.i64(gi + 1, "poolH");
  p.pW = a.i64(gi + 2, "poolW");
  const std::string f(fn);
  if (a.failed) return false;
  if (act != U_RELU && act != U_LINEAR) a.fail(f + ": activation must be relu or linear");
  else if (p.c.kH * p.c.kW * p.c.inC < 1 || p.c.kH * p.c.kW * p.c.inC > 9) a.fail(f + ": the convolution must have at most 9 taps (kernelH·kernelW·inChannels)");
  else if (p.pH < 1 || p.pW < 1 || p.pH * p.pW > 256) a.fail(f + ": pool sizes must be positive, at most 256 taps");
  p.act = act;
  return !a.failed;
}
size_t pooledSize(const PlanOp& op) {
  const auto& p = op.convPool;
  return size_t(p.c.batch) * (p.c.outH / p.pH) * (p.c.outW / p.pW) * p.c.outC;
}

napi_value ConvBiasActPool(napi_env env, napi_callback_info info) {
  Args a(env, info, 9, "conv2dBiasActPool");
  PlanOp op = planOp(K_CONV_POOL);
  auto& p = op.convPool;
  if (!convPoolArgs(a, a.code(0, U_COUNT, "activation"), 6, op, "conv2dBiasActPool")) return nullptr;
  const size_t pooled = pooledSize(op);
  p.x = a.f32(1, inSize(p.c), "x");
  p.w = a.f32(2, filterSize(p.c), "w");
  p.bias = a.f32(3, size_t(p.c.outC), "bias", true);
  p.out = a.f32(4, pooled, "out");
  p.idx = reinterpret_cast<uint8_t*>(a.f32(5, (pooled + 3) / 4, "argmax"));
  if (a.failed) return nullptr;
  run(op);
  return nullptr;
}

napi_value ConvBiasActPoolFilter(napi_env env, napi_callback_info info) {
  Args a(env, info, 10, "conv2dBiasActPoolBackpropFilter");
  PlanOp op = planOp(K_CONV_POOL_FILTER);
  auto& p = op.convPool;
  if (!convPoolArgs(a, a.code(0, U_COUNT, "activation"), 7, op, "conv2dBiasActPoolBackpropFilter")) return nullptr;
  const size_t pooled = pooledSize(op);
  p.x = a.f32(1, inSize(p.c), "x");
  p.y = a.f32(2, pooled, "y");
  p.dy = a.f32(3, pooled, "dy");
  p.idx = reinterpret_cast<uint8_t*>(a.f32(4, (pooled + 3) / 4, "argmax"));
  p.dw = a.f32(5, filterSize(p.c), "dw");
  p.dbias = a.f32(6, size_t(p.c.outC), "dbias", true);
  if (a.failed) return nullptr;
  run(op);
  return nullptr;
}

napi_value Pool2DBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, 6, "pool2dBackward");
  PlanOp op = planOp(K_POOL2D_BACKWARD);
  auto& p = op.pool;
  p.op = a.code(0, P_COUNT, "pool op");
  if (!convGeometry(a, 5, p.c)) return nullptr;
  p.x = a.f32(1, inSize(p.c), "x");
  p.y = a.f32(2, outSize(p.c), "y");
  p.dy = a.f32(3, outSize(p.c), "dy");
  p.out = a.f32(4, inSize(p.c), "dx");
  if (a.failed) return nullptr;
  run(op);
  return nullptr;
}

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
  napi_set_named_property(env, o, "microTile", str(env, (std::to_string(g_isa->mr) + "x" + std::to_string(g_isa->nr)).c_str()));
  napi_set_named_property(env, o, "threads", numv(env, g_pool->threads()));
  napi_set_named_property(env, o, "avx2", boolv(env, kFeatures.avx2));
  napi_set_named_property(env, o, "fma", boolv(env, kFeatures.fma));
  napi_set_named_property(env, o, "avx512f", boolv(env, kFeatures.avx512f));
  napi_set_named_property(env, o, "avx512vl", boolv(env, kFeatures.avx512vl));
  napi_set_named_property(env, o, "isaNote", str(env, g_isaNote.c_str()));
  napi_set_named_property(env, o, "threadNote", str(env, g_threadNote.c_str()));
  return o;
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
    {"batchNormStats", BatchNormStats}, {"batchNorm", BatchNorm}, {"batchNormBackward", BatchNormBackward},
    {"optimizerStep", OptimizerStepFn}, {"info", Info}, {"supportedIsas", SupportedIsas}, {"setIsa", SetIsa}, {"setNumThreads", SetNumThreads},
    {"measureClockGHz", MeasureClockGHz}, {"measureFmaPeakGflops", MeasureFmaPeak},
    {"conv2d", Conv2D}, {"conv2dBackpropInput", Conv2DBackpropInput}, {"conv2dBackpropFilter", Conv2DBackpropFilter},
    {"pool2d", Pool2D}, {"pool2dBackward", Pool2DBackward}, {"biasActPool", BiasActPool}, {"biasActPoolBackward", BiasActPoolBackward},
    {"conv2dBiasActPool", ConvBiasActPool}, {"conv2dBiasActPoolBackpropFilter", ConvBiasActPoolFilter},
    {"abiVersion", AbiVersion}, {"beginPlan", BeginPlan}, {"planLength", PlanLength}, {"endPlan", EndPlan}, {"runPlan", RunPlan}, {"fill", Fill},
    {"setPlanProfiling", SetPlanProfiling}, {"setPlanFusion", SetPlanFusion}, {"planProfile", PlanProfile},
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

