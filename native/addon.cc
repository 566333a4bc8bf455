// N-API entry points of deepts' native backend. Kernels work zero-copy on the Float32Array
// memory passed from JavaScript; arguments are validated here so that bad input gives a
// clear JS exception instead of a crash. The instruction set is chosen once at load time
// from the CPU's features (DEEPTS_NATIVE_ISA overrides; setIsa() switches for tests).
#include <functional>
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

namespace {

// Which inputs unaryBackward reads for each op (the others may be empty arrays): from the op table.
bool backwardReadsX(int op) { return (kUnaryBackwardReads[op] & 1) != 0; }
bool backwardReadsY(int op) { return (kUnaryBackwardReads[op] & 2) != 0; }

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

// ---- recorded plans (compiled training steps, src/train/compiled-step.ts) -----------------
//
// Between beginPlan() and endPlan() the kernel entry points check their arguments as usual
// but, instead of running, append the work to a list; runPlan(plan) then runs the whole list
// in one call from JavaScript. The work captures raw pointers into the typed arrays, which
// the JavaScript plan keeps alive (V8 never moves an ArrayBuffer's backing store).

using Work = std::function<void()>;
// One recorded kernel; GEMMs keep their arguments so endPlan() can pair independent ones.
struct PlanItem {
  Work run;
  bool isGemm = false;
  GemmArgs g{};
};
using Plan = std::vector<PlanItem>;
Plan* g_recording = nullptr;
// DEEPTS_PLAN_PAIRS=0 turns the pairing off (to measure what it gains).
const bool g_pairGemms = [] { const char* e = getenv("DEEPTS_PLAN_PAIRS"); return !(e && e[0] == '0'); }();

// Runs the work now, or appends it to the plan being recorded (eager calls pay nothing for it).
template <class F>
napi_value dispatch(F&& work) {
  if (g_recording) g_recording->push_back(PlanItem{Work(std::forward<F>(work))});
  else work();
  return nullptr;
}

void runGemm(const GemmArgs& g);

napi_value dispatchGemm(const GemmArgs& g) {
  if (!g_recording) {
    runGemm(g);
    return nullptr;
  }
  g_recording->push_back(PlanItem{[g] { runGemm(g); }, true, g});
  return nullptr;
}

bool overlaps(const float* p, size_t n, const float* q, size_t m) {
  return n > 0 && m > 0 && p < q + m && q < p + n;
}

// Two GEMMs may run at the same time when neither writes what the other reads or writes.
bool independent(const GemmArgs& x, const GemmArgs& y) {
  const size_t xa = size_t(x.m) * x.k, xb = size_t(x.k) * x.n, xc = size_t(x.m) * x.n;
  const size_t ya = size_t(y.m) * y.k, yb = size_t(y.k) * y.n, yc = size_t(y.m) * y.n;
  return !overlaps(x.c, xc, y.a, ya) && !overlaps(x.c, xc, y.b, yb) && !overlaps(x.c, xc, y.c, yc) &&
         !overlaps(y.c, yc, x.a, xa) && !overlaps(y.c, yc, x.b, xb);
}

// Runs two GEMMs concurrently, each whole on one thread (the pool's caller takes one, a worker
// the other; without a free worker the caller runs both). For pairs of equal work, as a dense
// layer's dX = dZ·Wᵀ and dW = Xᵀ·dZ always are, this keeps both cores busy without the
// hand-offs and barriers of splitting each product in two.
void runGemmPair(const GemmArgs& x, const GemmArgs& y) {
  struct Ctx { const GemmArgs* g[2]; } ctx{{&x, &y}};
  g_pool->run(2, [](void* p, int t) {
    const GemmArgs& g = *static_cast<Ctx*>(p)->g[t];
    g_isa->gemm(g, 0, g.m, 0, g.n);
  }, &ctx);
}

// Pairs adjacent independent GEMMs of similar work (within 2x) in a recorded plan.
void pairGemms(Plan& plan) {
  if (!g_pairGemms || g_pool->threads() < 2) return;
  Plan out;
  for (size_t i = 0; i < plan.size(); ++i) {
    if (i + 1 < plan.size() && plan[i].isGemm && plan[i + 1].isGemm && independent(plan[i].g, plan[i + 1].g)) {
      const GemmArgs x = plan[i].g, y = plan[i + 1].g;
      const double fx = double(x.m) * x.n * x.k, fy = double(y.m) * y.n * y.k;
      if (fx > 0 && fy > 0 && fx <= 2 * fy && fy <= 2 * fx) {
        out.push_back(PlanItem{[x, y] { runGemmPair(x, y); }});
        ++i;
        continue;
      }
    }
    out.push_back(std::move(plan[i]));
  }
  plan.swap(out);
}

napi_value BeginPlan(napi_env env, napi_callback_info) {
  delete g_recording;
  g_recording = new Plan();
  return undefined(env);
}

// The number of kernels recorded so far (JavaScript checks each call it replays was recorded).
napi_value PlanLength(napi_env env, napi_callback_info) {
  napi_value v;
  napi_create_double(env, g_recording ? double(g_recording->size()) : -1, &v);
  return v;
}

napi_value EndPlan(napi_env env, napi_callback_info) {
  auto* plan = g_recording;
  g_recording = nullptr;
  if (!plan) return undefined(env);
  pairGemms(*plan);
  napi_value ext;
  napi_create_external(env, plan, [](napi_env, void* data, void*) { delete static_cast<Plan*>(data); }, nullptr, &ext);
  return ext;
}

napi_value RunPlan(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void* data = nullptr;
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || !data) {
    napi_throw_type_error(env, nullptr, "runPlan: expected a plan from endPlan()");
    return nullptr;
  }
  for (const PlanItem& item : *static_cast<Plan*>(data)) item.run();
  return nullptr;
}

