/**
 * Multithreaded GEMM for the WASM backend: worker threads instantiate the threaded build
 * of the kernels on the same shared linear memory, each with its own stack and packing
 * scratch, and take blocks of rows of C (tasks) while the calling thread takes the others.
 *
 * Protocol on ctrl (an Int32Array in shared memory; the module's side is wasm/src/threads.inc):
 * ctrl[GEN] is bumped (and notified) to post a job; each thread, the caller included, takes
 * the job's tasks one at a time with a compare-and-swap on ctrl[CLAIM] (job_work) and bumps
 * ctrl[FINISHED] per finished task; the caller returns when all are finished, so a worker that
 * wakes late finds its share taken instead of holding the caller up. ctrl[STOP] ends the
 * workers. Workers block in Atomics.wait (counted in ctrl[SLEEPERS]: a post notifies only when
 * one sleeps), so an idle pool costs no CPU; while a compiled plan replays, the module publishes
 * a spin budget in ctrl[SPIN_US] and the workers spin that long for its next job before sleeping
 * (a wake-up through Atomics.notify costs the caller ~15 µs and the worker ~30-70 µs in Chromium).
 *
 * Browser-safe: Node's worker_threads is never imported here; in Node the caller passes a
 * WasmWorkerFactory (see wasm/README.md), in browsers the default uses `Worker` + a Blob
 * URL when the page is crossOriginIsolated.
 */

/** The part of a Worker the pool needs; adapters exist for Web Workers and worker_threads. */
export interface WasmWorker {
  postMessage(message: unknown): void;
  /** Registers the handler for messages the worker posts. */
  onMessage(handler: (data: unknown) => void): void;
  terminate(): void;
  /** Registers a handler for a worker that failed (script error, blocked by CSP, ...). */
  onError?(handler: (error: unknown) => void): void;
  /** Node: let the process exit while the worker idles. Called after onMessage (a later listener would re-ref it). */
  unref?(): void;
}

/** Starts a worker running the given classic-script JavaScript source. */
export type WasmWorkerFactory = (source: string) => WasmWorker;

/** A worker that makes no progress for this long is reported as an error instead of hanging the caller. */
const WORKER_STALL_MS = 30000;

const GEN = 0;
const FINISHED = 1;
const STOP = 2;
const SLEEPERS = 4;
const SPIN_US = 5;

/** Runs inside each worker (Web Worker or Node worker_threads with eval: true). */
export const WORKER_SOURCE = `
let post;
const start = (init) => {
  const { module, memory, worker, ctrlOffset } = init;
  // now: the clock of a profiling build (see instance.ts: profileClock).
  const ex = new WebAssembly.Instance(module, { env: { memory, now: () => performance.timeOrigin + performance.now() } }).exports;
  ex.__stack_pointer.value = ex.thread_stack_top(worker);
  const ctrl = new Int32Array(memory.buffer, ctrlOffset, 16);
  let gen = Atomics.load(ctrl, ${GEN});
  post({ ready: true });
  for (;;) {
    // While a plan replays (ctrl[SPIN_US] > 0) wait for its next job spinning, at most that many
    // microseconds, and not at all once this thread finds it was descheduled (a busy machine:
    // spinning would take CPU from the caller or others); then, or otherwise, sleep.
    let g = Atomics.load(ctrl, ${GEN});
    const spinUs = Atomics.load(ctrl, ${SPIN_US});
    if (g === gen && spinUs > 0) {
      let last = performance.now();
      const end = last + spinUs / 1000;
      for (let i = 1; (g = Atomics.load(ctrl, ${GEN})) === gen && Atomics.load(ctrl, ${SPIN_US}) > 0; i++) {
        if ((i & 255) !== 0) continue;
        const now = performance.now();
        if (now > end || now - last > 0.05) break;
        last = now;
      }
    }
    if (g === gen) {
      Atomics.add(ctrl, ${SLEEPERS}, 1);
      Atomics.wait(ctrl, ${GEN}, gen);
      Atomics.sub(ctrl, ${SLEEPERS}, 1);
    }
    gen = Atomics.load(ctrl, ${GEN});
    if (Atomics.load(ctrl, ${STOP}) !== 0) break;
    ex.job_work();
  }
};
if (typeof require === 'function') {
  const { parentPort } = require('node:worker_threads');
  post = (m) => parentPort.postMessage(m);
  parentPort.once('message', start);
} else {
  post = (m) => self.postMessage(m);
  self.onmessage = (e) => start(e.data);
}
`;

/** Exports of the threaded build used by the pool. */
export interface ThreadedExports {
  gemm_job(a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number, accumulate: number, threads: number): void;
  /** Publishes the job gemm_job set up and wakes the workers; returns its number of tasks. */
  job_post(): number;
  /** Takes and runs tasks of the current job until none is left. */
  job_work(): void;
  thread_ctrl(): number;
  thread_max_workers(): number;
}

