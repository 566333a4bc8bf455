/**
 * The browser half of the Chromium step bench (bench/chromium-steps.ts): runs in a module Web
 * Worker, as the lab trains, on deepts/core's WASM backend (threads when the page is
 * cross-origin isolated), and posts {started} and then one message with the rows: ms per step of the lecture
 * autoencoder (batch 256, Adamax, MSE) eager and compiled, split into kernel time (every kernel
 * call and every WASM plan replay, timed around the call) and everything else.
 * Where the engine runs relaxed SIMD (the default build there), the same four modes run once
 * more on a second backend instance with the plain SIMD128 build (`relaxedSimd: false`), in the
 * same alternating rounds: "eager, plain SIMD128" is the eager WASM step before relaxed SIMD.
 * With `profile`, the compiled step's plan is also replayed op by op (plan_run on one op at a
 * time) and each op's time reported.
 * Browser-safe: no Node built-ins; the modules come from the server's dist/ tree.
 */
import type { StepSplitRow } from './steps.js';
import { planOpName } from './plan-op-names.js';

interface WorkerScope {
  postMessage(message: unknown): void;
  onmessage: ((e: { data: unknown }) => void) | null;
}

/** One op of the compiled plan: its name (GEMMs with m×n×k) and ms per step. */
export interface PlanOpTime { name: string; ms: number }

interface PlanExports {
  plan_run: (ops: number, count: number) => void;
  plan_op_bytes: () => number;
}

