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
  // Without NODE_TEST_CONTEXT (set by a parent `node --test`), a child reports in plain TAP.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const inChild = (files: string[], extra: string[] = [], childEnv: Record<string, string> = {}): void => {
    const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--test', ...extra, ...files], {
      env: { ...env, [CHILD]: '1', ...childEnv }, encoding: 'utf8', timeout: 180_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /# pass [1-9]/);
    assert.match(r.stdout, /# fail 0/);
  };
  const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
  test('relaxed SIMD builds (run in a child Node with --experimental-wasm-relaxed-simd)', () => {
    inChild([fileURLToPath(import.meta.url)]);
  });
  // The relaxed builds have their own GEMM tile (6×8 with FMA instead of 4×8): the compiled-step tests
  // (plans, threaded row splits, GEMM pairs) and the GEMM-based conformance checks run on them too.
  test('relaxed SIMD builds: compiled WASM steps (test/wasm-plan) in the child', () => {
    inChild([here('wasm-plan.test.js')]);
  });
  test('relaxed SIMD builds: matmul and conv2d conformance (DEEPTS_BACKEND=wasm) in the child', () => {
    inChild([here('backend-conformance.test.js')], ['--test-name-pattern=^(matmul|conv2d)'], { DEEPTS_BACKEND: 'wasm' });
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
          const c0 = Float32Array.from(got);
          wasm.matmul(a, b, got, m, n, k, transA, transB, accumulate);
          ref.matmul(a, b, want, m, n, k, transA, transB, accumulate);
          // FMA rounds once where mul + add rounds twice, and the sums run in another order: agreement to
          // float32 accumulation error, 4·√k·2⁻²⁴·Σ|a·b| (measured worst 1.2·√k·2⁻²⁴·Σ|a·b| on these cases):
          // tight enough that one dropped or repeated depth step (~0.1 here) fails.
          for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
            let mass = accumulate ? Math.abs(c0[i * n + j]!) : 0;
            for (let p = 0; p < k; p++) mass += Math.abs((transA ? a[p * m + i]! : a[i * k + p]!) * (transB ? b[j * k + p]! : b[p * n + j]!));
            const tol = 4 * Math.sqrt(k) * 2 ** -24 * mass + 1e-30;
            assert.ok(Math.abs(got[i * n + j]! - want[i * n + j]!) <= tol, `${m}×${n}×${k} tA=${transA} tB=${transB} acc=${accumulate} [${i},${j}]: ${got[i * n + j]} vs ${want[i * n + j]}`);
          }
        }
      }
      backend.stopThreads();
    });
  }
}
