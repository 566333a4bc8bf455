/**
 * Where a training step's time goes, per model, eager vs compiled (model.compile({ jitCompile })):
 * milliseconds per step (wall and this process's CPU), of which kernel time (the sum over every
 * kernel call, timed around each call) and everything else (JavaScript: autograd tape, tensors,
 * shape checks, the optimizer loop, metrics, the batch copy).
 *
 * Models: the lecture autoencoder (batch 256), the default MNIST classifier (batch 256, dropout)
 * and Keras' simple convnet (batch 128), on random data of MNIST's shapes (timing only).
 * Eager and compiled alternate in 5 rounds of `steps` steps each (convnet: steps / 6), medians reported.
 * Run as a child: `DEEPTS_BACKEND=native node dist/bench/steps.js [steps]`; prints one RESULT_MARK line.
 */
import { RESULT_MARK, median } from './epoch.js';

/** Alternated rounds of eager and compiled steps per model (the median round is reported). */
const ROUNDS = 5;

export interface StepSplitRow {
  model: string;
  backend: string;
  mode: 'eager' | 'compiled';
  /** Wall milliseconds per step, kernel timers off. */
  msPerStep: number;
  /** This process's CPU milliseconds per step (all threads), kernel timers off. */
  cpuMsPerStep: number;
  /** Milliseconds per step inside kernel calls (a second pass with timers on). */
  kernelMsPerStep: number;
  /** msPerStep − kernelMsPerStep. */
  otherMsPerStep: number;
  kernelCallsPerStep: number;
  steps: number;
}

