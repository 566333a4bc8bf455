/**
 * What the native plan's fusions gain on the compiled autoencoder step, measured A/B in one
 * process: two identical models (Adamax, MSE, batch 256 of random MNIST-shaped data), one traced
 * with the addon's fusions on and one with them off (addon.setPlanFusion before each first step),
 * their steps alternated in rounds so both see the same machine load. Reports the median per-step
 * wall time and process CPU time of each and the ratio; on a busy machine the CPU-time figures
 * with DEEPTS_NUM_THREADS=1 are the ones to trust.
 * Run as a child: `DEEPTS_BACKEND=native node dist/bench/plan-fusion-ab.js [rounds] [stepsPerRound]` prints
 * one RESULT_MARK line; `--table` prints the comparison instead. DEEPTS_AB_SAME=1 traces both
 * models with fusion on (an A/A run: how far apart two identical models measure).
 */
import { RESULT_MARK, median } from './epoch.js';

export interface FusionAb { threads: number; rounds: number; steps: number; fused: { ms: number; cpuMs: number }; unfused: { ms: number; cpuMs: number } }

export async function measureFusionAb(rounds: number, steps: number): Promise<FusionAb> {
  const deepts = await import('../src/index.js');
  const { findBackend } = await import('../src/backend/registry.js');
  const { withBufferScope } = await import('../src/tensor/buffer-pool.js');
  const { buildAutoencoder } = await import('../src/models/mnist-models.js');
  const { Tensor, setSeed, Rng } = deepts;
  const addon = (findBackend('native') as { addon?: { setPlanFusion?: (on: boolean) => void } } | undefined)?.addon;
  if (!addon?.setPlanFusion) throw new Error('plan-fusion-ab: needs the native addon with setPlanFusion()');
  const rng = new Rng(1);
  const x = new Tensor(Float32Array.from({ length: 256 * 784 }, () => rng.next()), [256, 28, 28]);
  const make = (fuse: boolean): (() => void) => {
    setSeed(42);
    const model = buildAutoencoder();
    model.compile({ optimizer: 'adamax', loss: 'mse', jitCompile: true });
    addon.setPlanFusion!(fuse);
    const step = (): void => { withBufferScope(() => model.runTrainStep({ x: [x], y: [x] })); };
    step(); // traced (and its plan recorded) with this setting
    addon.setPlanFusion!(true);
    for (let i = 0; i < 10; i++) step();
    return step;
  };
  const fused = make(true);
  const unfused = make(process.env['DEEPTS_AB_SAME'] === '1');
  const time = (step: () => void): { ms: number; cpuMs: number } => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    const cpu = process.cpuUsage(c0);
    return { ms: (performance.now() - t0) / steps, cpuMs: (cpu.user + cpu.system) / 1e3 / steps };
  };
  const a: { ms: number; cpuMs: number }[] = [];
  const b: { ms: number; cpuMs: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so neither always follows the other.
    if (r % 2 === 0) { a.push(time(fused)); b.push(time(unfused)); } else { b.push(time(unfused)); a.push(time(fused)); }
  }
  const med = (xs: { ms: number; cpuMs: number }[]): { ms: number; cpuMs: number } => ({ ms: median(xs.map((t) => t.ms)), cpuMs: median(xs.map((t) => t.cpuMs)) });
  const threads = (deepts.getBackend() as { describe?: () => { threads?: number } }).describe?.().threads ?? 0;
  return { threads, rounds, steps, fused: med(a), unfused: med(b) };
}

export function formatFusionAb(r: FusionAb, label: string): string {
  const f = (t: { ms: number; cpuMs: number }): string => `${t.ms.toFixed(3)} ms wall, ${t.cpuMs.toFixed(3)} ms CPU`;
  return `Compiled autoencoder step, plan fusions on vs off, ${label} (${r.threads} threads, median of ${r.rounds} alternated rounds of ${r.steps} steps):\n`
    + `  fused   ${f(r.fused)}\n  unfused ${f(r.unfused)}\n`
    + `  fused/unfused: wall ${(r.fused.ms / r.unfused.ms).toFixed(3)}, CPU ${(r.fused.cpuMs / r.unfused.cpuMs).toFixed(3)}`;
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const argv = process.argv.slice(2);
  const args = argv.filter((a) => !a.startsWith('--')).map(Number);
  const r = await measureFusionAb(args[0] || 15, args[1] || 20);
  if (argv.includes('--table')) console.log(formatFusionAb(r, `native, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`));
  else process.stdout.write(`${RESULT_MARK}${JSON.stringify(r)}\n`);
}
