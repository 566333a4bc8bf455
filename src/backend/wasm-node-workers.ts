/**
 * Node's worker_threads as the WASM backend's thread pool (browsers use Web Workers by
 * themselves). Node-only, so it lives beside setup-node.ts, outside the browser-safe wasm/ folder.
 */
import { Worker } from 'node:worker_threads';
import type { WasmWorkerFactory } from './wasm/load.js';

export const nodeWasmWorkerFactory: WasmWorkerFactory = (source) => {
  const w = new Worker(source, { eval: true });
  return {
    postMessage: (m) => w.postMessage(m),
    onMessage: (h) => w.on('message', h),
    onError: (h) => w.on('error', h),
    terminate: () => void w.terminate(),
    unref: () => w.unref(),
  };
};
