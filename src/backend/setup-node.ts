/**
 * Node start-up: registers the fastest backends that load here (native addon,
 * then WASM SIMD — on all cores through worker_threads when it is the one that runs — then
 * the js reference), honouring DEEPTS_BACKEND=js|wasm|native.
 * Says once, on stderr, when the native backend is missing and how to build it.
 */
import { jsBackend } from './js/index.js';
import { loadNativeBackend, nativeUnavailableReason } from './native/load.js';
import { availableParallelism } from 'node:os';
import { loadWasmBackend } from './wasm/load.js';
import { nodeWasmWorkerFactory } from './wasm-node-workers.js';
import { registerBackend, setBackend } from './registry.js';

registerBackend(jsBackend);

const wanted = process.env['DEEPTS_BACKEND']?.trim().toLowerCase() || undefined;
if (wanted !== undefined && !['js', 'wasm', 'native'].includes(wanted)) {
  throw new Error(`DEEPTS_BACKEND='${wanted}' is not a backend (use js, wasm or native)`);
}

const native = wanted === undefined || wanted === 'native' ? loadNativeBackend() : null;
if (native) registerBackend(native);
/** DEEPTS_NUM_THREADS (as for the native pool), else all cores. */
function wasmThreads(): number {
  const n = Number(process.env['DEEPTS_NUM_THREADS']);
  return Number.isInteger(n) && n >= 1 ? n : availableParallelism();
}

// Without the addon the WASM backend is the fast path: its GEMMs use every core through
// worker_threads. With the addon it is only a registered alternative: no idle workers then.
const wasm = wanted === undefined || wanted === 'wasm'
  ? await loadWasmBackend(native && wanted !== 'wasm'
    ? { threads: 1, whyOneThread: 'the native backend is active (DEEPTS_BACKEND=wasm starts the worker threads)' }
    : { threads: wasmThreads(), workerFactory: nodeWasmWorkerFactory, whyOneThread: wasmThreads() === 1 && availableParallelism() > 1 ? 'DEEPTS_NUM_THREADS=1' : 'this machine has one core' })
  : null;
if (wasm) registerBackend(wasm);

if (wanted) {
  if (wanted === 'native' && !native) throw new Error("DEEPTS_BACKEND=native but the native addon is not built here: run 'npx deepts build-native'");
  if (wanted === 'wasm' && !wasm) throw new Error('DEEPTS_BACKEND=wasm but WebAssembly SIMD is not available in this runtime');
  setBackend(wanted);
} else if (!native && !process.env['DEEPTS_QUIET']) {
  const using = wasm ? 'WASM SIMD' : 'the js reference backend';
  const stale = nativeUnavailableReason()?.includes('calling convention');
  process.stderr.write(stale
    ? `deepts: native backend not used, ${nativeUnavailableReason()}; using ${using}\n`
    : `deepts: native backend not built, using ${using} (run 'npx deepts build-native' for full speed)\n`);
}
