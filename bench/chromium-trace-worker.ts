/**
 * The browser half of bench/chromium-trace.ts: the lecture autoencoder's compiled step on the
 * all-cores WASM backend (once per plan_spin budget asked for) and on one thread, alternated step
 * by step in one Web Worker, with every plan op, job post and task timed from inside the module.
 * Needs a profiling build (`PROFILE=-DDEEPTS_PROFILE sh wasm/build.sh`, never committed), whose
 * prof_* exports hold the log. Per op: trimmed means (the fastest 80 %) of its wall time, the
 * caller's time before its first post (serial packing), the tasks' time on the caller and on the
 * workers, a worker's start after the post (wake), the caller's wait for tasks in progress, and
 * the post itself (Atomics.notify).
 * Browser-safe: no Node built-ins.
 */
import { planOpName } from './plan-op-names.js';

interface WorkerScope { postMessage(message: unknown): void; onmessage: ((e: { data: unknown }) => void) | null }
interface ProfExports {
  plan_run: (ops: number, count: number) => void;
  plan_op_bytes: () => number;
  prof_events: () => number;
  prof_count: () => number;
  prof_reset: () => void;
  plan_threads?: (t: number, b: number) => void;
  plan_spin?: (us: number) => void;
}
interface Ev { t0: number; t1: number; kind: number; thread: number; a: number; b: number }
function readEvents(ex: ProfExports, mem: WebAssembly.Memory): Ev[] {
  const n = Math.min(8192, ex.prof_count());
  const base = ex.prof_events();
  const f64 = new Float64Array(mem.buffer, base, n * 4);
  const i32 = new Int32Array(mem.buffer, base, n * 8);
  const out: Ev[] = [];
  for (let i = 0; i < n; i++) out.push({ t0: f64[i * 4]!, t1: f64[i * 4 + 1]!, kind: i32[i * 8 + 4]!, thread: i32[i * 8 + 5]!, a: i32[i * 8 + 6]!, b: i32[i * 8 + 7]! });
  return out;
}
export interface OpStat { name: string; wall: number[]; pre: number[]; callerTask: number[]; workerTask: number[]; wake: number[]; wait: number[]; post: number[]; jobs: number[]; workerTasks: number[]; tasks: number[] }

