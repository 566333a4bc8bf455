/**
 * GEMM rows for `npm run bench`, measured in a child process per backend (the native thread
 * pool must not share a process with the other measurements). The wasm rows come from the
 * WASM engineer's bench/wasm-gemm.ts (runWasmGemmBench); the native rows from the native
 * engineer's bench/gemm.ts (runGemmBench) when it exists, else straight from the addon's
 * matmul on the same shapes with 1 thread and with all cores.
 */
import os from 'node:os';
import { LECTURE_GEMM_SHAPES, runWasmGemmBench, type GemmShape } from './wasm-gemm.js';
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
  return {
    raw,
    notes: [],
    columns: [
      { key: 'wasm-1t', title: 'deepts-wasm 1T', cores: 1 },
      { key: 'js-1t', title: 'deepts-js', cores: 1 },
      { key: 'tfjs-wasm-1t', title: 'tfjs-wasm', cores: 1 },
    ],
    rows: raw.map((r) => ({ shape: r.shape, rates: { 'wasm-1t': r.wasm, 'js-1t': r.js, 'tfjs-wasm-1t': r.tfjsWasm } })),
  };
}

/** Best rate over ~50 ms chunks (robust to brief interference), after two warm-up calls. */
function bestGflops(mm: (a: Float32Array, b: Float32Array, out: Float32Array) => void, s: GemmShape, minSeconds: number): number {
  const a = Float32Array.from({ length: s.m * s.k }, () => Math.random() - 0.5);
  const b = Float32Array.from({ length: s.k * s.n }, () => Math.random() - 0.5);
  const out = new Float32Array(s.m * s.n);
  mm(a, b, out);
  mm(a, b, out);
  const flop = 2 * s.m * s.n * s.k;
  let best = 0;
  const start = performance.now();
  while (performance.now() - start < minSeconds * 1000) {
    let reps = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 50) {
      mm(a, b, out);
      reps++;
      t = performance.now();
    }
    best = Math.max(best, (flop * reps) / ((t - t0) / 1000) / 1e9);
  }
  return best;
}

interface ForeignBench { runGemmBench?: (...args: unknown[]) => unknown }

/** Adapts the native engineer's rows: a label string plus numeric GFLOPS fields. */
function adaptForeignRows(raw: unknown, cores: number): { rows: GemmRow[]; columns: GemmColumn[] } | null {
  const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' && Array.isArray((raw as { rows?: unknown }).rows) ? (raw as { rows: unknown[] }).rows : null;
  if (!list || list.length === 0) return null;
  const rows: GemmRow[] = [];
  const columns = new Map<string, GemmColumn>();
  for (const item of list) {
    if (!item || typeof item !== 'object') return null;
    const entries = Object.entries(item as Record<string, unknown>);
    const label = entries.find(([, v]) => typeof v === 'string');
    if (!label) return null;
    const rates: Record<string, number | null> = {};
    for (const [k, v] of entries) {
      if (typeof v !== 'number' || /^(m|n|k|threads?|reps|seconds|ms)$/i.test(k)) continue;
      const key = `native:${k}`;
      rates[key] = v;
      if (!columns.has(key)) {
        const single = /(^|[^0-9])1t|one|single|1thread|serial/i.test(k);
        const percentish = /pct|percent|peak|ratio/i.test(k);
        columns.set(key, { key, title: `native ${k}`.slice(0, 16), cores: percentish ? 0 : single ? 1 : cores });
      }
    }
    rows.push({ shape: String(label[1]), rates });
  }
  return { rows, columns: [...columns.values()] };
}

export async function nativeGemmRows(quick: boolean): Promise<GemmChildResult> {
  const cores = os.cpus().length;
  const notes: string[] = [];
  const { loadNativeBackend, nativeUnavailableReason } = await import('../src/backend/native/load.js');
  const backend = loadNativeBackend();
  const measuredClockGHz = backend ? backend.addon.measureClockGHz() : undefined;
  const specifier = './gemm.js'; // the native engineer's bench, if it has landed
  let foreign: ForeignBench | null = null;
  try {
    foreign = (await import(specifier)) as ForeignBench;
  } catch (e) {
    notes.push(`bench/gemm.ts (runGemmBench) not available (${e instanceof Error ? e.message.split('\n')[0] : String(e)}): native GEMM measured here through the addon`);
  }
  if (foreign && typeof foreign.runGemmBench === 'function') {
    const raw = await foreign.runGemmBench();
    const adapted = adaptForeignRows(raw, cores);
    if (adapted) return { raw, notes, measuredClockGHz, ...adapted };
    notes.push('runGemmBench() returned rows in an unknown format (kept in the JSON): native GEMM measured here through the addon');
  }

  if (!backend) throw new Error(`native backend unavailable: ${nativeUnavailableReason() ?? 'unknown reason'}`);
  const addon = backend.addon;
  const seconds = quick ? 0.2 : 0.5;
  const rows: GemmRow[] = [];
  const raw: Record<string, unknown>[] = [];
  for (const s of LECTURE_GEMM_SHAPES) {
    const mm = (a: Float32Array, b: Float32Array, out: Float32Array): void => addon.matmul(a, b, out, s.m, s.n, s.k, s.transA, s.transB, false);
    addon.setNumThreads(1);
    const one = bestGflops(mm, s, seconds);
    const all = addon.setNumThreads(cores);
    const many = bestGflops(mm, s, seconds);
    rows.push({ shape: s.label, rates: { 'native-1t': one, 'native-all': many } });
    raw.push({ shape: s.label, gflops1: one, gflopsAll: many, threads: all });
  }
  const info = addon.info();
  notes.push(`native kernels: ${info.isa} (${info.microTile} micro-tile); addon's own FMA-loop peak: ${addon.measureFmaPeakGflops().toFixed(1)} GFLOPS per core at a measured ${measuredClockGHz?.toFixed(2)} GHz`);
  return {
    raw, notes, rows, measuredClockGHz,
    columns: [
      { key: 'native-1t', title: 'deepts-native 1T', cores: 1 },
      { key: 'native-all', title: `native ${cores}T`, cores },
    ],
  };
}
