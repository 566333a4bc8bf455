/**
 * GEMM micro-benchmark on the lecture's shapes (forward 784→128 and 128→784 layers of a
 * 256-image batch and their backward products dX = dZ·Wᵀ, dW = Xᵀ·dZ): GFLOPS of
 * deepts-native with 1 thread and with all cores, deepts-js, and the peers tfjs (`cpu`
 * backend) and tfjs-backend-wasm (SIMD, threads off as in stock Node), as % of this
 * machine's fp32 peak.
 *
 * Peak = measured core clock (dependent-add chain, native addon) × FLOP/cycle of the widest
 * FMA path (bench/machine.ts: 32 for AVX2 and for Zen 4's AVX-512, 64 for Intel AVX-512);
 * the addon's FMA-loop throughput is printed next to it as a check.
 * Each rate is the best of ~5 ms chunks after warm-up: other processes on a 2-core machine
 * can only slow a chunk down, so the best chunk is the least disturbed estimate.
 *
 * Run: `npx tsc -p tsconfig.json && node dist/bench/gemm.js [--quick]`.
 */
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { jsKernels } from '../src/backend/js/kernels.js';
import { loadNativeBackend, nativeUnavailableReason } from '../src/backend/native/load.js';
import { detectMachine, withMeasuredClock, type MachineInfo } from './machine.js';
import { LECTURE_GEMM_SHAPES, type GemmShape } from './wasm-gemm.js';

/** One lecture shape; rates in GFLOPS (null: engine unavailable). Keys ending in 1t are single-threaded. */
export interface GemmRow {
  shape: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  native1t: number | null;
  nativeAll: number | null;
  js1t: number | null;
  tfjsCpu1t: number | null;
  tfjsWasm1t: number | null;
}

export interface GemmBenchOptions {
  /** Seconds of measurement per engine and shape (default 0.5). */
  seconds?: number;
  /** Engines to measure (default all). */
  engines?: readonly ('native' | 'js' | 'tfjs-cpu' | 'tfjs-wasm')[];
}

type Matmul = (a: Float32Array, b: Float32Array, out: Float32Array, s: GemmShape) => void;

function bestGflops(mm: Matmul, s: GemmShape, seconds: number): number {
  const a = Float32Array.from({ length: s.m * s.k }, () => Math.random() - 0.5);
  const b = Float32Array.from({ length: s.k * s.n }, () => Math.random() - 0.5);
  const out = new Float32Array(s.m * s.n);
  mm(a, b, out, s);
  mm(a, b, out, s);
  const flop = 2 * s.m * s.n * s.k;
  let best = 0;
  const start = performance.now();
  do {
    let reps = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      mm(a, b, out, s);
      reps++;
      t = performance.now();
    } while (t - t0 < 5);
    best = Math.max(best, (flop * reps) / ((t - t0) / 1000) / 1e9);
  } while (performance.now() - start < seconds * 1000);
  return best;
}

type Tf = typeof import('@tensorflow/tfjs');

/** tfjs matMul on a given backend ('cpu' or 'wasm'), or null when it cannot start here. */
async function tfjsMatmul(backend: 'cpu' | 'wasm'): Promise<Matmul | null> {
  try {
    const tf: Tf = await import('@tensorflow/tfjs');
    if (backend === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
      wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
    }
    if (!(await tf.setBackend(backend))) return null;
    await tf.ready();
    return (a, b, out, s) => {
      tf.tidy(() => {
        const ta = tf.tensor2d(a, s.transA ? [s.k, s.m] : [s.m, s.k]);
        const tb = tf.tensor2d(b, s.transB ? [s.n, s.k] : [s.k, s.n]);
        out.set(tf.matMul(ta, tb, s.transA, s.transB).dataSync() as Float32Array);
      });
    };
  } catch {
    return null;
  }
}

