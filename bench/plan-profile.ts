/**
 * Per-kernel time of a compiled training step on the native addon: the lecture autoencoder
 * (batch 256, Adamax, MSE) on random data of MNIST's shape, its plan replayed `steps` times with
 * the addon's plan profiling on (addon.setPlanProfiling), then one row per recorded kernel:
 * wall ms per step, the calling thread's CPU ms (exact with DEEPTS_NUM_THREADS=1 even on a busy
 * machine), and GFLOPS for the GEMMs.
 * Run as a child: `DEEPTS_BACKEND=native node dist/bench/plan-profile.js [steps]` prints one
 * RESULT_MARK line; `--table` prints the table instead; `--convnet` profiles Keras' simple MNIST
 * convnet (batch 128, adam) instead of the autoencoder; `--fit` profiles the autoencoder inside a
 * real fit instead (MNIST, shuffled batches gathered from the 60k images, `steps` ignored: epochs 2
 * and 3 of 3 are profiled, the full 256-row batches' plan only): there the step's operands are new
 * rows from memory every step, not one batch kept in cache.
 */
import { RESULT_MARK } from './epoch.js';

export interface PlanProfileItem { name: string; ms: number; cpuMs: number; flops: number }
export interface PlanProfile { threads: number; steps: number; stepMs: number; stepCpuMs: number; items: PlanProfileItem[] }

/** The autoencoder's compiled step profiled inside model.fit on MNIST (see the file comment). */
async function measureInFit(): Promise<PlanProfile> {
  const deepts = await import('../src/index.js');
  const { findBackend } = await import('../src/backend/registry.js');
  const { buildAutoencoder } = await import('../src/models/mnist-models.js');
  type Item = { name: string; seconds: number; cpuSeconds: number; runs: number; flops: number };
  const addon = (findBackend('native') as { addon?: Record<string, (...a: unknown[]) => unknown> } | undefined)?.addon;
  if (!addon?.['planProfile']) throw new Error('plan-profile: needs the native addon with planProfile()');
  const plans = new Map<unknown, number>();
  const runPlan = addon['runPlan']!.bind(addon);
  addon['runPlan'] = (p: unknown) => { plans.set(p, (plans.get(p) ?? 0) + 1); return runPlan(p); };
  const mnist = await deepts.loadMnist();
  const x = new deepts.Tensor(mnist.train.images, [mnist.train.n, 28, 28]);
  deepts.setSeed(42);
  const model = buildAutoencoder();
  model.compile({ optimizer: new deepts.Adamax({ learningRate: 0.001 }), loss: 'mse', jitCompile: true });
  let t0 = 0, c0 = process.cpuUsage(), ms = 0, cpuMs = 0, steps = 0;
  await model.fit(x, x, {
    epochs: 3, batchSize: 256, shuffle: true, verbose: 0,
    callbacks: [{
      onEpochBegin: (e: number) => { if (e === 1) { plans.clear(); addon['setPlanProfiling']!(true); } t0 = performance.now(); c0 = process.cpuUsage(); },
      onEpochEnd: (e: number) => {
        if (e === 0) return;
        const cpu = process.cpuUsage(c0);
        ms += performance.now() - t0; cpuMs += (cpu.user + cpu.system) / 1e3; steps += Math.ceil(mnist.train.n / 256);
      },
    }],
  });
  addon['setPlanProfiling']!(false);
  const [plan] = [...plans.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const items = (addon['planProfile']!(plan) as Item[]).filter((it) => it.runs > 0)
    .map((it) => ({ name: it.name, ms: (it.seconds / it.runs) * 1e3, cpuMs: (it.cpuSeconds / it.runs) * 1e3, flops: it.flops }));
  const threads = (deepts.getBackend() as { describe?: () => { threads?: number } }).describe?.().threads ?? 0;
  return { threads, steps, stepMs: ms / steps, stepCpuMs: cpuMs / steps, items };
}

async function measure(steps: number, which: 'autoencoder' | 'convnet' = 'autoencoder'): Promise<PlanProfile> {
  const deepts = await import('../src/index.js');
  const { findBackend } = await import('../src/backend/registry.js');
  const { withBufferScope } = await import('../src/tensor/buffer-pool.js');
  const { buildAutoencoder, buildConvnet } = await import('../src/models/mnist-models.js');
  const { Tensor, setSeed, Rng } = deepts;
  type Item = { name: string; seconds: number; cpuSeconds: number; runs: number; flops: number };
  const addon = (findBackend('native') as { addon?: Record<string, (...a: unknown[]) => unknown> } | undefined)?.addon;
  if (!addon?.['planProfile']) throw new Error('plan-profile: needs the native addon with planProfile()');
  const plans = new Set<unknown>();
  const runPlan = addon['runPlan']!.bind(addon);
  addon['runPlan'] = (p: unknown) => { plans.add(p); return runPlan(p); };
  const rng = new Rng(1);
  const convnet = which === 'convnet';
  const batch = convnet ? 128 : 256;
  const x = new Tensor(Float32Array.from({ length: batch * 784 }, () => rng.next()), convnet ? [batch, 28, 28, 1] : [batch, 28, 28]);
  const y = convnet ? new Tensor(Float32Array.from({ length: batch }, () => rng.int(10)), [batch]) : x;
  setSeed(42);
  const model = convnet ? buildConvnet() : buildAutoencoder();
  if (convnet) model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], jitCompile: true });
  else model.compile({ optimizer: 'adamax', loss: 'mse', jitCompile: true });
  const step = (): void => { withBufferScope(() => model.runTrainStep({ x: [x], y: [y] })); };
  for (let i = 0; i < 20; i++) step();
  plans.clear();
  addon['setPlanProfiling']!(true);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) step();
  const stepMs = (performance.now() - t0) / steps;
  const cpu = process.cpuUsage(c0);
  addon['setPlanProfiling']!(false);
  const items: PlanProfileItem[] = [];
  for (const p of plans) {
    for (const it of addon['planProfile']!(p) as Item[]) {
      if (it.runs > 0) items.push({ name: it.name, ms: (it.seconds / it.runs) * 1e3, cpuMs: (it.cpuSeconds / it.runs) * 1e3, flops: it.flops });
    }
  }
  const threads = (deepts.getBackend() as { describe?: () => { threads?: number } }).describe?.().threads ?? 0;
  return { threads, steps, stepMs, stepCpuMs: (cpu.user + cpu.system) / 1e3 / steps, items };
}