// fill(x, value): every element of x set to value (zeroing a buffer a kernel accumulates into).
napi_value Fill(napi_env env, napi_callback_info info) {
  Args a(env, info, 2, "fill");
  float* x = a.f32(0, 0, "x");
  size_t n = 0;
  if (!a.failed) napi_get_typedarray_info(env, a.argv[0], nullptr, &n, nullptr, nullptr, nullptr);
  float v = float(a.num(1, "value"));
  if (a.failed) return nullptr;
  return dispatch([=]() { std::fill(x, x + n, v); });
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

// C = op(A)·op(B) on the pool: serial below the threading break-even, else row blocks against
// a shared packed B, or (few rows) a column split. Used by matmul and by the convolutions.
void runGemm(const GemmArgs& g) {
  const IsaTable* isa = g_isa;
  const long m = g.m, n = g.n, k = g.k;
  // Below ~8 MFLOP per thread (~100 us on one core) a sleeping worker's wake-up, which can
  // take 50-200 us when the OS has to preempt something on that core, costs more than it
  // saves. Inside a training step the workers are still spinning from the previous kernel
  // (a hand-off costs ~1 us), so from ~2 MFLOP per thread the split pays.
  const int threads = threadsFor(double(m) * n * k, g_pool->awake() ? 1 << 18 : 1 << 22);
  if (threads <= 1 || k == 0) {
    isa->gemm(g, 0, m, 0, n);
    return;
  }
  const long mPanels = (m + isa->mr - 1) / isa->mr;
  if (mPanels >= 2 * threads && !g_staticGemmSplit) {
    matmulSharedB(isa, g, threads);
    return;
  }
  // Few rows: each thread takes its own column range (and packs its own A).
  Split split(n, threads, isa->nr, isa->nr);
  struct Ctx { const IsaTable* isa; const GemmArgs* g; Split* s; } ctx{isa, &g, &split};
  g_pool->run(split.parts, [](void* p, int t) {
    auto* c = static_cast<Ctx*>(p);
    c->isa->gemm(*c->g, 0, c->g->m, c->s->begin(t), c->s->end(t));
  }, &ctx);
}

napi_value Matmul(napi_env env, napi_callback_info info) {
  Args a(env, info, 9, "matmul");
  long m = a.i64(3, "m"), n = a.i64(4, "n"), k = a.i64(5, "k");
  bool ta = a.flag(6), tb = a.flag(7), acc = a.flag(8);
  GemmArgs g{a.f32(0, a.elems({m, k}, "matmul a"), "a"), a.f32(1, a.elems({k, n}, "matmul b"), "b"), a.f32(2, a.elems({m, n}, "matmul out"), "out"), m, n, k, ta, tb, acc};
  if (a.failed || m == 0 || n == 0) return nullptr;
  return dispatchGemm(g);
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
  return dispatch([=]() mutable {
    Split split(long(n), threadsFor(double(n), kElementChunk), 16, kElementChunk);
    struct Ctx { const IsaTable* isa; int op; const float* x; float* out; float alpha; Split* s; } ctx{g_isa, op, x, out, alpha, &split};
    g_pool->run(split.parts, [](void* p, int t) {
      auto* c = static_cast<Ctx*>(p);
      long b = c->s->begin(t);
      c->isa->unary(c->op, c->x + b, c->out + b, c->s->end(t) - b, c->alpha);
    }, &ctx);
  });
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
  return dispatch([=]() mutable {
    Split split(long(n), threadsFor(double(n), kElementChunk), 16, kElementChunk);
    struct Ctx { const IsaTable* isa; int op; const float *x, *y, *dy; float* out; float alpha; Split* s; bool hasX, hasY; }
        ctx{g_isa, op, x, y, dy, out, alpha, &split, backwardReadsX(op), backwardReadsY(op)};
    g_pool->run(split.parts, [](void* p, int t) {
      auto* c = static_cast<Ctx*>(p);
      long b = c->s->begin(t);
      c->isa->unaryBackward(c->op, c->hasX ? c->x + b : nullptr, c->hasY ? c->y + b : nullptr, c->dy + b, c->out + b,
                            c->s->end(t) - b, c->alpha);
    }, &ctx);
  });
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
  return dispatch([=]() mutable {
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
      return;
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
      return;
    }
    Split split(rows, threadsFor(double(n), kElementChunk), 1, std::max(1L, kElementChunk / std::max(inner, 1L)));
    ctx.s = &split;
    g_pool->run(split.parts, rowsTask, &ctx);
  });
}

