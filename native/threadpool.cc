#include "threadpool.h"

#include <chrono>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace deepts {

// Long enough to cover the gaps between the kernels of one training step (so workers are
// awake for the next GEMM), short enough that an idle pool goes to sleep within a millisecond.
// Spinning workers yield the core every few microseconds if anything else wants it.
int ThreadPool::spinMicros_ = 1000;

static inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

// The floating-point control word that decides denormal flushing (x86: MXCSR; elsewhere none).
// A job's tasks run under its caller's: a replayed plan flushes denormals (plan-entries.inc, RunPlan)
// on every thread it runs on, and eager kernels keep them on every thread, whichever thread
// takes which part.
static inline unsigned fpMode() {
#if defined(__x86_64__) || defined(__i386__)
  return _mm_getcsr();
#else
  return 0;
#endif
}

static inline void adoptFpMode(unsigned mode) {
#if defined(__x86_64__) || defined(__i386__)
  if (_mm_getcsr() != mode) _mm_setcsr(mode);
#else
  (void)mode;
#endif
}

ThreadPool::ThreadPool(int threads) : requested_(threads < 1 ? 1 : threads) {
  // Each worker starts from the generation current now, so a job (or stop) posted before the
  // thread first runs is not missed.
  const uint64_t start = generation_.load();
  // The OS may refuse a thread (ulimit -u, cgroup pids.max, memory for stacks): keep the
  // workers that started and run with fewer, instead of letting std::system_error abort
  // the process. requested() tells the caller, which says so.
  try {
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, start] { workerLoop(start); });
  } catch (...) {
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

int ThreadPool::drain(Job* job) {
  int ran = 0;
  for (int i; (i = job->next.fetch_add(1, std::memory_order_relaxed)) < job->tasks; ++ran) {
    job->fn(job->ctx, i);
    job->done.fetch_add(1, std::memory_order_release);
  }
  return ran;
}

void ThreadPool::run(int tasks, TaskFn fn, void* ctx) {
  if (tasks <= 0) return;
  if (workers_.empty() || tasks == 1 || !callMu_.try_lock()) {
    for (int i = 0; i < tasks; ++i) fn(ctx, i);
    return;
  }
  Job job;
  job.fn = fn;
  job.ctx = ctx;
  job.tasks = tasks;
  job.fpMode = fpMode();
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &job;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  const int ranHere = drain(&job);
  lastHelped_.store(ranHere < tasks, std::memory_order_relaxed);
  while (job.done.load(std::memory_order_acquire) < tasks) cpuRelax();
  // Detach the job; wait for workers still inside drain() (they only see next >= tasks now).
  for (;;) {
    std::unique_lock<std::mutex> lock(mu_);
    if (attached_ == 0) {
      job_ = nullptr;
      break;
    }
    lock.unlock();
    cpuRelax();
  }
  callMu_.unlock();
}

void ThreadPool::workerLoop(uint64_t seen) {
  for (;;) {
    const auto start = std::chrono::steady_clock::now();
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen) {
      cpuRelax();
      if (++spins % 64 == 0) std::this_thread::yield();
      if (spins % 256 == 0 &&
          std::chrono::steady_clock::now() - start > std::chrono::microseconds(spinMicros_)) {
        std::unique_lock<std::mutex> lock(mu_);
        sleeping_.fetch_add(1, std::memory_order_relaxed);
        wake_.wait(lock, [&] { return generation_.load() != seen || stop_; });
        sleeping_.fetch_sub(1, std::memory_order_relaxed);
        break;
      }
    }
    Job* job;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
      seen = generation_.load();
      job = job_;
      if (job) ++attached_;
    }
    if (!job) continue;
    adoptFpMode(job->fpMode);
    drain(job);
    std::lock_guard<std::mutex> lock(mu_);
    --attached_;
  }
}

}  // namespace deepts
