/**
 * Loads the WASM SIMD128 kernels (compiled from native/kernels.inc by wasm/build.sh). By
 * default their bytes are embedded as base64 (module.generated.ts, imported only then), so
 * no file access or fetch is needed in Node or in a bundled page; a page that serves the
 * .wasm files passes their URLs (`wasmFiles`) and compiles them while they download. GEMM runs on worker
 * threads when a worker factory and SharedArrayBuffer are available; loading never fails
 * because of threads — it falls back to one thread and says why in describe().
 */
import type { Backend } from '../registry.js';
import { createWasmKernels, WASM_FALLBACK_KERNELS } from './kernels.js';
import { compileWasmTrace } from './plan.js';
import { instantiateKernels, instantiateThreadedKernels, type WasmArena, type WasmModuleSource } from './instance.js';
import { WASM_THREADED_INITIAL_PAGES, WASM_THREADED_MAX_PAGES } from './memory.generated.js';
import { defaultWorkerFactory, GemmThreadPool, hardwareThreads, type ThreadedExports, type WasmWorkerFactory } from './threads.js';

export type { WasmWorker, WasmWorkerFactory } from './threads.js';

/** The wasm Backend, with the kernels it leaves to the reference backend listed. */
export interface WasmBackend extends Backend {
  /** Kernels not implemented here (the registry fills them from 'js'); see also per-op fallbacks in kernels.ts. */
  readonly fallbackKernels: string[];
  /** Stops the GEMM worker threads (the backend keeps working on one thread). */
  stopThreads(): void;
  /** The module instance and its linear memory (compiled plans reserve blocks there). */
  readonly arena: WasmArena;
}

export interface WasmLoadOptions {
  /** Threads for GEMM including the caller (default: the runtime's hardware concurrency; capped at 4). 1 = no workers. */
  threads?: number;
  /**
   * Starts a worker from JavaScript source. Default: Web Workers where the page is
   * crossOriginIsolated; none in Node (pass one built on worker_threads, see wasm/README.md).
   */
  workerFactory?: WasmWorkerFactory;
  /** What describe().threadsNote says when `threads` is 1 (default: 'threads: 1 requested'). */
  whyOneThread?: string;
  /**
   * URLs of the .wasm builds as wasm/build.sh writes them (plain SIMD128 single-threaded and
   * threaded, and optionally their relaxed-SIMD twins). Default: the copies embedded in the
   * bundle as base64.
   * Served files are smaller on the wire and compile while downloading (the lab page uses them).
   */
  wasmFiles?: WasmFiles;
  /**
   * Use the relaxed-SIMD builds (GEMM multiply-adds as f32x4.relaxed_madd: one FMA where the
   * CPU has it) when the engine validates them. Default true; false keeps plain SIMD128
   * (bit-for-bit the same results on every engine).
   */
  relaxedSimd?: boolean;
}

/** Where a page serves deepts' .wasm files (names as wasm/build.sh writes them). */
export interface WasmFiles {
  /** deepts-kernels.wasm */
  single: string | URL;
  /** deepts-kernels-mt.wasm */
  threaded: string | URL;
  /** deepts-kernels-relaxed.wasm (optional: without it, relaxed SIMD is not used) */
  singleRelaxed?: string | URL;
  /** deepts-kernels-mt-relaxed.wasm (optional) */
  threadedRelaxed?: string | URL;
}

type Build = 'single' | 'threaded';

// The smallest module using f32x4.relaxed_madd (opcode 0xfd 0x85 0x02): validates exactly
// where the engine runs relaxed SIMD (Chromium ≥ 114, Node ≥ 22; Node 20 behind a flag).
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0,
  10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11,
]);

