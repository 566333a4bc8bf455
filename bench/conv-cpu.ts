/**
 * The convnet's conv passes (bench/conv.ts shapes) on the native backend, timed by this
 * process's CPU time (all threads) as well as wall time: on a machine shared with other busy
 * processes the wall time mostly measures the others, CPU time what the kernels cost.
 * GFLOPS per CPU-second and per wall-second, best of `reps` rounds of ~0.3 s each.
 * Run: `node dist/bench/conv-cpu.js [reps]` (A/B: run twice with a kernel switch in the environment, alternated).
 */
import { CONV_SHAPES, convFlops, kernelPass } from './conv.js';

async function main(): Promise<void> {
  const reps = Number(process.argv[2] ?? 5);
  const { loadNativeBackend } = await import('../src/backend/native/load.js');
  const native = loadNativeBackend();
  if (!native) throw new Error('no native addon');
  const fn = kernelPass(native.kernels);
  for (const s of CONV_SHAPES) {
    const g = s.g;
    const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.random() - 0.5);
    const x = rand(g.batch * g.inH * g.inW * g.inC), w = rand(g.kH * g.kW * g.inC * g.outC), y = rand(g.batch * g.outH * g.outW * g.outC);
    fn(s, x, w, y);
    let bestCpu = 0, bestWall = 0;
    for (let r = 0; r < reps; r++) {
      let calls = 0;
      const c0 = process.cpuUsage(), t0 = performance.now();
      while (performance.now() - t0 < 300) { fn(s, x, w, y); calls++; }
      const wall = (performance.now() - t0) / 1000, c = process.cpuUsage(c0), cpu = (c.user + c.system) / 1e6;
      bestCpu = Math.max(bestCpu, convFlops(g) * calls / cpu / 1e9);
      bestWall = Math.max(bestWall, convFlops(g) * calls / wall / 1e9);
    }
    console.log(`${s.label.padEnd(36)} ${bestCpu.toFixed(1).padStart(7)} GFLOPS/CPU-s ${bestWall.toFixed(1).padStart(7)} GFLOPS/wall-s`);
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
