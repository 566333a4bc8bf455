/** The WASM backend with GEMM on worker threads (Node worker_threads + shared memory). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels } from '../src/backend/kernels.js';
import { jsBackend } from '../src/backend/js/index.js';
import { registerBackend } from '../src/backend/registry.js';
import { nodeWasmWorkerFactory } from '../src/backend/wasm-node-workers.js';
import { createWasmBackend, loadWasmBackend, type WasmWorkerFactory } from '../src/backend/wasm/load.js';


registerBackend(jsBackend);
const backend = await loadWasmBackend({ threads: 2, workerFactory: nodeWasmWorkerFactory });
assert.ok(backend, 'wasm backend must load');
const wasm = backend.kernels as Kernels;
const ref = jsBackend.kernels as Kernels;

function randArray(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + n) * 0.5);
}

function maxRelError(got: Float32Array, want: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  return worst;
}

test('threads: two threads are running', () => {
  assert.equal(backend.describe?.()['threads'], 2);
});

test('threaded matmul matches the reference on split-row shapes, all transposes, accumulate', () => {
  // Large enough to be split over the threads; odd m leaves a short last block.
  const shapes: [number, number, number][] = [[256, 128, 784], [257, 131, 200], [131, 784, 256], [100, 97, 300]];
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const accumulate of [false, true]) {
          const a = randArray(m * k);
          const b = randArray(k * n);
          const got = randArray(m * n);
          const want = got.slice();
          wasm.matmul(a, b, got, m, n, k, transA, transB, accumulate);
          ref.matmul(a, b, want, m, n, k, transA, transB, accumulate);
          const err = maxRelError(got, want);
          assert.ok(err < 1e-4, `matmul ${m}×${n}×${k} tA=${transA} tB=${transB} acc=${accumulate}: error ${err}`);
        }
      }
    }
  }
});

test('other kernels work on the shared memory of the threaded build', () => {
  const x = randArray(1001);
  const got = new Float32Array(1001);
  const want = new Float32Array(1001);
  wasm.unary('sigmoid', x, got, 0);
  ref.unary('sigmoid', x, want, 0);
  assert.ok(maxRelError(got, want) < 1e-6);
});

test('a threaded plan\'s dropout splits over the threads and draws the reference mask for each new key', () => {
  const n = 128 * 1600 + 29;
  const x = randArray(n);
  const key = new Int32Array([9, 10]);
  const out = new Float32Array(n);
  const actions = backend.compileTrace!([
    { kind: 'host', target: key, fill: () => {}, independent: true },
    { kind: 'kernel', name: 'dropout', fn: wasm.dropout as (...args: never[]) => void, args: [x, key, 0.5, out] },
  ], [out]);
  for (const k of [[9, 10], [-3, 123456789]]) {
    key.set(k);
    for (const f of actions) f();
    const want = new Float32Array(n);
    ref.dropout(x, key, 0.5, want);
    assert.deepEqual(out, want, `key ${k}`);
  }
});

test('after stopThreads the backend keeps working on one thread', () => {
  backend.stopThreads();
  assert.equal(backend.describe?.()['threads'], 1);
  const [m, n, k] = [256, 128, 784];
  const a = randArray(m * k);
  const b = randArray(k * n);
  const got = new Float32Array(m * n);
  const want = new Float32Array(m * n);
  wasm.matmul(a, b, got, m, n, k, false, true, false);
  ref.matmul(a, b, want, m, n, k, false, true, false);
  assert.ok(maxRelError(got, want) < 1e-4);
});

test('loading never fails because of threads: a failing or throwing worker factory gives one thread and a note', async () => {
  const failing: WasmWorkerFactory = () => ({
    postMessage: () => undefined,
    onMessage: () => undefined,
    onError: (h) => queueMicrotask(() => h(new Error('blocked by CSP'))),
    terminate: () => undefined,
  });
  const throwing: WasmWorkerFactory = () => {
    throw new Error('no workers here');
  };
  for (const workerFactory of [failing, throwing]) {
    const b = await createWasmBackend({ threads: 2, workerFactory });
    assert.ok(b, 'the backend must still load');
    const d = b.describe?.() ?? {};
    assert.equal(d['threads'], 1);
    assert.match(String(d['threadsNote']), /did not start/);
    const out = new Float32Array(4);
    b.kernels.matmul!(Float32Array.of(1, 2, 3, 4), Float32Array.of(1, 0, 0, 1), out, 2, 2, 2, false, false, false);
    assert.deepEqual([...out], [1, 2, 3, 4]);
  }
});
