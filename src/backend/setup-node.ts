/**
 * Node start-up: registers the fastest backends that load here (native addon,
 * then WASM SIMD, then the js reference), honouring DEEPTS_BACKEND=js|wasm|native.
 * Says once, on stderr, when the native backend is missing and how to build it.
 */
import { jsBackend } from './js/index.js';
import { loadNativeBackend } from './native/load.js';
import { loadWasmBackend } from './wasm/load.js';
import { registerBackend, setBackend } from './registry.js';

registerBackend(jsBackend);

const wanted = process.env['DEEPTS_BACKEND']?.trim().toLowerCase() || undefined;
if (wanted !== undefined && !['js', 'wasm', 'native'].includes(wanted)) {
  throw new Error(`DEEPTS_BACKEND='${wanted}' is not a backend (use js, wasm or native)`);
}

const native = wanted === undefined || wanted === 'native' ? loadNativeBackend() : null;
if (native) registerBackend(native);
const wasm = wanted === undefined || wanted === 'wasm' ? await loadWasmBackend() : null;
if (wasm) registerBackend(wasm);

if (wanted) {
  if (wanted === 'native' && !native) throw new Error("DEEPTS_BACKEND=native but the native addon is not built here: run 'npx deepts build-native'");
  if (wanted === 'wasm' && !wasm) throw new Error('DEEPTS_BACKEND=wasm but WebAssembly SIMD is not available in this runtime');
  setBackend(wanted);
} else if (!native && !process.env['DEEPTS_QUIET']) {
  process.stderr.write(`deepts: native backend not built, using ${wasm ? 'WASM SIMD' : 'the js reference backend'} (run 'npx deepts build-native' for full speed)\n`);
}