/** Whether this engine runs WebAssembly relaxed SIMD. */
export function relaxedSimdSupported(): boolean {
  try {
    return typeof WebAssembly !== 'undefined' && WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/** Whether to load the relaxed-SIMD builds with these options on this engine. */
function useRelaxed(options: WasmLoadOptions, which: Build): boolean {
  if (options.relaxedSimd === false || !relaxedSimdSupported()) return false;
  const files = options.wasmFiles;
  return !files || (which === 'single' ? files.singleRelaxed : files.threadedRelaxed) !== undefined;
}

/** The module source for one build: the given file, or the embedded copy (loaded on first use). */
async function moduleSource(options: WasmLoadOptions, which: Build, relaxed: boolean): Promise<WasmModuleSource> {
  const files = options.wasmFiles;
  if (files) {
    const url = which === 'single' ? (relaxed ? files.singleRelaxed : files.single) : (relaxed ? files.threadedRelaxed : files.threaded);
    return { url: url ?? files[which] };
  }
  const e = await import('./module.generated.js');
  const base64 = which === 'single'
    ? (relaxed ? e.WASM_KERNELS_RELAXED_BASE64 : e.WASM_KERNELS_BASE64)
    : (relaxed ? e.WASM_KERNELS_THREADED_RELAXED_BASE64 : e.WASM_KERNELS_THREADED_BASE64);
  return { base64 };
}

let unavailableReason: string | null = null;
let loading: Promise<WasmBackend | null> | undefined;

/** Why loadWasmBackend() returned null (e.g. no WebAssembly SIMD), or null if it did not. */
export function wasmUnavailableReason(): string | null {
  return unavailableReason;
}

/**
 * Instantiates the kernels once (later calls return the first result, whatever their
 * options); resolves to null (never rejects) when this runtime cannot run them.
 */
export function loadWasmBackend(options: WasmLoadOptions = {}): Promise<WasmBackend | null> {
  loading ??= createWasmBackend(options);
  return loading;
}

/** A new, independent instance of the backend (own memory and workers), e.g. to compare thread counts. Never rejects. */
export function createWasmBackend(options: WasmLoadOptions = {}): Promise<WasmBackend | null> {
  return load(options).catch((e: unknown) => {
    unavailableReason = e instanceof Error ? e.message : String(e);
    return null;
  });
}

async function load(options: WasmLoadOptions): Promise<WasmBackend | null> {
  const threaded = await loadThreaded(options);
  if (threaded.backend) return threaded.backend;
  let arena: WasmArena;
  const relaxed = useRelaxed(options, 'single');
  try {
    arena = await instantiateKernels(await moduleSource(options, 'single', relaxed));
  } catch (e) {
    unavailableReason = e instanceof Error ? e.message : String(e);
    return null;
  }
  return makeBackend(arena, null, threaded.whySingle, relaxed);
}

/** The threaded build with its worker pool, or why GEMM runs on one thread. */
async function loadThreaded(options: WasmLoadOptions): Promise<{ backend?: WasmBackend; whySingle: string }> {
  const threads = Math.max(1, Math.floor(options.threads ?? hardwareThreads()));
  const factory = options.workerFactory ?? defaultWorkerFactory();
  if (threads < 2) {
    return { whySingle: options.whyOneThread ?? (options.threads === undefined ? 'the runtime reports one hardware thread' : 'threads: 1 requested') };
  }
  if (!factory) return { whySingle: 'no worker factory (browsers: page not crossOriginIsolated; Node: none passed)' };
  try {
    const relaxed = useRelaxed(options, 'threaded');
    const source = await moduleSource(options, 'threaded', relaxed);
    const t = await instantiateThreadedKernels(source, WASM_THREADED_INITIAL_PAGES, WASM_THREADED_MAX_PAGES);
    const pool = await GemmThreadPool.start(factory, threads - 1, t.module, t.memory, t.arena.exports as unknown as ThreadedExports);
    if (!pool) return { whySingle: 'worker threads did not start' };
    return { backend: makeBackend(t.arena, pool, '', relaxed), whySingle: '' };
  } catch (e) {
    return { whySingle: `threaded build unavailable: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function makeBackend(arena: WasmArena, pool: GemmThreadPool | null, note: string, relaxed: boolean): WasmBackend {
  const threads = { pool };
  // Replayed plans post their GEMMs to the same workers (threaded build only).
  arena.exports.plan_threads?.(pool ? pool.threads : 1, pool?.callerCanBlock ? 1 : 0);
  return {
    name: 'wasm',
    priority: 10,
    kernels: createWasmKernels(arena, threads),
    compileTrace: (entries, keep) => compileWasmTrace(arena, entries, keep),
    arena,
    fallbackKernels: [...WASM_FALLBACK_KERNELS],
    describe: () => ({
      simd: true,
      relaxedSimd: relaxed,
      threads: threads.pool ? threads.pool.threads : 1,
      ...(threads.pool ? {} : { threadsNote: note || 'worker threads stopped' }),
      memory: `${(arena.memoryBytes() / 2 ** 20).toFixed(1)} MiB`,
    }),
    stopThreads: () => {
      arena.exports.plan_threads?.(1, 0);
      threads.pool?.stop();
      threads.pool = null;
    },
  };
}
