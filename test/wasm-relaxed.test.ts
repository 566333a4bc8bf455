/**
 * The relaxed-SIMD WASM builds (GEMM multiply-adds as f32x4.relaxed_madd) against the reference.
 * Node 20 runs relaxed SIMD only behind --experimental-wasm-relaxed-simd, so there this file
 * re-runs itself in a child with that flag; engines that ship it (Chromium, Node ≥ 22) run it directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Kernels } from '../src/backend/kernels.js';
import { jsBackend } from '../src/backend/js/index.js';
import { nodeWasmWorkerFactory } from '../src/backend/wasm-node-workers.js';
import { createWasmBackend, relaxedSimdSupported } from '../src/backend/wasm/load.js';

const CHILD = 'DEEPTS_RELAXED_SIMD_CHILD';

function randArray(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);
}

if (!relaxedSimdSupported() && !process.env[CHILD]) {
  test('relaxed SIMD builds (run in a child Node with --experimental-wasm-relaxed-simd)', () => {
    // Without NODE_TEST_CONTEXT (set by a parent `node --test`), the child reports in plain TAP.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--test', fileURLToPath(import.meta.url)], {
      env: { ...env, [CHILD]: '1' }, encoding: 'utf8', timeout: 120_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /# pass [1-9]/);
    assert.match(r.stdout, /# fail 0/);
  });
} else {
  test('the engine runs relaxed SIMD, so the backend loads the relaxed builds (and not when told not to)', async () => {
    assert.equal(relaxedSimdSupported(), true);
    const relaxed = await createWasmBackend({ threads: 1 });
    assert.equal(relaxed?.describe?.()['relaxedSimd'], true);
    const plain = await createWasmBackend({ threads: 1, relaxedSimd: false });
    assert.equal(plain?.describe?.()['relaxedSimd'], false);
  });

  for (const threads of [1, 2]) {
    test(`relaxed build, ${threads} thread(s): matmul matches the reference on every transpose/accumulate and odd sizes`, async () => {
      const backend = await createWasmBackend({ threads, workerFactory: nodeWasmWorkerFactory });
      assert.ok(backend);
      assert.equal(backend.describe?.()['relaxedSimd'], true);
      assert.equal(backend.describe?.()['threads'], threads);
      const wasm = backend.kernels as Kernels;
      const ref = jsBackend.kernels as Kernels;
      for (const [m, n, k] of [[1, 1, 1], [5, 7, 3], [33, 17, 65], [256, 128, 784], [131, 97, 300]] as const) {
        for (const transA of [false, true]) for (const transB of [false, true]) for (const accumulate of [false, true]) {
          const a = randArray(m * k, m + k);
          const b = randArray(k * n, n);
          const got = randArray(m * n, 3);
          const want = Float32Array.from(got);
          wasm.matmul(a, b, got, m, n, k, transA, transB, accumulate);
          ref.matmul(a, b, want, m, n, k, transA, transB, accumulate);
          for (let i = 0; i < want.length; i++) {
            // FMA rounds once where mul + add rounds twice: agreement to float32 accumulation error.
            assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5 * k * (1 + Math.abs(want[i]!)), `${m}×${n}×${k} tA=${transA} tB=${transB} acc=${accumulate} [${i}]: ${got[i]} vs ${want[i]}`);
          }
        }
      }
      backend.stopThreads();
    });
  }
}