async function measure(steps: number): Promise<StepSplitRow[]> {
  const deepts = await import('../src/index.js');
  const { kernels, findBackend } = await import('../src/backend/registry.js');
  const { withBufferScope } = await import('../src/tensor/buffer-pool.js');
  const { buildAutoencoder, buildClassifier, buildConvnet } = await import('../src/models/mnist-models.js');
  const { Tensor, setSeed, getBackend, Rng } = deepts;
  // Time every kernel call: wrap the active table's entries once (compiled plans record these wrappers too).
  let timing = false;
  let kernelMs = 0;
  let calls = 0;
  const time = (f: (...a: unknown[]) => unknown) => (...a: unknown[]): unknown => {
    if (!timing) return f(...a);
    const t = performance.now();
    const r = f(...a);
    kernelMs += performance.now() - t;
    calls++;
    return r;
  };
  // A compiled step on the native addon runs its kernels inside addon.runPlan: time those calls too.
  const native = findBackend('native') as { addon?: Record<string, unknown> } | undefined;
  const addon = native?.addon;
  if (addon && typeof addon['runPlan'] === 'function') addon['runPlan'] = time((addon['runPlan'] as (...a: unknown[]) => unknown).bind(addon));
  // On WASM, inside plan_run (src/backend/wasm/plan.ts).
  const wasmExports = (findBackend('wasm') as { arena?: { exports: Record<string, unknown> } } | undefined)?.arena?.exports;
  if (wasmExports && typeof wasmExports['plan_run'] === 'function') wasmExports['plan_run'] = time((wasmExports['plan_run'] as (...a: unknown[]) => unknown).bind(wasmExports));
  const table = kernels() as unknown as Record<string, (...a: unknown[]) => void>;
  for (const name of Object.keys(table)) table[name] = time(table[name]!) as (...a: unknown[]) => void;
  const rng = new Rng(1);
  const data = (shape: number[], classes = 0): InstanceType<typeof Tensor> => {
    const n = shape.reduce((a, b) => a * b, 1);
    return new Tensor(Float32Array.from({ length: n }, () => (classes ? rng.int(classes) : rng.next())), shape);
  };
  const models: { name: string; batch: number; build: () => InstanceType<typeof deepts.Sequential>; x: number[]; classes: number; loss: string; optimizer: string; metrics: string[] }[] = [
    { name: 'autoencoder', batch: 256, build: buildAutoencoder, x: [256, 28, 28], classes: 0, optimizer: 'adamax', loss: 'mse', metrics: [] },
    { name: 'classifier', batch: 256, build: () => buildClassifier('default'), x: [256, 28, 28], classes: 10, optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    { name: 'convnet', batch: 128, build: () => buildConvnet(), x: [128, 28, 28, 1], classes: 10, optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  ];
  const rows: StepSplitRow[] = [];
  for (const m of models) {
    const x = data(m.x);
    const y = m.classes ? data([m.batch], m.classes) : x;
    const n = m.name === 'convnet' ? Math.max(3, Math.round(steps / 6)) : steps;
    const modes = (['eager', 'compiled'] as const).map((mode) => {
      setSeed(42);
      const model = m.build();
      model.compile({ optimizer: m.optimizer, loss: m.loss, metrics: m.metrics, jitCompile: mode === 'compiled' });
      const step = (): void => { withBufferScope(() => model.runTrainStep({ x: [x], y: [y] })); };
      for (let i = 0; i < Math.max(3, n / 5); i++) step(); // warm-up: JIT, pools, the plan
      return { mode, model, step, ms: [] as number[], cpu: [] as number[] };
    });
    // The two modes alternate in rounds of n steps and each reports its median round: a burst of
    // other load hits both, and one slow round does not decide (10 steps of the convnet swing ±15 %).
    for (let round = 0; round < ROUNDS; round++) {
      for (const o of modes) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < n; i++) o.step();
        o.ms.push((performance.now() - t0) / n);
        const cpu = process.cpuUsage(c0);
        o.cpu.push((cpu.user + cpu.system) / 1000 / n);
      }
    }
    for (const { mode, model, step, ms: msRounds, cpu: cpuRounds } of modes) {
      const ms = median(msRounds);
      timing = true;
      kernelMs = 0;
      calls = 0;
      const t1 = performance.now();
      for (let i = 0; i < n; i++) step();
      const timedMs = (performance.now() - t1) / n;
      timing = false;
      const kernel = kernelMs / n;
      if (mode === 'compiled' && model.jitCompileStatus().mode !== 'compiled') throw new Error(`${m.name}: not compiled: ${model.jitCompileStatus().reason}`);
      // The timers' own cost lands in "other": take the other part from the timed pass, scaled to the untimed one.
      rows.push({
        model: m.name, backend: getBackend().name, mode, msPerStep: ms, cpuMsPerStep: median(cpuRounds),
        kernelMsPerStep: kernel, otherMsPerStep: Math.max(0, Math.min(ms, timedMs) - kernel), kernelCallsPerStep: calls / n, steps: n * ROUNDS,
      });
    }
  }
  return rows;
}

export function formatStepSplit(rows: readonly StepSplitRow[], label = rows[0]?.backend ?? ''): string {
  const lines = [
    `Training step split, ${label} (ms/step; kernel = time inside kernel calls and native/WASM plans, other = the rest):`,
    `${'model'.padEnd(12)} ${'backend'.padEnd(8)} ${'mode'.padEnd(9)} ${'ms/step'.padStart(8)} ${'CPU ms'.padStart(8)} ${'kernel'.padStart(8)} ${'other'.padStart(8)} ${'calls'.padStart(6)}`,
  ];
  for (const r of rows) {
    lines.push(`${r.model.padEnd(12)} ${r.backend.padEnd(8)} ${r.mode.padEnd(9)} ${r.msPerStep.toFixed(2).padStart(8)} ${r.cpuMsPerStep.toFixed(2).padStart(8)} ${r.kernelMsPerStep.toFixed(2).padStart(8)} ${r.otherMsPerStep.toFixed(2).padStart(8)} ${r.kernelCallsPerStep.toFixed(0).padStart(6)}`);
  }
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const rows = await measure(Number(process.argv[2] ?? 60));
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(rows)}\n`);
}