export function formatPlanProfile(p: PlanProfile, label: string): string {
  const lines = [`Compiled autoencoder step, per kernel, ${label} (${p.threads} threads, ${p.steps} steps; ms per step, wall and the calling thread's CPU; GEMM GFLOPS by each):`];
  let ms = 0, cpu = 0, gemmMs = 0, gemmCpu = 0, flops = 0;
  for (const it of p.items) {
    ms += it.ms; cpu += it.cpuMs;
    if (it.flops) { gemmMs += it.ms; gemmCpu += it.cpuMs; flops += it.flops; }
    const gf = it.flops ? `${(it.flops / it.ms / 1e6).toFixed(0).padStart(5)} ${(it.flops / it.cpuMs / 1e6).toFixed(0).padStart(5)}` : ''.padStart(11);
    lines.push(`  ${it.ms.toFixed(3).padStart(7)} ${it.cpuMs.toFixed(3).padStart(7)}  ${gf}  ${it.name}`);
  }
  lines.push(`  kernels ${ms.toFixed(3)} ms (${cpu.toFixed(3)} CPU), of which GEMMs ${gemmMs.toFixed(3)} ms (${gemmCpu.toFixed(3)} CPU) at ${(flops / gemmMs / 1e6).toFixed(0)} GFLOPS (${(flops / gemmCpu / 1e6).toFixed(0)} per CPU); `
    + `whole step ${p.stepMs.toFixed(3)} ms, ${p.stepCpuMs.toFixed(3)} ms process CPU`);
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const args = process.argv.slice(2);
  const p = args.includes('--fit') ? await measureInFit()
    : await measure(Number(args.find((a) => !a.startsWith('--')) ?? 200), args.includes('--convnet') ? 'convnet' : 'autoencoder');
  if (args.includes('--table')) console.log(formatPlanProfile(p, `native, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`));
  else process.stdout.write(`${RESULT_MARK}${JSON.stringify(p)}\n`);
}
