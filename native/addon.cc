// N-API entry points of deepts' native backend. Kernels work zero-copy on the Float32Array
// memory passed from JavaScript; arguments are validated here so that bad input gives a
// clear JS exception instead of a crash. The instruction set is chosen once at load time
// from the CPU's features (DEEPTS_NATIVE_ISA overrides; setIsa() switches for tests).
#include <node_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "arg_check.h"
#include "isa.h"
#include "threadpool.h"

namespace deepts {

const char* const kUnaryNames[U_COUNT] = {
  "neg", "abs", "exp", "log", "sqrt", "rsqrt", "square", "reciprocal", "sign",
  "relu", "relu6", "sigmoid", "tanh", "elu", "selu", "leakyRelu", "gelu", "geluTanh", "softplus", "softsign",
  "swish", "hardSigmoid", "log1p", "expm1", "floor", "ceil", "round", "sin", "cos", "erf", "step", "linear"};
const char* const kBinaryNames[B_COUNT] = {
  "add", "sub", "mul", "div", "pow", "maximum", "minimum", "squaredDifference",
  "greater", "greaterEqual", "less", "lessEqual", "equal", "notEqual"};
const char* const kReduceNames[R_COUNT] = {"sum", "max", "min", "prod"};
const char* const kOptimizerRuleNames[O_COUNT] = {"sgd", "momentum", "nesterov", "adam", "amsgrad", "adamax", "rmsprop", "adagrad"};
// State arrays each rule reads and writes (s0, s1, s2).
const int kOptimizerSlots[O_COUNT] = {0, 1, 1, 2, 3, 2, 3, 1};

namespace {

// Which inputs unaryBackward reads for each op (the others may be empty arrays).
bool backwardReadsX(int op) {
  switch (op) {
    case U_ABS: case U_LOG: case U_SQUARE: case U_SELU: case U_GELU: case U_GELUTANH: case U_SOFTPLUS:
    case U_SOFTSIGN: case U_SWISH: case U_HARDSIGMOID: case U_LOG1P: case U_SIN: case U_COS: case U_ERF:
      return true;
    default: return false;
  }
}
bool backwardReadsY(int op) {
  switch (op) {
    case U_EXP: case U_SQRT: case U_RSQRT: case U_RECIPROCAL: case U_RELU: case U_RELU6: case U_SIGMOID:
    case U_TANH: case U_ELU: case U_SELU: case U_LEAKYRELU: case U_EXPM1:
      return true;
    default: return false;
  }
}

// ---- CPU features and ISA choice ----------------------------------------------------------

struct Features { bool avx2 = false, fma = false, avx512f = false, avx512vl = false, avx512dq = false; };

Features detect() {
  Features f;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  f.avx512f = __builtin_cpu_supports("avx512f");
  f.avx512vl = __builtin_cpu_supports("avx512vl");
  f.avx512dq = __builtin_cpu_supports("avx512dq");
#endif
  return f;
}

const Features kFeatures = detect();

const IsaTable* tableFor(const std::string& name) {
#if defined(__x86_64__)
  if (name == "avx512") return kFeatures.avx512f && kFeatures.avx512vl && kFeatures.avx512dq && kFeatures.fma ? &kAvx512Table : nullptr;
  if (name == "avx2") return kFeatures.avx2 && kFeatures.fma ? &kAvx2Table : nullptr;
  if (name == "avx512-emulated") return kFeatures.avx2 && kFeatures.fma ? &kAvx512EmulatedTable : nullptr;
#endif
  if (name == "scalar" || name == "generic") return &kGenericTable;
  return nullptr;
}

const IsaTable* bestTable() {
  for (const char* n : {"avx512", "avx2", "generic"})
    if (const IsaTable* t = tableFor(n)) return t;
  return &kGenericTable;
}

const IsaTable* g_isa = nullptr;
ThreadPool* g_pool = nullptr;  // never destroyed: process exit must not wait for or destroy workers
std::string g_isaNote;
bool g_staticGemmSplit = getenv("DEEPTS_GEMM_STATIC_SPLIT") != nullptr;  // for benchmarking the two schemes

// More threads than this never helps a CPU kernel and only risks the process's thread limit.
constexpr int kMaxThreads = 256;
std::string g_threadNote;

int defaultThreads() {
  if (const char* env = getenv("DEEPTS_NUM_THREADS")) {
    long n = strtol(env, nullptr, 10);
    if (n > kMaxThreads) {
      g_threadNote = std::string("DEEPTS_NUM_THREADS=") + env + " is above the limit of " + std::to_string(kMaxThreads) + "; using " + std::to_string(kMaxThreads);
      return kMaxThreads;
    }
    if (n > 0) return int(n);
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? int(hc) : 1;
}

// When the OS refused some of the pool's threads, say how many run (one line, shown by `deepts info`
// and printed once by the loader).
void notePoolShortfall() {
  if (g_pool->threads() < g_pool->requested()) {
    if (!g_threadNote.empty()) g_threadNote += "; ";
    g_threadNote += "the system let the native thread pool start only " + std::to_string(g_pool->threads()) + " of " +
                    std::to_string(g_pool->requested()) + " threads (process or thread limit); running with " + std::to_string(g_pool->threads());
  }
}

void initOnce() {
  if (g_isa) return;
  g_isa = bestTable();
  if (const char* env = getenv("DEEPTS_NATIVE_ISA")) {
    if (const IsaTable* t = tableFor(env)) g_isa = t;
    else g_isaNote = std::string("DEEPTS_NATIVE_ISA=") + env + " is not supported by this CPU (or unknown); using " + g_isa->name;
  }
  if (const char* env = getenv("DEEPTS_SPIN_US")) ThreadPool::setSpinMicros(atoi(env));
  g_pool = new ThreadPool(defaultThreads());
  notePoolShortfall();
}

// ---- argument helpers ---------------------------------------------------------------------

struct Args {
  napi_env env;
  napi_value argv[10];
  size_t argc = 10;
  bool failed = false;

  Args(napi_env e, napi_callback_info info, size_t expected, const char* fn) : env(e) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    if (argc < expected) fail(std::string(fn) + ": expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc));
  }
  void fail(const std::string& msg) {
    if (!failed) napi_throw_type_error(env, nullptr, msg.c_str());
    failed = true;
  }
  // A Float32Array with at least `need` elements; `nullable` accepts null/undefined (returns nullptr).
  float* f32(size_t i, size_t need, const char* what, bool nullable = false) {
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

// Splits [0, n) into at most `parts` contiguous ranges aligned to `align`.
struct Split {
  long n, chunk;
  int parts;
  Split(long n_, int maxParts, long align, long minChunk) : n(n_) {
    long c = std::max(minChunk, (n + maxParts - 1) / std::max(maxParts, 1));
    c = (c + align - 1) / align * align;
    chunk = std::max(c, align);
    parts = int((n + chunk - 1) / chunk);
  }
  long begin(int i) const { return std::min(n, i * chunk); }
  long end(int i) const { return std::min(n, (i + 1) * chunk); }
};

int threadsFor(double work, double perThreadMin) {
  int t = g_pool->threads();
  if (t <= 1 || work < 2 * perThreadMin) return 1;
  return std::max(1, std::min(t, int(work / perThreadMin)));
}

// ---- kernels ------------------------------------------------------------------------------

// Threaded GEMM: all of op(B) (up to NC columns at a time) is packed once, its panels split
// over the threads; then row blocks of C are handed out as tasks, a few per thread, so that
// a thread the OS preempts delays only a small task. Two pool barriers per NC columns.
void matmulSharedB(const IsaTable* isa, const GemmArgs& g, int threads) {
  const long m = g.m, n = g.n, k = g.k, mr = isa->mr, nr = isa->nr;
  const long kBlocks = (k + isa->kc - 1) / isa->kc, kcStep = (k + kBlocks - 1) / kBlocks;
  const long ncMax = std::min(n, isa->nc);
  const long mPanels = (m + mr - 1) / mr;
  // Up to 3 tasks per thread of >= 4 micro-panels each, always a multiple of the thread count
  // and spread evenly in whole panels (64 rows on 2 threads: 6 + 5 panels, not 8 + 3).
  const int tasks = int(threads * std::max(1L, std::min(3L, mPanels / (4L * threads))));
  static thread_local float* Bp = nullptr;
  static thread_local size_t cap = 0;
  const size_t need = size_t(k) * ((ncMax + nr - 1) / nr) * nr;
  if (cap < need) {
    free(Bp);
    Bp = static_cast<float*>(aligned_alloc(64, (need * sizeof(float) + 63) & ~size_t(63)));
    if (!Bp) abort();
    cap = need;
  }
  struct Ctx {
    const IsaTable* isa; const GemmArgs* g; float* Bp;
    long jc, nc, ncPadded, kcStep, mPanels, tasks, mr, nr; Split* packSplit;
  } ctx{isa, &g, Bp, 0, 0, 0, kcStep, mPanels, tasks, mr, nr, nullptr};
  for (long jc = 0; jc < n; jc += isa->nc) {
    const long nc = std::min(isa->nc, n - jc);
    Split packSplit((nc + nr - 1) / nr, threads, 1, 4);
    ctx.jc = jc; ctx.nc = nc; ctx.ncPadded = (nc + nr - 1) / nr * nr; ctx.packSplit = &packSplit;
    // Packed layout: for each depth block pc, its NR-panels (kc × NR each) one after another.
    g_pool->run(packSplit.parts, [](void* p, int t) {
      auto* c = static_cast<Ctx*>(p);
      const long p0 = c->packSplit->begin(t) * c->nr, p1 = std::min(c->nc, c->packSplit->end(t) * c->nr);
      for (long pc = 0; pc < c->g->k; pc += c->kcStep) {
        const long kc = std::min(c->kcStep, c->g->k - pc);
        c->isa->packB(*c->g, pc, kc, c->jc + p0, p1 - p0, c->Bp + pc * c->ncPadded + p0 * kc);
      }
    }, &ctx);
    g_pool->run(tasks, [](void* p, int t) {
      auto* c = static_cast<Ctx*>(p);
      const long ic = t * c->mPanels / c->tasks * c->mr;
      const long mc = std::min(c->g->m, (t + 1) * c->mPanels / c->tasks * c->mr) - ic;
      for (long pc = 0; pc < c->g->k; pc += c->kcStep) {
        const long kc = std::min(c->kcStep, c->g->k - pc);
        c->isa->gemmRowBlock(*c->g, c->Bp + pc * c->ncPadded, ic, mc, pc, kc, c->jc, c->nc, c->g->accumulate || pc > 0);
      }
    }, &ctx);
  }
}

napi_value Matmul(napi_env env, napi_callback_info info) {
  Args a(env, info, 9, "matmul");
  long m = a.i64(3, "m"), n = a.i64(4, "n"), k = a.i64(5, "k");
  bool ta = a.flag(6), tb = a.flag(7), acc = a.flag(8);
  GemmArgs g{a.f32(0, a.elems({m, k}, "matmul a"), "a"), a.f32(1, a.elems({k, n}, "matmul b"), "b"), a.f32(2, a.elems({m, n}, "matmul out"), "out"), m, n, k, ta, tb, acc};
  if (a.failed || m == 0 || n == 0) return nullptr;
  const IsaTable* isa = g_isa;
  // Below ~8 MFLOP per thread (~100 us on one core) a sleeping worker's wake-up, which can
  // take 50-200 us when the OS has to preempt something on that core, costs more than it
  // saves. Inside a training step the workers are still spinning from the previous kernel
  // (a hand-off costs ~1 us), so from ~2 MFLOP per thread the split pays.
  const int threads = threadsFor(double(m) * n * k, g_pool->awake() ? 1 << 18 : 1 << 22);
  if (threads <= 1 || k == 0) {
    isa->gemm(g, 0, m, 0, n);
    return nullptr;
  }
  const long mPanels = (m + isa->mr - 1) / isa->mr;
  if (mPanels >= 2 * threads && !g_staticGemmSplit) {
    matmulSharedB(isa, g, threads);
    return nullptr;
  }
  // Few rows: each thread takes its own column range (and packs its own A).
  Split split(n, threads, isa->nr, isa->nr);
  struct Ctx { const IsaTable* isa; GemmArgs* g; Split* s; } ctx{isa, &g, &split};
  g_pool->run(split.parts, [](void* p, int t) {
    auto* c = static_cast<Ctx*>(p);
    c->isa->gemm(*c->g, 0, c->g->m, c->s->begin(t), c->s->end(t));
  }, &ctx);
  return nullptr;
}

// Elementwise work is split in chunks of >= 32 Ki elements (below that one core is faster).
constexpr long kElementChunk = 1 << 15;

napi_value UnaryFn(napi_env env, napi_callback_info info) {
  Args a(env, info, 4, "unary");
  int op = a.code(0, U_COUNT, "unary op");
  float* x = a.f32(1, 0, "x");
  size_t n = 0;
  if (!a.failed) napi_get_typedarray_info(env, a.argv[1], nullptr, &n, nullptr, nullptr, nullptr);
  float* out = a.f32(2, n, "out");
  float alpha = float(a.num(3, "alpha"));
  if (a.failed) return nullptr;
  Split split(long(n), threadsFor(double(n), kElementChunk), 16, kElementChunk);
  struct Ctx { const IsaTable* isa; int op; const float* x; float* out; float alpha; Split* s; } ctx{g_isa, op, x, out, alpha, &split};
  g_pool->run(split.parts, [](void* p, int t) {
    auto* c = static_cast<Ctx*>(p);
    long b = c->s->begin(t);
    c->isa->unary(c->op, c->x + b, c->out + b, c->s->end(t) - b, c->alpha);
  }, &ctx);
  return nullptr;
}

napi_value UnaryBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, 6, "unaryBackward");
  int op = a.code(0, U_COUNT, "unary op");
  float* dy = a.f32(3, 0, "dy");
  size_t n = 0;
  if (!a.failed) napi_get_typedarray_info(env, a.argv[3], nullptr, &n, nullptr, nullptr, nullptr);
  float* x = a.f32(1, backwardReadsX(op) ? n : 0, "x");
  float* y = a.f32(2, backwardReadsY(op) ? n : 0, "y");
  float* out = a.f32(4, n, "out");
  float alpha = float(a.num(5, "alpha"));
  if (a.failed) return nullptr;
  Split split(long(n), threadsFor(double(n), kElementChunk), 16, kElementChunk);
  struct Ctx { const IsaTable* isa; int op; const float *x, *y, *dy; float* out; float alpha; Split* s; bool hasX, hasY; }
      ctx{g_isa, op, x, y, dy, out, alpha, &split, backwardReadsX(op), backwardReadsY(op)};
  g_pool->run(split.parts, [](void* p, int t) {
    auto* c = static_cast<Ctx*>(p);
    long b = c->s->begin(t);
    c->isa->unaryBackward(c->op, c->hasX ? c->x + b : nullptr, c->hasY ? c->y + b : nullptr, c->dy + b, c->out + b,
                          c->s->end(t) - b, c->alpha);
  }, &ctx);
  return nullptr;
}

// binary(op, a, aStrides, b, bStrides, out, outShape): strides are element strides of a and b
// seen through the output shape (0 on broadcast axes), as Int32Array/arrays of numbers.
napi_value BinaryOp(napi_env env, napi_callback_info info) {
  Args a(env, info, 7, "binary");
  int op = a.code(0, B_COUNT, "binary op");
  uint32_t rank = 0;
  if (!a.failed) napi_get_array_length(env, a.argv[6], &rank);
  if (!a.failed && rank > 16) a.fail("binary: rank above 16 is not supported");
  long shape[16], sa[16], sb[16];
  long n = 1, needA = 1, needB = 1;
  for (uint32_t d = 0; d < rank && !a.failed; ++d) {
    napi_value v;
    double s = 0, x = 0, y = 0;
    napi_get_element(env, a.argv[6], d, &v); napi_get_value_double(env, v, &s);
    napi_get_element(env, a.argv[2], d, &v); napi_get_value_double(env, v, &x);
    napi_get_element(env, a.argv[4], d, &v); napi_get_value_double(env, v, &y);
    if (!deepts::isDimension(s) || !deepts::isDimension(x) || !deepts::isDimension(y)) { a.fail("binary: shape and strides must be integers in [0, 2^48]"); break; }
    shape[d] = long(s); sa[d] = long(x); sb[d] = long(y);
    uint64_t nn = 0, ea = uint64_t(needA), eb = uint64_t(needB);
    if (!deepts::mulChecked(uint64_t(n), uint64_t(shape[d]), &nn) ||
        (shape[d] > 0 && (!deepts::mulAddChecked(&ea, uint64_t(sa[d]), uint64_t(shape[d] - 1)) || !deepts::mulAddChecked(&eb, uint64_t(sb[d]), uint64_t(shape[d] - 1))))) {
      a.fail("binary: the shape and strides reach more than 2^48 elements");
      break;
    }
    n = long(nn); needA = long(ea); needB = long(eb);
  }
  if (n == 0) { needA = 0; needB = 0; }
  float* pa = a.f32(1, size_t(needA), "a");
  float* pb = a.f32(3, size_t(needB), "b");
  float* out = a.f32(5, size_t(n), "out");
  if (a.failed || n == 0) return nullptr;
  const IsaTable* isa = g_isa;
  // Merge trailing axes into one contiguous run while each input keeps the same pattern
  // (stride 1: contiguous, stride 0: broadcast) across them; size-1 axes merge freely.
  long inner = 1, ia = 1, ib = 1;
  int d = int(rank) - 1;
  while (d >= 0 && shape[d] == 1) --d;
  if (d >= 0) {
    inner = shape[d]; ia = sa[d]; ib = sb[d]; --d;
    if (ia <= 1 && ib <= 1)
      while (d >= 0 && (shape[d] == 1 || (sa[d] == ia * inner && sb[d] == ib * inner))) { inner *= shape[d]; --d; }
  }
  if (ia > 1 || ib > 1) {  // an input strided along the last axis: plain element loop
    for (long i = 0; i < n; ++i) {
      long r = i, oa = 0, ob = 0;
      for (int e = int(rank) - 1; e >= 0; --e) { long q = r % shape[e]; r /= shape[e]; oa += q * sa[e]; ob += q * sb[e]; }
      isa->binaryVV(op, pa + oa, pb + ob, out + i, 1);
    }
    return nullptr;
  }
  const int outerRank = d + 1;
  const long rows = n / inner;
  struct Ctx { const IsaTable* isa; int op; const float *a, *b; float* out; long inner, ia, ib; int outerRank; const long *shape, *sa, *sb; Split* s; } ctx{
      isa, op, pa, pb, out, inner, ia, ib, outerRank, shape, sa, sb, nullptr};
  auto rowsTask = [](void* p, int t) {
    auto* c = static_cast<Ctx*>(p);
    for (long row = c->s->begin(t); row < c->s->end(t); ++row) {
      long r = row, oa = 0, ob = 0;
      for (int e = c->outerRank - 1; e >= 0; --e) { long q = r % c->shape[e]; r /= c->shape[e]; oa += q * c->sa[e]; ob += q * c->sb[e]; }
      float* o = c->out + row * c->inner;
      if (c->ia && c->ib) c->isa->binaryVV(c->op, c->a + oa, c->b + ob, o, c->inner);
      else if (c->ia) c->isa->binaryVS(c->op, c->a + oa, c->b[ob], o, c->inner);
      else if (c->ib) c->isa->binarySV(c->op, c->a[oa], c->b + ob, o, c->inner);
      else { float v = c->a[oa]; c->isa->binarySV(c->op, v, c->b + ob, o, 1); for (long j = 1; j < c->inner; ++j) o[j] = o[0]; }
    }
  };
  if (rows == 1 && inner >= 2 * kElementChunk) {  // one long contiguous run: split it
    Split split(inner, threadsFor(double(inner), kElementChunk), 16, kElementChunk);
    struct C2 { Ctx* c; Split* s; } c2{&ctx, &split};
    g_pool->run(split.parts, [](void* p, int t) {
      auto* q = static_cast<C2*>(p);
      Ctx* c = q->c;
      long b = q->s->begin(t), len = q->s->end(t) - b;
      if (c->ia && c->ib) c->isa->binaryVV(c->op, c->a + b, c->b + b, c->out + b, len);
      else if (c->ia) c->isa->binaryVS(c->op, c->a + b, c->b[0], c->out + b, len);
      else if (c->ib) c->isa->binarySV(c->op, c->a[0], c->b + b, c->out + b, len);
      else for (long j = 0; j < len; ++j) c->isa->binaryVV(c->op, c->a, c->b, c->out + b + j, 1);
    }, &c2);
    return nullptr;
  }
  Split split(rows, threadsFor(double(n), kElementChunk), 1, std::max(1L, kElementChunk / std::max(inner, 1L)));
  ctx.s = &split;
  g_pool->run(split.parts, rowsTask, &ctx);
  return nullptr;
}

// reduce(op, x, out, outer, red, inner): x is outer × red × inner, out is outer × inner.
napi_value ReduceOp(napi_env env, napi_callback_info info) {
  Args a(env, info, 6, "reduce");
  int op = a.code(0, R_COUNT, "reduce op");
  long outer = a.i64(3, "outer"), red = a.i64(4, "red"), inner = a.i64(5, "inner");
  float* x = a.f32(1, a.elems({outer, red, inner}, "reduce x"), "x");
  float* out = a.f32(2, a.elems({outer, inner}, "reduce out"), "out");
  if (a.failed || outer == 0 || inner == 0) return nullptr;
  // Single-threaded: the lecture's reductions are a few hundred KiB, below the threading break-even.
  const IsaTable* isa = g_isa;
  isa->reduce(op, x, out, outer, red, inner, 0, outer);
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
  Split split(rows, threadsFor(double(rows) * cols, kElementChunk), 1, 1);
  struct Ctx { const IsaTable* isa; const float *x, *bias; int act; float alpha; float* out; long cols; Split* s; } ctx{g_isa, x, bias, act, alpha, out, cols, &split};
  g_pool->run(split.parts, [](void* p, int t) {
    auto* c = static_cast<Ctx*>(p);
    c->isa->biasAct(c->x, c->bias, c->act, c->alpha, c->out, c->cols, c->s->begin(t), c->s->end(t));
  }, &ctx);
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
  Split split(cols, threadsFor(double(rows) * cols, kElementChunk), 16, 16);
  struct Ctx { const IsaTable* isa; const float *y, *dy; int act; float alpha; float *dz, *dbias; long rows, cols; Split* s; } ctx{
      g_isa, y, dy, act, alpha, dz, dbias, rows, cols, &split};
  g_pool->run(split.parts, [](void* p, int t) {
    auto* c = static_cast<Ctx*>(p);
    c->isa->biasActBackward(c->y, c->dy, c->act, c->alpha, c->dz, c->dbias, c->rows, c->cols, c->s->begin(t), c->s->end(t));
  }, &ctx);
  return nullptr;
}

// optimizerStep(rule, w, g, slots: Float32Array[], h: number[]): one optimizer update in place.
napi_value OptimizerStepFn(napi_env env, napi_callback_info info) {
  Args a(env, info, 5, "optimizerStep");
  int rule = a.code(0, O_COUNT, "optimizer rule");
  if (a.failed) return nullptr;
  float* w = a.f32(1, 0, "w");
  if (a.failed) return nullptr;
  size_t n = 0;
  napi_get_typedarray_info(env, a.argv[1], nullptr, &n, nullptr, nullptr, nullptr);
  const float* g = a.f32(2, n, "g");
  float* slots[3] = {nullptr, nullptr, nullptr};
  uint32_t count = 0;
  bool isArray = false;
  napi_is_array(env, a.argv[3], &isArray);
  if (!isArray) { a.fail("optimizerStep: slots must be an array of Float32Array"); return nullptr; }
  napi_get_array_length(env, a.argv[3], &count);
  if (int(count) < kOptimizerSlots[rule] || count > 3) { a.fail(std::string("optimizerStep: rule '") + kOptimizerRuleNames[rule] + "' needs " + std::to_string(kOptimizerSlots[rule]) + " state arrays"); return nullptr; }
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
    slots[i] = static_cast<float*>(data);
  }
  float h[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  napi_get_array_length(env, a.argv[4], &count);
  for (uint32_t i = 0; i < count && i < 8; ++i) {
    napi_value el;
    double v = 0;
    napi_get_element(env, a.argv[4], i, &el);
    napi_get_value_double(env, el, &v);
    h[i] = float(v);
  }
  if (a.failed) return nullptr;
  Split split(long(n), threadsFor(double(n) * 4, kElementChunk), 64, 64);
  struct Ctx { const IsaTable* isa; int rule; float* w; const float* g; float** s; const float* h; Split* sp; } ctx{g_isa, rule, w, g, slots, h, &split};
  g_pool->run(split.parts, [](void* p, int t) {
    auto* c = static_cast<Ctx*>(p);
    c->isa->optimizerStep(c->rule, c->w, c->g, c->s[0], c->s[1], c->s[2], c->h, c->sp->begin(t), c->sp->end(t));
  }, &ctx);
  return nullptr;
}

napi_value Softmax(napi_env env, napi_callback_info info) {
  Args a(env, info, 5, "softmax");
  long rows = a.i64(2, "rows"), cols = a.i64(3, "cols");
  float* x = a.f32(0, a.elems({rows, cols}, "softmax x"), "x");
  float* out = a.f32(1, a.elems({rows, cols}, "softmax out"), "out");
  bool log = a.flag(4);
  if (a.failed || rows == 0 || cols == 0) return nullptr;  // nothing to do (and no 2^32 empty rows to walk)
  Split split(rows, threadsFor(double(rows) * cols, kElementChunk), 1, 1);
  struct Ctx { const IsaTable* isa; const float* x; float* out; long cols; bool log; Split* s; } ctx{g_isa, x, out, cols, log, &split};
  g_pool->run(split.parts, [](void* p, int t) {
    auto* c = static_cast<Ctx*>(p);
    c->isa->softmax(c->x, c->out, c->cols, c->s->begin(t), c->s->end(t), c->log);
  }, &ctx);
  return nullptr;
}

// ---- data movement (memcpy of contiguous runs) --------------------------------------------

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
  for (long o = 0; o < outer; ++o)
    for (size_t j = 0; j < count; ++j)
      memcpy(out + (o * long(count) + long(j)) * inner, x + (o * dim + idx[j]) * inner, size_t(inner) * sizeof(float));
  return nullptr;
}

// slice(x, out, shape, begin, size): out = x[begin : begin + size] per axis (ranges already checked).
napi_value Slice(napi_env env, napi_callback_info info) {
  Args a(env, info, 5, "slice");
  uint32_t rank = 0;
  if (!a.failed) napi_get_array_length(env, a.argv[2], &rank);
  if (!a.failed && rank > 16) a.fail("slice: rank above 16 is not supported");
  long shape[16], begin[16], size[16], total = 1, outTotal = 1;
  for (uint32_t d = 0; d < rank && !a.failed; ++d) {
    napi_value v;
    double x = 0, b = 0, z = 0;
    napi_get_element(env, a.argv[2], d, &v); napi_get_value_double(env, v, &x);
    napi_get_element(env, a.argv[3], d, &v); napi_get_value_double(env, v, &b);
    napi_get_element(env, a.argv[4], d, &v); napi_get_value_double(env, v, &z);
    if (!deepts::isDimension(x) || !deepts::isDimension(b) || !deepts::isDimension(z)) { a.fail("slice: shape, begin and size must be integers in [0, 2^48]"); break; }
    shape[d] = long(x); begin[d] = long(b); size[d] = long(z);
    if (begin[d] + size[d] > shape[d]) { a.fail("slice: begin/size out of range on axis " + std::to_string(d)); break; }
    uint64_t t = 0, o = 0;
    if (!deepts::mulChecked(uint64_t(total), uint64_t(shape[d]), &t) || !deepts::mulChecked(uint64_t(outTotal), uint64_t(size[d]), &o)) {
      a.fail("slice: the shape multiplies to more than 2^48 elements");
      break;
    }
    total = long(t); outTotal = long(o);
  }
  float* x = a.f32(0, size_t(total), "x");
  float* out = a.f32(1, size_t(outTotal), "out");
  if (a.failed || outTotal == 0) return nullptr;
  // The innermost axes taken whole, plus the first partial one, form one contiguous run.
  long run = 1;
  int d = int(rank) - 1;
  while (d >= 0 && size[d] == shape[d]) { run *= shape[d]; --d; }
  long stride[16];
  long st = 1;
  for (int e = int(rank) - 1; e >= 0; --e) { stride[e] = st; st *= shape[e]; }
  long runStart = 0;
  if (d >= 0) { runStart = begin[d] * run; run *= size[d]; }
  const long runs = outTotal / run;
  long idx[16] = {0};
  for (long r = 0; r < runs; ++r) {
    long src = runStart;
    for (int e = 0; e < d; ++e) src += (begin[e] + idx[e]) * stride[e];
    memcpy(out + r * run, x + src, size_t(run) * sizeof(float));
    for (int e = d - 1; e >= 0; --e) {
      if (++idx[e] < size[e]) break;
      idx[e] = 0;
    }
  }
  return nullptr;
}

// ---- control and introspection ------------------------------------------------------------

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

// Clock from a chain of dependent integer adds (1 cycle each on every x86 core since 2000s).
napi_value MeasureClockGHz(napi_env env, napi_callback_info) {
#if defined(__x86_64__)
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const long iters = 2000000;
    long x = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < iters; ++i) {
      __asm__ volatile(
          "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
          "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
          "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
          "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
          : "+r"(x));
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
}  // namespace deepts

using namespace deepts;

static napi_value Init(napi_env env, napi_value exports) {
  initOnce();
  struct Fn { const char* name; napi_callback cb; } fns[] = {
    {"matmul", Matmul}, {"unary", UnaryFn}, {"unaryBackward", UnaryBackward}, {"binary", BinaryOp},
    {"reduce", ReduceOp}, {"gather", Gather}, {"slice", Slice}, {"biasAct", BiasAct}, {"biasActBackward", BiasActBackward}, {"softmax", Softmax},
    {"optimizerStep", OptimizerStepFn}, {"info", Info}, {"supportedIsas", SupportedIsas}, {"setIsa", SetIsa}, {"setNumThreads", SetNumThreads},
    {"measureClockGHz", MeasureClockGHz}, {"measureFmaPeakGflops", MeasureFmaPeak},
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
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
