/** Loads the WASM SIMD kernels. Owned by the wasm-backend work (issue 3). */
import type { Backend } from '../registry.js';

export async function loadWasmBackend(): Promise<Backend | null> {
  return null;
}