async function run(opts: { steps: number; variants: string[] }): Promise<unknown> {
  const core = await import('../src/core.js');
  const { findBackend, getBackend, registerBackend, setBackend } = await import('../src/backend/registry.js');
  const { createWasmBackend } = await import('../src/backend/wasm/load.js');
  const { withBufferScope } = await import('../src/tensor/buffer-pool.js');
  const { buildAutoencoder } = await import('../src/models/mnist-models.js');
  await core.ready({});
  type Described = { describe?: () => Record<string, unknown>; arena?: { exports: ProfExports; memory: WebAssembly.Memory } };
  const one = await createWasmBackend({ threads: 1 });
  if (!one) throw new Error('no 1T backend');
  registerBackend({ ...one, name: 'wasm-1t', priority: -1 });
  const rng = new core.Rng(1);
  const x = new core.Tensor(Float32Array.from({ length: 256 * 784 }, () => rng.next()), [256, 28, 28]);
  const spins = opts.variants.length ? opts.variants.map(Number) : [0];
  const modes = [...spins.map((sp) => ['wasm', sp] as const), ['wasm-1t', 0] as const].map(([bn, spin]) => {
    if (getBackend().name !== bn) setBackend(bn);
    core.setSeed(42);
    const model = buildAutoencoder();
    model.compile({ optimizer: 'adamax', loss: 'mse', jitCompile: true });
    const b = findBackend(bn) as unknown as Described;
    const ex = b.arena!.exports;
    const mem = b.arena!.memory;
    const realRun = ex.plan_run.bind(ex);
    let opsAt = 0, count = 0, callMs = 0;
    const realRun0 = realRun;
    void realRun0;
    ex.plan_run = (ops, c) => { opsAt = ops; count = c; const t = performance.now(); realRun(ops, c); callMs += performance.now() - t; };
    const step = (): void => { if (getBackend().name !== bn) setBackend(bn); ex.plan_spin?.(spin); withBufferScope(() => model.runTrainStep({ x: [x], y: [x] })); };
    for (let i = 0; i < 10; i++) step();
    return { bn: `${bn} spin ${spin}`, step, ex, mem, stats: new Map<number, OpStat>(), stepMs: [] as number[], runMs: [] as number[], callsMs: [] as number[], get opsAt() { return opsAt; }, get count() { return count; }, get callMs() { return callMs; }, set callMs(v: number) { callMs = v; } };
  });
  for (let s = 0; s < opts.steps; s++) {
    for (const m of modes) {
      m.ex.prof_reset();
      m.callMs = 0;
      const t0 = performance.now();
      m.step();
      m.stepMs.push(performance.now() - t0);
      m.callsMs.push(m.callMs);
      const evs = readEvents(m.ex, m.mem);
      const ops = evs.filter((e) => e.kind === 1 && e.thread === 0);
      if (ops.length) m.runMs.push(ops[ops.length - 1]!.t1 - ops[0]!.t0);
      for (const o of ops) {
        let st = m.stats.get(o.a);
        if (!st) { st = { name: planOpName(m.mem, m.opsAt + o.a * m.ex.plan_op_bytes()), wall: [], pre: [], callerTask: [], workerTask: [], wake: [], wait: [], post: [], jobs: [], workerTasks: [], tasks: [] }; m.stats.set(o.a, st); }
        st.wall.push(o.t1 - o.t0);
        const posts = evs.filter((e) => e.kind === 3 && e.t0 >= o.t0 && e.t0 <= o.t1);
        const seqs = new Set(posts.map((p) => p.a));
        const tasks = evs.filter((e) => e.kind === 2 && seqs.has(e.a) && e.t0 >= o.t0 - 0.001 && e.t1 <= o.t1 + 0.05);
        st.jobs.push(posts.length);
        st.post.push(posts.reduce((a, p) => a + p.t1 - p.t0, 0));
        st.tasks.push(tasks.length);
        st.pre.push(posts.length ? posts[0]!.t0 - o.t0 : 0);
        st.callerTask.push(tasks.filter((t) => t.thread === 0).reduce((a, t) => a + t.t1 - t.t0, 0));
        const wt = tasks.filter((t) => t.thread !== 0);
        st.workerTask.push(wt.reduce((a, t) => a + t.t1 - t.t0, 0));
        st.workerTasks.push(wt.length);
        // wake latency: per job, the worker's first task start (or wake) - post
        let wake = 0;
        for (const p of posts) {
          const w = evs.filter((e) => e.kind === 4 && e.thread !== 0 && e.t0 >= p.t0 && e.t0 <= o.t1 + 0.05).sort((a, b) => a.t0 - b.t0)[0];
          wake += w ? w.t0 - p.t0 : NaN;
        }
        st.wake.push(wake);
        st.wait.push(evs.filter((e) => e.kind === 5 && e.t0 >= o.t0 && e.t1 <= o.t1 + 0.001).reduce((a, e) => a + e.t1 - e.t0, 0));
      }
    }
  }
  // trimmed mean: the fastest 80 % (5 µs timer grain: medians of quantized values are coarse)
  const med = (a: number[]): number => { const b = a.filter((v) => !Number.isNaN(v)).sort((p, q) => p - q).slice(0, Math.max(1, Math.ceil(a.length * 0.8))); return b.length ? b.reduce((x, y) => x + y, 0) / b.length : NaN; };
  return modes.map((m) => ({
    backend: m.bn, callMed: med(m.callsMs), stepMed: med(m.stepMs), stepMin: Math.min(...m.stepMs), runMed: med(m.runMs), runMin: Math.min(...m.runMs),
    ops: [...m.stats.entries()].sort((a, b) => a[0] - b[0]).map(([i, st]) => ({ i, name: st.name, wall: med(st.wall), wallMin: Math.min(...st.wall), pre: med(st.pre), caller: med(st.callerTask), worker: med(st.workerTask), wake: med(st.wake), wait: med(st.wait), post: med(st.post), jobs: med(st.jobs), tasks: med(st.tasks), wtasks: med(st.workerTasks) })),
  }));
}
const scope = globalThis as unknown as WorkerScope;
scope.onmessage = (e) => {
  run(e.data as { steps: number; variants: string[] }).then((r) => scope.postMessage({ result: r }), (err: unknown) => scope.postMessage({ error: String(err instanceof Error ? err.stack ?? err.message : err) }));
};
