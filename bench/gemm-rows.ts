/**
 * GEMM rows for `npm run bench`, measured in a child process per backend (the native thread
 * pool must not share a process with the other measurements): deepts-wasm, deepts-js and
 * tfjs-wasm from bench/wasm-gemm.ts (runWasmGemmBench), deepts-native (1 thread and all
 * cores) and tfjs-cpu from bench/gemm.ts (runGemmBench).
 */
import os from 'node:os';
import { runGemmBench } from './gemm.js';
import { runWasmGemmBench } from './wasm-gemm.js';
import { nativeConvRows, wasmConvRows } from './conv.js';
import type { GemmColumn, GemmRow } from './report.js';

export interface GemmChildResult {
  rows: GemmRow[];
  columns: GemmColumn[];
  notes: string[];
  /** What the underlying bench returned, kept in the JSON for tracking. */
  raw: unknown;
  /** Core clock measured by the native addon (a chain of dependent adds), when it loads. */
  measuredClockGHz?: number;
}

export async function wasmGemmRows(quick: boolean): Promise<GemmChildResult> {
  const raw = await runWasmGemmBench(quick ? 0.2 : 0.5);
  const notes: string[] = [];
  // Conv passes of the MNIST convnet (bench/conv.ts): the wasm conv GEMMs run on one thread.
  const conv = await wasmConvRows(quick ? 0.2 : 0.5, notes);
  const threads = raw[0]?.wasmThreads ?? 1;
  return {
    raw: { gemm: raw, conv },
    notes,
    columns: [
      { key: 'wasm-1t', title: 'wasm 1T', cores: 1 },
      ...(raw.some((r) => r.wasmRelaxed !== null) ? [{ key: 'wasm-relaxed-1t', title: 'relaxed 1T', cores: 1 }] : []),
      ...(threads > 1 ? [{ key: 'wasm-all', title: `wasm ${threads}T`, cores: threads }] : []),
      { key: 'js-1t', title: 'js 1T', cores: 1 },
      { key: 'tfjs-wasm-1t', title: 'tfjs-wasm', cores: 1 },
    ],
    rows: [
      ...raw.map((r) => ({ shape: r.shape, rates: { 'wasm-1t': r.wasm, 'wasm-relaxed-1t': r.wasmRelaxed, 'wasm-all': r.wasmMt, 'js-1t': r.js, 'tfjs-wasm-1t': r.tfjsWasm } })),
      ...conv,
    ],
  };
}

export async function nativeGemmRows(quick: boolean): Promise<GemmChildResult> {
  const cores = os.cpus().length;
  const { loadNativeBackend, nativeUnavailableReason } = await import('../src/backend/native/load.js');
  const backend = loadNativeBackend();
  if (!backend) throw new Error(`native backend unavailable: ${nativeUnavailableReason() ?? 'unknown reason'}`);
  let measuredClockGHz = 0;
  for (let i = 0; i < 3; i++) measuredClockGHz = Math.max(measuredClockGHz, backend.addon.measureClockGHz());
  // js and tfjs-wasm come from the wasm child (runWasmGemmBench); tfjs-cpu only from here.
  const raw = await runGemmBench({ seconds: quick ? 0.2 : 0.5, engines: ['native', 'tfjs-cpu'] });
  let fma = 0;
  for (let i = 0; i < 5; i++) fma = Math.max(fma, backend.addon.measureFmaPeakGflops());
  const info = backend.addon.info();
  const convNotes: string[] = [];
  const conv = await nativeConvRows(quick ? 0.2 : 0.5, convNotes);
  return {
    raw: { gemm: raw, conv }, measuredClockGHz,
    notes: [`native kernels: ${info.isa} (${info.microTile} micro-tile); the addon's FMA loop reaches ${fma.toFixed(1)} GFLOPS on one core at a measured ${measuredClockGHz.toFixed(2)} GHz`,
      'conv rows: GFLOPS per pass of the MNIST convnet and of the wide model\'s third conv (batch 128; native: implicit GEMM per task of images, native/conv-gemm.inc; bench/conv.ts)',
      'conv rows, "auto eff." column: the addon\'s own choice per pass (Winograd F(4×4, 3×3) where its measured rule picks it, native/conv-winograd.inc, else the implicit GEMM), as effective GFLOPS = direct-convolution FLOPs / time: no % of peak, Winograd does fewer FLOPs', ...convNotes],
    rows: [...raw.map((r) => ({ shape: r.shape, rates: { 'native-1t': r.native1t, 'native-all': r.nativeAll, 'tfjs-cpu-1t': r.tfjsCpu1t } })), ...conv],
    columns: [
      { key: 'native-1t', title: 'native 1T', cores: 1 },
      { key: 'native-all', title: `native ${cores}T`, cores },
      ...(conv.some((r) => r.rates['native-auto-all'] != null) ? [{ key: 'native-auto-all', title: `auto ${cores}T eff.`, cores: 0 }] : []),
      { key: 'tfjs-cpu-1t', title: 'tfjs-cpu', cores: 1 },
    ],
  };
}