// reduce(op, x, out, outer, red, inner): x is outer × red × inner, out is outer × inner.
napi_value ReduceOp(napi_env env, napi_callback_info info) {
  Args a(env, info, 6, "reduce");
  int op = a.code(0, R_COUNT, "reduce op");
  long outer = a.i64(3, "outer"), red = a.i64(4, "red"), inner = a.i64(5, "inner");
  float* x = a.f32(1, a.elems({outer, red, inner}, "reduce x"), "x");
  float* out = a.f32(2, a.elems({outer, inner}, "reduce out"), "out");
  if (a.failed || outer == 0 || inner == 0) return nullptr;
  return dispatch([=]() mutable {
    // Single-threaded: the lecture's reductions are a few hundred KiB, below the threading break-even.
    const IsaTable* isa = g_isa;
    isa->reduce(op, x, out, outer, red, inner, 0, outer);
  });
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
  return dispatch([=]() mutable {
    Split split(rows, threadsFor(double(rows) * cols, kElementChunk), 1, 1);
    struct Ctx { const IsaTable* isa; const float *x, *bias; int act; float alpha; float* out; long cols; Split* s; } ctx{g_isa, x, bias, act, alpha, out, cols, &split};
    g_pool->run(split.parts, [](void* p, int t) {
      auto* c = static_cast<Ctx*>(p);
      c->isa->biasAct(c->x, c->bias, c->act, c->alpha, c->out, c->cols, c->s->begin(t), c->s->end(t));
    }, &ctx);
  });
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
  return dispatch([=]() mutable {
    const int threads = threadsFor(double(rows) * cols, kElementChunk);
    if (cols < 256 && threads > 1) {  // few columns: split the rows (whole rows are one contiguous pass), add up the threads' dbias
      Split split(rows, threads, 1, 1);
      std::vector<float> partial(size_t(split.parts) * cols);
      struct Ctx { const IsaTable* isa; const float *y, *dy; int act; float alpha; float *dz, *dbias, *partial; long cols; Split* s; } ctx{
          g_isa, y, dy, act, alpha, dz, dbias, partial.data(), cols, &split};
      g_pool->run(split.parts, [](void* p, int t) {
        auto* c = static_cast<Ctx*>(p);
        const long r0 = c->s->begin(t), r1 = c->s->end(t), o = r0 * c->cols;
        c->isa->biasActBackward(c->y + o, c->dy + o, c->act, c->alpha, c->dz + o, c->dbias ? c->partial + t * c->cols : nullptr,
                                r1 - r0, c->cols, 0, c->cols);
      }, &ctx);
      if (dbias)
        for (long j = 0; j < cols; ++j) {
          float sum = 0;
          for (int t = 0; t < split.parts; ++t) sum += partial[size_t(t) * cols + j];
          dbias[j] = sum;
        }
      return;
    }
    Split split(cols, threads, 16, 16);
    struct Ctx { const IsaTable* isa; const float *y, *dy; int act; float alpha; float *dz, *dbias; long rows, cols; Split* s; } ctx{
        g_isa, y, dy, act, alpha, dz, dbias, rows, cols, &split};
    g_pool->run(split.parts, [](void* p, int t) {
      auto* c = static_cast<Ctx*>(p);
      c->isa->biasActBackward(c->y, c->dy, c->act, c->alpha, c->dz, c->dbias, c->rows, c->cols, c->s->begin(t), c->s->end(t));
    }, &ctx);
  });
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
  // h: an array of numbers (read now), or a Float64Array (read when the update runs: the
  // optimizer keeps one for its life, so a recorded plan's update uses each step's values).
  float h[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  const double* hLive = nullptr;
  size_t hLen = 0;
  bool hTyped = false;
  napi_is_typedarray(env, a.argv[4], &hTyped);
  if (hTyped) {
    napi_typedarray_type type;
    void* data = nullptr;
    napi_get_typedarray_info(env, a.argv[4], &type, &hLen, &data, nullptr, nullptr);
    if (type != napi_float64_array) { a.fail("optimizerStep: h must be an array of numbers or a Float64Array"); return nullptr; }
    hLive = static_cast<const double*>(data);
    hLen = std::min(hLen, size_t(8));
  } else {
    napi_get_array_length(env, a.argv[4], &count);
    for (uint32_t i = 0; i < count && i < 8; ++i) {
      napi_value el;
      double v = 0;
      napi_get_element(env, a.argv[4], i, &el);
      napi_get_value_double(env, el, &v);
      h[i] = float(v);
    }
  }
  if (a.failed) return nullptr;
  return dispatch([=]() mutable {
    for (size_t i = 0; i < hLen; ++i) h[i] = float(hLive[i]);
    Split split(long(n), threadsFor(double(n) * 4, kElementChunk), 64, 64);
    struct Ctx { const IsaTable* isa; int rule; float* w; const float* g; float** s; const float* h; Split* sp; } ctx{g_isa, rule, w, g, slots, h, &split};
    g_pool->run(split.parts, [](void* p, int t) {
      auto* c = static_cast<Ctx*>(p);
      c->isa->optimizerStep(c->rule, c->w, c->g, c->s[0], c->s[1], c->s[2], c->h, c->sp->begin(t), c->sp->end(t));
    }, &ctx);
  });
}

napi_value Softmax(napi_env env, napi_callback_info info) {
  Args a(env, info, 5, "softmax");
  long rows = a.i64(2, "rows"), cols = a.i64(3, "cols");
  float* x = a.f32(0, a.elems({rows, cols}, "softmax x"), "x");
  float* out = a.f32(1, a.elems({rows, cols}, "softmax out"), "out");
  bool log = a.flag(4);
  if (a.failed || rows == 0 || cols == 0) return nullptr;  // nothing to do (and no 2^32 empty rows to walk)
  return dispatch([=]() mutable {
    Split split(rows, threadsFor(double(rows) * cols, kElementChunk), 1, 1);
    struct Ctx { const IsaTable* isa; const float* x; float* out; long cols; bool log; Split* s; } ctx{g_isa, x, out, cols, log, &split};
    g_pool->run(split.parts, [](void* p, int t) {
      auto* c = static_cast<Ctx*>(p);
      c->isa->softmax(c->x, c->out, c->cols, c->s->begin(t), c->s->end(t), c->log);
    }, &ctx);
  });
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
  return dispatch([=]() mutable {
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
  });
}

// ---- control and introspection ------------------------------------------------------------

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

// The im2col scratch of this thread: up to 8 MiB (blocks of pixels are sized to fit it).
float* convScratch(const ConvGeom& c, long& floats) {
  const long K = c.kH * c.kW * c.inC, pixels = c.batch * c.outH * c.outW;
  floats = std::max(K * 64, std::min(pixels * K, 1L << 21));
  static thread_local float* buf = nullptr;
  static thread_local long cap = 0;
  if (cap < floats) {
    free(buf);
    buf = static_cast<float*>(aligned_alloc(64, (size_t(floats) * sizeof(float) + 63) & ~size_t(63)));
    if (!buf) abort();
    cap = floats;
  }
  return buf;
}

void convGemm(void*, const GemmArgs& g) { runGemm(g); }

// ---- convolutions over the pool, whole images per task ----
//
// A batch of images is cut into tasks of whole images; each task runs the serial convolution
// (the unrolled rows of a block of pixels, then the serial GEMM on them) with its own
// L2-sized scratch, so the unrolling runs on every core and its rows are read back from L2
// instead of memory. Tasks write disjoint images of the output (dX too: col2im stays inside
// a task's images); filter gradients are summed from per-task partial sums in task order, so the
// result does not depend on which thread ran what. Few images (or one core): the old way,
// unrolling a block on the calling thread and splitting each GEMM over the pool.
void serialConvGemm(void* isa, const GemmArgs& g) { static_cast<const IsaTable*>(isa)->gemm(g, 0, g.m, 0, g.n); }

// Scratch floats per task (DEEPTS_CONV_BLOCK_FLOATS, for measuring): 64 Ki floats = 256 KiB of unrolled rows.
const long g_convBlockFloats = [] { const char* e = getenv("DEEPTS_CONV_BLOCK_FLOATS"); long v = e ? atol(e) : 0; return v > 0 ? v : 1L << 16; }();

float* convTaskScratch(const ConvGeom& c, long& floats) {
  const long K = c.kH * c.kW * c.inC, pixels = c.batch * c.outH * c.outW;
  floats = std::max(K * 64, std::min(pixels * K, g_convBlockFloats));
  static thread_local float* buf = nullptr;
  static thread_local long cap = 0;
  if (cap < floats) {
    free(buf);
    buf = static_cast<float*>(aligned_alloc(64, (size_t(floats) * sizeof(float) + 63) & ~size_t(63)));
    if (!buf) abort();
    cap = floats;
  }
  return buf;
}

enum ConvPass { CONV_FWD, CONV_DX, CONV_DW };

// DEEPTS_CONV_IMAGE_TASKS=0 turns the image split off (to measure what it gains).
const bool g_convImageTasks = [] { const char* e = getenv("DEEPTS_CONV_IMAGE_TASKS"); return !(e && e[0] == '0'); }();

// Tasks of whole images for a pass, or 0 to run it the old way.
int convImageTasks(const ConvGeom& c, ConvPass pass) {
  if (!g_convImageTasks) return 0;
  const double flops = 2.0 * c.batch * c.outH * c.outW * c.outC * c.kH * c.kW * c.inC;
  const int threads = threadsFor(flops, g_pool->awake() ? 1 << 18 : 1 << 22);
  if (threads <= 1 || c.batch < 2 * threads) return 0;
  // A few tasks per thread (a preempted thread delays a small one), fewer when filter
  // gradients would need large per-task partial sums.
  int tasks = int(std::min<long>(c.batch, 4L * threads));
  if (pass == CONV_DW && double(tasks) * c.kH * c.kW * c.inC * c.outC > double(1 << 22)) tasks = threads;
  return tasks;
}

// Runs one pass of a convolution: a, b are (x, w) forward, (dy, w) for dX, (x, dy) for dW.
void runConv(ConvPass pass, const ConvGeom& c, const float* a, const float* b, float* out) {
  const IsaTable* isa = g_isa;
  const int tasks = convImageTasks(c, pass);
  if (tasks == 0) {
    long floats = 0;
    float* col = convScratch(c, floats);
    if (pass == CONV_FWD) isa->conv2d(c, a, b, out, col, floats, convGemm, nullptr);
    else if (pass == CONV_DX) isa->conv2dBackpropInput(c, a, b, out, col, floats, convGemm, nullptr);
    else isa->conv2dBackpropFilter(c, a, b, out, col, floats, convGemm, nullptr);
    return;
  }
  const long inImage = c.inH * c.inW * c.inC, outImage = c.outH * c.outW * c.outC, filter = c.kH * c.kW * c.inC * c.outC;
  std::vector<float> partial(pass == CONV_DW ? size_t(tasks) * filter : 0);
  struct Ctx { const IsaTable* isa; ConvPass pass; const ConvGeom* c; const float *a, *b; float *out, *partial; long inImage, outImage, filter; int tasks; } ctx{
      isa, pass, &c, a, b, out, partial.data(), inImage, outImage, filter, tasks};
  g_pool->run(tasks, [](void* p, int t) {
    auto* q = static_cast<Ctx*>(p);
    const long n0 = q->c->batch * t / q->tasks, n1 = q->c->batch * (t + 1) / q->tasks;
    ConvGeom s = *q->c;
    s.batch = n1 - n0;
    long floats = 0;
    float* col = convTaskScratch(s, floats);
    void* isaCtx = const_cast<IsaTable*>(q->isa);
    if (q->pass == CONV_FWD) q->isa->conv2d(s, q->a + n0 * q->inImage, q->b, q->out + n0 * q->outImage, col, floats, serialConvGemm, isaCtx);
    else if (q->pass == CONV_DX) q->isa->conv2dBackpropInput(s, q->a + n0 * q->outImage, q->b, q->out + n0 * q->inImage, col, floats, serialConvGemm, isaCtx);
    else q->isa->conv2dBackpropFilter(s, q->a + n0 * q->inImage, q->b + n0 * q->outImage, q->partial + t * q->filter, col, floats, serialConvGemm, isaCtx);
  }, &ctx);
  if (pass == CONV_DW) {
    memcpy(out, partial.data(), filter * sizeof(float));
    for (int t = 1; t < tasks; ++t) {
      const float* src = partial.data() + size_t(t) * filter;
      for (long i = 0; i < filter; ++i) out[i] += src[i];
    }
  }
}

// conv2d(x, w, out, geometry)
napi_value Conv2D(napi_env env, napi_callback_info info) {
  Args a(env, info, 4, "conv2d");
  ConvGeom c{};
  if (!convGeometry(a, 3, c)) return nullptr;
  float* x = a.f32(0, inSize(c), "x");
  float* w = a.f32(1, filterSize(c), "w");
  float* out = a.f32(2, outSize(c), "out");
  if (a.failed) return nullptr;
  return dispatch([=]() mutable {
    runConv(CONV_FWD, c, x, w, out);
  });
}

// conv2dBackpropInput(dy, w, dx, geometry)
napi_value Conv2DBackpropInput(napi_env env, napi_callback_info info) {
  Args a(env, info, 4, "conv2dBackpropInput");
  ConvGeom c{};
  if (!convGeometry(a, 3, c)) return nullptr;
  float* dy = a.f32(0, outSize(c), "dy");
  float* w = a.f32(1, filterSize(c), "w");
  float* dx = a.f32(2, inSize(c), "dx");
  if (a.failed) return nullptr;
  return dispatch([=]() mutable {
    runConv(CONV_DX, c, dy, w, dx);
  });
}

// conv2dBackpropFilter(x, dy, dw, geometry)
napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) {
  Args a(env, info, 4, "conv2dBackpropFilter");
  ConvGeom c{};
  if (!convGeometry(a, 3, c)) return nullptr;
  float* x = a.f32(0, inSize(c), "x");
  float* dy = a.f32(1, outSize(c), "dy");
  float* dw = a.f32(2, filterSize(c), "dw");
  if (a.failed) return nullptr;
  return dispatch([=]() mutable {
    runConv(CONV_DW, c, x, dy, dw);
  });
}

