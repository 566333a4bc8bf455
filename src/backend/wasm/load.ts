/**
 * Loads the WASM SIMD128 kernels (compiled from wasm/src/*.c, embedded as base64 so no
 * file access or fetch is needed in Node or in a bundled page). Single-threaded: see
 * wasm/README.md for why and what threading would need.
 */
import type { Backend } from '../registry.js';
import { createWasmKernels, WASM_FALLBACK_KERNELS } from './kernels.js';
import { instantiateKernels, type WasmArena } from './instance.js';
import { WASM_KERNELS_BASE64 } from './module.generated.js';

/** The wasm Backend, with the kernels it leaves to the reference backend listed. */
export interface WasmBackend extends Backend {
  /** Kernels not implemented here (the registry fills them from 'js'); see also per-op fallbacks in kernels.ts. */
  readonly fallbackKernels: string[];
}

let unavailableReason: string | null = null;
let loading: Promise<WasmBackend | null> | undefined;

/** Why loadWasmBackend() returned null (e.g. no WebAssembly SIMD), or null if it did not. */
export function wasmUnavailableReason(): string | null {
  return unavailableReason;
}

/** Instantiates the kernels once; resolves to null (never rejects) when this runtime cannot run them. */
export function loadWasmBackend(): Promise<WasmBackend | null> {
  loading ??= load();
  return loading;
}

async function load(): Promise<WasmBackend | null> {
  let arena: WasmArena;
  try {
    arena = await instantiateKernels(WASM_KERNELS_BASE64);
  } catch (e) {
    unavailableReason = e instanceof Error ? e.message : String(e);
    return null;
  }
  unavailableReason = null;
  return {
    name: 'wasm',
    priority: 10,
    kernels: createWasmKernels(arena),
    fallbackKernels: [...WASM_FALLBACK_KERNELS],
    describe: () => ({
      simd: true,
      threads: 1,
      memory: `${(arena.memoryBytes() / 2 ** 20).toFixed(1)} MiB`,
    }),
  };
}