/** Measures every engine on every lecture shape. Runs in this process (best in a fresh one). */
export async function runGemmBench(options: GemmBenchOptions = {}): Promise<GemmRow[]> {
  const seconds = options.seconds ?? 0.5;
  const engines = new Set(options.engines ?? ['native', 'js', 'tfjs-cpu', 'tfjs-wasm']);
  const native = engines.has('native') ? loadNativeBackend() : null;
  const cores = os.cpus().length;
  const rows: GemmRow[] = LECTURE_GEMM_SHAPES.map((s) => ({
    shape: s.label, m: s.m, n: s.n, k: s.k, transA: s.transA, transB: s.transB,
    native1t: null, nativeAll: null, js1t: null, tfjsCpu1t: null, tfjsWasm1t: null,
  }));
  if (native) {
    const addon = native.addon;
    const mm: Matmul = (a, b, out, s) => addon.matmul(a, b, out, s.m, s.n, s.k, s.transA, s.transB, false);
    LECTURE_GEMM_SHAPES.forEach((s, i) => {
      addon.setNumThreads(1);
      rows[i]!.native1t = bestGflops(mm, s, seconds);
      addon.setNumThreads(cores);
      rows[i]!.nativeAll = bestGflops(mm, s, seconds);
    });
  }
  if (engines.has('js')) {
    const mm: Matmul = (a, b, out, s) => jsKernels.matmul(a, b, out, s.m, s.n, s.k, s.transA, s.transB, false);
    LECTURE_GEMM_SHAPES.forEach((s, i) => { rows[i]!.js1t = bestGflops(mm, s, seconds); });
  }
  for (const [engine, key] of [['tfjs-cpu', 'tfjsCpu1t'], ['tfjs-wasm', 'tfjsWasm1t']] as const) {
    if (!engines.has(engine)) continue;
    const mm = await tfjsMatmul(engine === 'tfjs-cpu' ? 'cpu' : 'wasm');
    if (mm) LECTURE_GEMM_SHAPES.forEach((s, i) => { rows[i]![key] = bestGflops(mm, s, seconds); });
  }
  return rows;
}

/** The machine with its clock measured by the addon (when built), plus the addon's FMA-loop peak. */
export function gemmMachine(): { machine: MachineInfo; fmaLoopGflops: number | null; isa: string | null } {
  const native = loadNativeBackend();
  let clock: number | undefined;
  let fma: number | null = null;
  if (native) {
    clock = 0;
    for (let i = 0; i < 3; i++) clock = Math.max(clock, native.addon.measureClockGHz());
    fma = 0;
    for (let i = 0; i < 5; i++) fma = Math.max(fma, native.addon.measureFmaPeakGflops());
  }
  return { machine: withMeasuredClock(detectMachine(), clock), fmaLoopGflops: fma, isa: native ? native.addon.info().isa : null };
}

export function formatGemmRows(rows: readonly GemmRow[], machine: MachineInfo): string {
  const cores = machine.cores;
  const peak = machine.peakGflopsPerCore;
  const cols: { key: keyof GemmRow; title: string; cores: number }[] = [
    { key: 'native1t', title: 'native 1T', cores: 1 },
    { key: 'nativeAll', title: `native ${cores}T`, cores },
    { key: 'js1t', title: 'deepts-js', cores: 1 },
    { key: 'tfjsCpu1t', title: 'tfjs-cpu', cores: 1 },
    { key: 'tfjsWasm1t', title: 'tfjs-wasm', cores: 1 },
  ];
  const cell = (v: number | null, c: number): string =>
    v === null ? 'n/a'.padStart(16) : `${v.toFixed(1).padStart(7)} (${((100 * v) / (peak * c)).toFixed(0).padStart(3)}%)`.padStart(16);
  const lines = [
    `GEMM GFLOPS (% of fp32 peak ${peak.toFixed(1)} GFLOPS/core × threads used)`,
    `${'shape'.padEnd(32)}${cols.map((c) => c.title.padStart(16)).join('')}${'2T/1T'.padStart(8)}${'vs tfjs-wasm'.padStart(14)}`,
  ];
  for (const r of rows) {
    const scale = r.native1t && r.nativeAll ? `${(r.nativeAll / r.native1t).toFixed(2)}×` : 'n/a';
    const vsWasm = r.nativeAll && r.tfjsWasm1t ? `${(r.nativeAll / r.tfjsWasm1t).toFixed(0)}×` : 'n/a';
    lines.push(`${r.shape.padEnd(32)}${cols.map((c) => cell(r[c.key] as number | null, c.cores)).join('')}${scale.padStart(8)}${vsWasm.padStart(14)}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const { machine, fmaLoopGflops, isa } = gemmMachine();
  console.log(`${machine.cpuModel} (${machine.microarchitecture}), ${machine.cores} cores, ${machine.peakAssumption}`);
  console.log(`clock: measured ${machine.measuredClockGHz?.toFixed(2) ?? 'n/a'} GHz, reported ${machine.reportedClockGHz.toFixed(2)} GHz; `
    + `peak ${machine.peakGflopsPerCore.toFixed(1)} GFLOPS/core; addon FMA loop ${fmaLoopGflops?.toFixed(1) ?? 'n/a'} GFLOPS/core; native ISA ${isa ?? `unavailable (${nativeUnavailableReason()})`}`);
  const rows = await runGemmBench({ seconds: quick ? 0.2 : 0.5 });
  console.log(formatGemmRows(rows, machine));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