// pool2d(op, x, out, geometry) and pool2dBackward(op, x, y, dy, dx, geometry): images split over the pool.
napi_value Pool2D(napi_env env, napi_callback_info info) {
  Args a(env, info, 4, "pool2d");
  int op = a.code(0, P_COUNT, "pool op");
  ConvGeom c{};
  if (!convGeometry(a, 3, c)) return nullptr;
  float* x = a.f32(1, inSize(c), "x");
  float* out = a.f32(2, outSize(c), "out");
  if (a.failed) return nullptr;
  return dispatch([=]() mutable {
    Split split(c.batch, threadsFor(double(inSize(c)), kElementChunk), 1, 1);
    struct Ctx { const IsaTable* isa; int op; const ConvGeom* c; const float* x; float* out; Split* s; } ctx{g_isa, op, &c, x, out, &split};
    g_pool->run(split.parts, [](void* p, int t) {
      auto* q = static_cast<Ctx*>(p);
      q->isa->pool2d(q->op, *q->c, q->x, q->out, q->s->begin(t), q->s->end(t));
    }, &ctx);
  });
}

napi_value Pool2DBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, 6, "pool2dBackward");
  int op = a.code(0, P_COUNT, "pool op");
  ConvGeom c{};
  if (!convGeometry(a, 5, c)) return nullptr;
  float* x = a.f32(1, inSize(c), "x");
  float* y = a.f32(2, outSize(c), "y");
  float* dy = a.f32(3, outSize(c), "dy");
  float* dx = a.f32(4, inSize(c), "dx");
  if (a.failed) return nullptr;
  return dispatch([=]() mutable {
    Split split(c.batch, threadsFor(double(inSize(c)), kElementChunk), 1, 1);
    struct Ctx { const IsaTable* isa; int op; const ConvGeom* c; const float *x, *y, *dy; float* dx; Split* s; } ctx{g_isa, op, &c, x, y, dy, dx, &split};
    g_pool->run(split.parts, [](void* p, int t) {
      auto* q = static_cast<Ctx*>(p);
      q->isa->pool2dBackward(q->op, *q->c, q->x, q->y, q->dy, q->dx, q->s->begin(t), q->s->end(t));
    }, &ctx);
  });
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
}  // namespace deepts