async function measure(steps: number, threads: number | undefined, profile: boolean): Promise<{ rows: StepSplitRow[]; profile?: PlanOpTime[] }> {
  const core = await import('../src/core.js');
  const { kernels, findBackend, getBackend, registerBackend, setBackend } = await import('../src/backend/registry.js');
  const { createWasmBackend } = await import('../src/backend/wasm/load.js');
  const { withBufferScope } = await import('../src/tensor/buffer-pool.js');
  const { buildAutoencoder } = await import('../src/models/mnist-models.js');
  const backend = await core.ready(threads === undefined ? {} : { threads });
  if (backend !== 'wasm') throw new Error(`the page runs on '${backend}', not wasm`);
  type Described = { describe?: () => Record<string, unknown>; arena?: { exports: PlanExports; memory: WebAssembly.Memory } };
  const wasm = findBackend('wasm') as (ReturnType<typeof findBackend> & Described) | undefined;
  const running = Number(wasm?.describe?.()['threads'] ?? 1);
  const relaxed = wasm?.describe?.()['relaxedSimd'] === true;
  // The plain SIMD128 build next to the relaxed one, as its own backend instance (own memory and workers).
  if (relaxed) {
    const plain = await createWasmBackend({ ...(threads === undefined ? {} : { threads }), relaxedSimd: false });
    if (!plain) throw new Error('the plain SIMD128 build did not load');
    registerBackend({ ...plain, name: 'wasm-simd128', priority: -1 });
  }
  let timing = false;
  let kernelMs = 0;
  let calls = 0;
  const time = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
    if (!timing) return f(...a);
    const t = performance.now();
    const r = f(...a);
    kernelMs += performance.now() - t;
    calls++;
    return r;
  };
  // A compiled step runs its kernels inside plan_run: time those calls too (and, profiling, op by op).
  const opTimes = new Map<number, { name: string; ms: number; runs: number }>();
  let profiling = false;
  const wrapPlanRun = (b: Described | undefined): void => {
    const ex = b?.arena?.exports;
    const memory = b?.arena?.memory;
    if (!ex || !memory) return;
    const run = ex.plan_run.bind(ex);
    const opBytes = ex.plan_op_bytes();
    const byOp = (ops: number, count: number): void => {
      if (!profiling) return run(ops, count);
      for (let i = 0; i < count; i++) {
        const at = ops + i * opBytes;
        const t = performance.now();
        run(at, 1);
        const o = opTimes.get(at) ?? { name: planOpName(memory, at), ms: 0, runs: 0 };
        o.ms += performance.now() - t;
        o.runs++;
        opTimes.set(at, o);
      }
    };
    ex.plan_run = time(byOp);
  };
  wrapPlanRun(wasm);
  wrapPlanRun(findBackend('wasm-simd128') as Described | undefined);
  // Kernel calls go through the active backend's table (rebuilt when the backend changes): wrap each table once.
  const wrapped = new WeakSet<object>();
  const use = (name: string): void => {
    if (getBackend().name !== name) setBackend(name);
    const table = kernels() as unknown as Record<string, (...a: unknown[]) => void>;
    if (wrapped.has(table)) return;
    for (const k of Object.keys(table)) table[k] = time(table[k]!);
    wrapped.add(table);
  };
  const rng = new core.Rng(1);
  const x = new core.Tensor(Float32Array.from({ length: 256 * 784 }, () => rng.next()), [256, 28, 28]);
  // All modes built and warmed up first, then timed in alternating rounds, keeping each mode's
  // best round: on a machine shared with other work, this compares them under the same load.
  const configs = [
    { mode: 'eager' as const, backendName: 'wasm', label: `wasm ${running}T${relaxed ? ' relaxed' : ''}` },
    { mode: 'compiled' as const, backendName: 'wasm', label: `wasm ${running}T${relaxed ? ' relaxed' : ''}` },
    ...(relaxed ? [
      { mode: 'eager' as const, backendName: 'wasm-simd128', label: `wasm ${running}T simd128` },
      { mode: 'compiled' as const, backendName: 'wasm-simd128', label: `wasm ${running}T simd128` },
    ] : []),
  ];
  const modes = configs.map((c) => {
    use(c.backendName);
    core.setSeed(42);
    const model = buildAutoencoder();
    model.compile({ optimizer: 'adamax', loss: 'mse', jitCompile: c.mode === 'compiled' });
    const step = (): void => {
      use(c.backendName);
      withBufferScope(() => model.runTrainStep({ x: [x], y: [x] }));
    };
    for (let i = 0; i < Math.max(3, steps / 5); i++) step(); // warm-up: JIT, pools, the plan
    if (c.mode === 'compiled' && model.jitCompileStatus().mode !== 'compiled') throw new Error(`not compiled: ${model.jitCompileStatus().reason}`);
    return { ...c, step, ms: Infinity, timedMs: Infinity, kernelMs: 0, calls: 0 };
  });
  const ROUNDS = 5;
  const perRound = Math.max(2, Math.round(steps / ROUNDS));
  const timeRound = (step: () => void): number => {
    const t0 = performance.now();
    for (let i = 0; i < perRound; i++) step();
    return (performance.now() - t0) / perRound;
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const m of modes) m.ms = Math.min(m.ms, timeRound(m.step));
    for (const m of modes) {
      timing = true;
      kernelMs = 0;
      calls = 0;
      const ms = timeRound(m.step);
      timing = false;
      if (ms < m.timedMs) {
        m.timedMs = ms;
        m.kernelMs = kernelMs / perRound;
        m.calls = calls / perRound;
      }
    }
  }
  const rows: StepSplitRow[] = modes.map((m) => ({
    model: 'autoencoder', backend: m.label, mode: m.mode, msPerStep: m.ms, cpuMsPerStep: NaN,
    // The timers' own cost lands in "other": take it from the timed round, scaled to the untimed one.
    kernelMsPerStep: m.kernelMs * Math.min(1, m.ms / m.timedMs), otherMsPerStep: Math.max(0, m.ms - m.kernelMs * Math.min(1, m.ms / m.timedMs)),
    kernelCallsPerStep: m.calls, steps: perRound * ROUNDS,
  }));
  if (!profile) return { rows };
  // Op by op: the default build's compiled step, each op timed alone (a few µs of call overhead each).
  const compiled = modes.find((m) => m.mode === 'compiled' && m.backendName === 'wasm')!;
  const PROFILE_STEPS = Math.max(5, steps);
  profiling = true;
  for (let i = 0; i < PROFILE_STEPS; i++) compiled.step();
  profiling = false;
  return { rows, profile: [...opTimes.values()].map((o) => ({ name: o.name, ms: o.ms / PROFILE_STEPS })) };
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = (e) => {
  const { steps = 30, threads, profile = false } = e.data as { steps?: number; threads?: number; profile?: boolean };
  scope.postMessage({ started: performance.timeOrigin + performance.now() });
  measure(steps, threads, profile).then((r) => scope.postMessage(r), (err: unknown) => scope.postMessage({ error: String(err instanceof Error ? err.stack ?? err.message : err) }));
};
