// A small persistent thread pool: workers are created once, spin briefly after each job
// (so back-to-back kernels do not pay a futex wake-up) and then sleep on a condition
// variable, so an idle pool costs no CPU. The calling thread always takes part.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace deepts {

class ThreadPool {
 public:
  using TaskFn = void (*)(void* ctx, int task);

  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /** Total threads including the caller. */
  int threads() const { return int(workers_.size()) + 1; }
  /** Threads asked for; more than threads() when the OS refused to start some (process limits). */
  int requested() const { return requested_; }

  /** Runs fn(ctx, 0..tasks-1) across the pool and returns when all are done. Re-entrant calls
      (or calls from a second JS thread while the pool is busy) run serially on the caller. */
  void run(int tasks, TaskFn fn, void* ctx);

  static void setSpinMicros(int us) { spinMicros_ = us; }

  /** True when no worker sleeps on the condition variable (all are spinning or busy after a
      recent job, so a new job costs no futex wake-up) and the workers took part in the last
      job (they get CPU time: on a machine shared with other busy processes they often don't,
      and then splitting small work only adds hand-offs). */
  bool awake() const { return sleeping_.load(std::memory_order_relaxed) == 0 && lastHelped_.load(std::memory_order_relaxed); }

 private:
  struct Job {
    TaskFn fn;
    void* ctx;
    int tasks;
    unsigned fpMode;  // the caller's floating-point control (denormal flushing), which workers adopt
    std::atomic<int> next{0};
    std::atomic<int> done{0};
  };
  void workerLoop(uint64_t seen);
  static int drain(Job* job);  // returns the number of tasks this thread ran

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  Job* job_ = nullptr;  // guarded by mu_
  std::atomic<int> sleeping_{0};  // workers blocked in wake_.wait
  std::atomic<bool> lastHelped_{false};  // a worker ran a task of the last multi-task job
  int requested_ = 1;
  int attached_ = 0;    // workers currently holding job_, guarded by mu_
  bool stop_ = false;   // guarded by mu_
  std::mutex callMu_;
  static int spinMicros_;
};

}  // namespace deepts