using namespace deepts;

// The calling convention this addon implements; src/backend/native/load.ts refuses an addon
// whose number differs (a stale build in a checkout would otherwise misread new arguments,
// e.g. optimizerStep's Float64Array of hyper-parameters read as an empty list). Bump it with
// any change of an entry point's arguments.
constexpr int kAbiVersion = 2;
napi_value AbiVersion(napi_env env, napi_callback_info) { return numv(env, kAbiVersion); }

static napi_value Init(napi_env env, napi_value exports) {
  initOnce();
  struct Fn { const char* name; napi_callback cb; } fns[] = {
    {"matmul", Matmul}, {"unary", UnaryFn}, {"unaryBackward", UnaryBackward}, {"binary", BinaryOp},
    {"reduce", ReduceOp}, {"gather", Gather}, {"slice", Slice}, {"biasAct", BiasAct}, {"biasActBackward", BiasActBackward}, {"softmax", Softmax},
    {"optimizerStep", OptimizerStepFn}, {"info", Info}, {"supportedIsas", SupportedIsas}, {"setIsa", SetIsa}, {"setNumThreads", SetNumThreads},
    {"measureClockGHz", MeasureClockGHz}, {"measureFmaPeakGflops", MeasureFmaPeak},
    {"conv2d", Conv2D}, {"conv2dBackpropInput", Conv2DBackpropInput}, {"conv2dBackpropFilter", Conv2DBackpropFilter},
    {"pool2d", Pool2D}, {"pool2dBackward", Pool2DBackward},
    {"abiVersion", AbiVersion}, {"beginPlan", BeginPlan}, {"planLength", PlanLength}, {"endPlan", EndPlan}, {"runPlan", RunPlan}, {"fill", Fill},
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
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
