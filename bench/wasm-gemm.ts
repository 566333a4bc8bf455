/**
 * GEMM GFLOPS on the lecture autoencoder's shapes: deepts wasm vs the deepts js reference
 * vs @tensorflow/tfjs-backend-wasm (SIMD, threads off as in stock Node).
 * Run: `npx tsc -p tsconfig.json && node dist/bench/wasm-gemm.js` (Node 20: add
 * --experimental-wasm-relaxed-simd for the relaxed-SIMD column; `npm run bench` does).
 */
import os from 'node:os';
import type { Kernels } from '../src/backend/kernels.js';
import { jsBackend } from '../src/backend/js/index.js';
import { registerBackend } from '../src/backend/registry.js';
import { nodeWasmWorkerFactory } from '../src/backend/wasm-node-workers.js';
import { createWasmBackend, relaxedSimdSupported, wasmUnavailableReason } from '../src/backend/wasm/load.js';


export interface GemmShape {
  label: string;
  m: number; n: number; k: number;
  transA: boolean; transB: boolean;
}

/** Forward and backward GEMMs of a 256-row batch through the 784→128 and 128→784 dense layers. */
export const LECTURE_GEMM_SHAPES: readonly GemmShape[] = [
  { label: 'fwd  X·W      256×784·784×128', m: 256, n: 128, k: 784, transA: false, transB: false },
  { label: 'dX   dY·Wᵀ    256×128·128×784', m: 256, n: 784, k: 128, transA: false, transB: true },
  { label: 'dW   Xᵀ·dY    784×256·256×128', m: 784, n: 128, k: 256, transA: true, transB: false },
  { label: 'fwd  H·W      256×128·128×784', m: 256, n: 784, k: 128, transA: false, transB: false },
  { label: 'dH   dY·Wᵀ    256×784·784×128', m: 256, n: 128, k: 784, transA: false, transB: true },
  { label: 'dW   Hᵀ·dY    128×256·256×784', m: 128, n: 784, k: 256, transA: true, transB: false },
];

export interface GemmBenchRow {
  shape: string;
  /** deepts wasm, one thread, plain SIMD128. */
  wasm: number;
  /** deepts wasm, one thread, the relaxed-SIMD build (null where the engine lacks relaxed SIMD). */
  wasmRelaxed: number | null;
  /** deepts wasm with GEMM on `wasmThreads` threads (null when worker threads could not start). */
  wasmMt: number | null;
  wasmThreads: number;
  js: number | null;
  tfjsWasm: number | null;
}

type MatmulFn = (a: Float32Array, b: Float32Array, out: Float32Array, s: GemmShape) => void | Promise<void>;

/** Best rate over ~50 ms chunks: robust to other processes sharing the cores. */
async function gflops(fn: MatmulFn, s: GemmShape, minSeconds: number): Promise<number> {
  const a = Float32Array.from({ length: s.m * s.k }, () => Math.random() - 0.5);
  const b = Float32Array.from({ length: s.k * s.n }, () => Math.random() - 0.5);
  const out = new Float32Array(s.m * s.n);
  await fn(a, b, out, s); // warm-up (JIT tier-up, memory growth)
  await fn(a, b, out, s);
  const flop = 2 * s.m * s.n * s.k;
  let best = 0;
  const start = performance.now();
  while (performance.now() - start < minSeconds * 1000) {
    let reps = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 50) {
      await fn(a, b, out, s);
      reps++;
      t = performance.now();
    }
    best = Math.max(best, (flop * reps) / ((t - t0) / 1000) / 1e9);
  }
  return best;
}

function kernelMatmul(k: Partial<Kernels>): MatmulFn {
  const mm = k.matmul;
  if (!mm) throw new Error('backend has no matmul kernel');
  return (a, b, out, s) => mm(a, b, out, s.m, s.n, s.k, s.transA, s.transB, false);
}

/** tfjs-backend-wasm's matMul, or null when it cannot be loaded here. */
async function tfjsWasmMatmul(): Promise<MatmulFn | null> {
  try {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const { createRequire } = await import('node:module');
    const path = await import('node:path');
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
    if (!(await tf.setBackend('wasm'))) return null;
    await tf.ready();
    return (a, b, out, s) => {
      const ta = tf.tensor2d(a, s.transA ? [s.k, s.m] : [s.m, s.k]);
      const tb = tf.tensor2d(b, s.transB ? [s.n, s.k] : [s.k, s.n]);
      const tc = tf.matMul(ta, tb, s.transA, s.transB);
      out.set(tc.dataSync());
      tf.dispose([ta, tb, tc]);
    };
  } catch {
    return null;
  }
}

export async function runWasmGemmBench(minSeconds = 0.5): Promise<GemmBenchRow[]> {
  registerBackend(jsBackend);
  const wasm = await createWasmBackend({ threads: 1, relaxedSimd: false });
  const wasmRelaxed = relaxedSimdSupported() ? await createWasmBackend({ threads: 1 }) : null;
  const wasmRelaxedMm = wasmRelaxed ? kernelMatmul(wasmRelaxed.kernels) : null;
  if (!wasm) throw new Error(`wasm backend unavailable: ${wasmUnavailableReason() ?? 'unknown reason'}`);
  const cores = os.availableParallelism();
  const wasmMtBackend = cores > 1 ? await createWasmBackend({ threads: cores, workerFactory: nodeWasmWorkerFactory }) : null;
  const wasmThreads = Number(wasmMtBackend?.describe?.()['threads'] ?? 1);
  const wasmMtMm = wasmMtBackend && wasmThreads > 1 ? kernelMatmul(wasmMtBackend.kernels) : null;
  const wasmMm = kernelMatmul(wasm.kernels);
  const jsMm = kernelMatmul(jsBackend.kernels);
  const tfMm = await tfjsWasmMatmul();
  const rows: GemmBenchRow[] = [];
  for (const s of LECTURE_GEMM_SHAPES) {
    rows.push({
      shape: s.label,
      wasm: await gflops(wasmMm, s, minSeconds),
      wasmRelaxed: wasmRelaxedMm ? await gflops(wasmRelaxedMm, s, minSeconds) : null,
      wasmMt: wasmMtMm ? await gflops(wasmMtMm, s, minSeconds) : null,
      wasmThreads,
      js: await gflops(jsMm, s, Math.min(minSeconds, 0.3)),
      tfjsWasm: tfMm ? await gflops(tfMm, s, minSeconds) : null,
    });
  }
  wasmMtBackend?.stopThreads();
  return rows;
}

export function formatWasmGemmTable(rows: readonly GemmBenchRow[]): string {
  const f = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(1)).padStart(9);
  const mt = `wasm ${rows[0]?.wasmThreads ?? 1}T`;
  const lines = [`${'GEMM (GFLOPS)'.padEnd(32)}${'wasm 1T'.padStart(9)}${'relaxed'.padStart(9)}${mt.padStart(9)}${'js'.padStart(9)}${'tfjs-wasm'.padStart(11)}${'wasm/tfjs'.padStart(11)}`];
  for (const r of rows) {
    const ratio = r.tfjsWasm ? `${(r.wasm / r.tfjsWasm).toFixed(1)}×` : 'n/a';
    lines.push(`${r.shape.padEnd(32)}${f(r.wasm)}${f(r.wasmRelaxed)}${f(r.wasmMt)}${f(r.js)}  ${f(r.tfjsWasm)}${ratio.padStart(11)}`);
  }
  return lines.join('\n');
}

const isMain = typeof process !== 'undefined' && process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const rows = await runWasmGemmBench();
  console.log(formatWasmGemmTable(rows));
}