export class GemmThreadPool {
  private readonly ctrl: Int32Array;
  private readonly canBlock: boolean;

  private constructor(private readonly ex: ThreadedExports, memory: WebAssembly.Memory, private readonly workers: WasmWorker[]) {
    this.ctrl = new Int32Array(memory.buffer, ex.thread_ctrl(), 16);
    this.canBlock = mainThreadCanBlock(this.ctrl);
  }

  /** Whether the calling thread may block in Atomics.wait (not a browser's main thread). */
  get callerCanBlock(): boolean {
    return this.canBlock;
  }

  /** Threads taking part in a GEMM: the caller plus the workers. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Starts `workerCount` workers on the module and memory; resolves when all are ready, or to
   * null (workers terminated) if any fails to start within `timeoutMs`.
   */
  static async start(factory: WasmWorkerFactory, workerCount: number, module: WebAssembly.Module,
    memory: WebAssembly.Memory, ex: ThreadedExports, timeoutMs = 5000): Promise<GemmThreadPool | null> {
    const count = Math.min(workerCount, ex.thread_max_workers());
    const workers: WasmWorker[] = [];
    try {
      const ready: Promise<void>[] = [];
      for (let w = 0; w < count; w++) {
        const worker = factory(WORKER_SOURCE);
        workers.push(worker);
        ready.push(new Promise<void>((resolve, reject) => {
          worker.onMessage(() => resolve());
          worker.onError?.((e) => reject(e instanceof Error ? e : new Error(String(e))));
        }));
        worker.postMessage({ module, memory, worker: w, ctrlOffset: ex.thread_ctrl() });
        worker.unref?.();
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
      const result = await Promise.race([Promise.all(ready), timeout]);
      clearTimeout(timer);
      if (result === 'timeout') throw new Error('workers did not start');
      return new GemmThreadPool(ex, memory, workers);
    } catch {
      for (const w of workers) w.terminate();
      return null;
    }
  }

  /** C (+)= op(A)·op(B) on buffers already in shared memory, split by rows over all threads. */
  gemm(a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number, accumulate: number): void {
    const ctrl = this.ctrl;
    this.ex.gemm_job(a, b, c, m, n, k, transA, transB, accumulate, this.threads);
    const want = this.ex.job_post();
    this.ex.job_work();
    let done = Atomics.load(ctrl, FINISHED);
    // Spin briefly (tasks in progress usually finish within microseconds of ours), then sleep.
    for (let spin = 0; done < want && spin < 20000; spin++) done = Atomics.load(ctrl, FINISHED);
    let last = done;
    let since = performance.now();
    while (done < want) {
      if (this.canBlock) Atomics.wait(ctrl, FINISHED, done, 100);
      else for (let spin = 0; spin < 100000 && done === last; spin++) done = Atomics.load(ctrl, FINISHED);
      done = Atomics.load(ctrl, FINISHED);
      if (done !== last) {
        last = done;
        since = performance.now();
      } else if (performance.now() - since > WORKER_STALL_MS) {
        throw new Error(`wasm backend: a GEMM worker thread stopped responding (${want - done} of ${want} row blocks did not finish in ${WORKER_STALL_MS / 1000} s)`);
      }
    }
  }

  /** Stops and terminates the workers. */
  stop(): void {
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    for (const w of this.workers) w.terminate();
  }
}

/** Atomics.wait throws on a browser main thread; there the pool spins instead. */
function mainThreadCanBlock(ctrl: Int32Array): boolean {
  try {
    Atomics.wait(ctrl, 15, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** The default factory: Web Workers from a Blob URL, where the page is cross-origin isolated. */
export function defaultWorkerFactory(): WasmWorkerFactory | null {
  const g = globalThis as { Worker?: typeof Worker; crossOriginIsolated?: boolean; Blob?: typeof Blob; URL?: typeof URL };
  if (!g.Worker || g.crossOriginIsolated !== true || !g.Blob || !g.URL) return null;
  const { Worker: WorkerCtor, Blob: BlobCtor, URL: UrlApi } = g;
  return (source) => {
    const w = new WorkerCtor(UrlApi.createObjectURL(new BlobCtor([source], { type: 'text/javascript' })));
    return {
      postMessage: (m) => w.postMessage(m),
      onMessage: (h) => w.addEventListener('message', (e: MessageEvent) => h(e.data)),
      onError: (h) => w.addEventListener('error', (e: ErrorEvent) => h(new Error(e.message || 'worker error'))),
      terminate: () => w.terminate(),
    };
  };
}

/** Logical cores reported by the runtime (navigator.hardwareConcurrency), or 1. */
export function hardwareThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const n = nav?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? Math.floor(n) : 1;
}
