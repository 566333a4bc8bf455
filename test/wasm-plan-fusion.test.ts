/**
 * Plan rewrites of the threaded WASM build checked against the eager kernels. The output layer's
 * step fused into its forward GEMM on the threaded WASM build
 * (K_GEMM_LOSS_BACKWARD, native/plan-fusion.inc's fuseGemmLossBackward, as the addon's on two
 * threads): a recorded matmul, biasAct, pointwise loss and biasActBackward of the loss gradient
 * replay as one GEMM whose row tasks run the bias, activation, loss and backward on their rows.
 * It must give what the eager WASM kernels give (the same bits for the GEMM output, predictions,
 * loss gradient and dz: the same kernels per element; the loss and bias gradient within float
 * rounding: summed by rows and by blocks of rows), and the js reference within float tolerance.
 * And a pair of large independent GEMMs (a layer's dX and dW), which the threaded host splits
 * into guided runs of both products' rows: the eager kernels' bits. Random shapes (fast-check), on the
 * threaded build with its workers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { kernels } from '../src/backend/registry.js';
import { jsKernels } from '../src/backend/js/kernels.js';
import type { Kernels, LossOp, UnaryOp } from '../src/backend/kernels.js';
import { traceStep } from '../src/tensor/step-trace.js';
import { nodeWasmWorkerFactory } from '../src/backend/wasm-node-workers.js';
import { createWasmBackend } from '../src/backend/wasm/load.js';
import { compileWasmTrace } from '../src/backend/wasm/plan.js';
import { withWasmPlanSpy } from './wasm-plan-spy.js';

const threaded = await createWasmBackend({ threads: 2, workerFactory: nodeWasmWorkerFactory });
const skip = threaded?.describe?.()['threads'] === 2 ? false : `the threaded WASM build did not start here (${String(threaded?.describe?.()['threadsNote'])})`;

function random(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const d = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; d[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo); }
  return d;
}

function assertClose(actual: Float32Array, expected: Float32Array, rtol: number, what: string): void {
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    assert.ok(d <= rtol * (1 + scale), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** The output layer's forward and backward as autograd records them, on outputs z, p, sum, grad, dz, dbias. */
function outputLayerStep(k: Kernels, x: Float32Array, w: Float32Array, b: Float32Array | null, t: Float32Array,
  m: number, n: number, kk: number, act: UnaryOp, loss: LossOp, out: Float32Array[]): void {
  const [z, p, sum, grad, dz, dbias] = out as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  k.matmul(x, w, z, m, n, kk, false, false, false);
  k.biasAct(z, b, act, 0, p, m, n);
  k.pointwiseLoss(loss, p, t, sum, grad, 1 / (m * n));
  k.biasActBackward(p, grad, act, 0, dz, b ? dbias : null, m, n);
}

const outputs = (m: number, n: number): Float32Array[] =>
  [new Float32Array(m * n), new Float32Array(m * n), new Float32Array(1), new Float32Array(m * n), new Float32Array(m * n), new Float32Array(n)];

test('the output layer\'s loss and backward run in its forward GEMM on the threaded WASM build: eager WASM bits, the js reference within rounding', { skip }, () => {
  withWasmPlanSpy(threaded!, (spy) => {
    fc.assert(fc.property(
      // Rows from a few (the GEMM on the caller, the epilogue after it) to several row tasks per thread.
      fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 160 }),
      fc.constantFrom<LossOp>('squaredError', 'absoluteError', 'binaryCrossentropy'),
      fc.constantFrom<UnaryOp>('sigmoid', 'relu', 'linear', 'tanh'), fc.boolean(), fc.integer({ min: 1, max: 1e6 }),
      (m, n, kk, loss, act, bias, seed) => {
        const x = random(m * kk, seed), w = random(kk * n, seed + 1), b = bias ? random(n, seed + 2) : null, t = random(m * n, seed + 3, 0, 1);
        const eager = outputs(m, n);
        outputLayerStep(kernels(), x, w, b, t, m, n, kk, act, loss, eager);
        const planned = outputs(m, n);
        const { entries } = traceStep(() => outputLayerStep(kernels(), x, w, b, t, m, n, kk, act, loss, planned));
        for (const o of planned) o.fill(Number.NaN);
        for (const f of compileWasmTrace(threaded!.arena, entries)) f();
        assert.deepEqual(spy.codes, [29], `one K_GEMM_LOSS_BACKWARD op, got codes ${spy.codes.join(' ')}`);
        const names = ['the GEMM output', 'the predictions', 'loss', 'the loss gradient', 'dz', 'dbias'];
        for (const i of [0, 1, 3, 4]) assert.deepEqual(planned[i], eager[i], names[i]);
        assertClose(planned[2]!, eager[2]!, 1e-6, 'loss');
        if (b) assertClose(planned[5]!, eager[5]!, 1e-5, 'dbias');
        // The js reference: its forward, and its loss and backward on the plan's predictions (an
        // activation's last-bit difference is amplified by crossentropy's 1/(p(1 − p)) near the clip).
        const reference = outputs(m, n);
        const [rz, rp, rsum, rgrad, rdz, rdbias] = reference as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
        jsKernels.matmul(x, w, rz, m, n, kk, false, false, false);
        jsKernels.biasAct(rz, b, act, 0, rp, m, n);
        jsKernels.pointwiseLoss(loss, planned[1]!, t, rsum, rgrad, 1 / (m * n));
        jsKernels.biasActBackward(planned[1]!, rgrad, act, 0, rdz, b ? rdbias : null, m, n);
        planned.forEach((o, i) => { if (i !== 5 || b) assertClose(o, reference[i]!, 1e-4, `${names[i]} vs the js reference`); });
      },
    ), { numRuns: 40 });
  });
});

test('the fused output layer step sums the same on one and two threads running, and a one-thread plan keeps two ops', { skip }, () => {
  withWasmPlanSpy(threaded!, ({ ex }) => {
    try {
      const m = 256, n = 784, kk = 128;
      const x = random(m * kk, 5), w = random(kk * n, 6), b = random(n, 7), t = random(m * n, 8, 0, 1);
      const replay = (threads: number): { out: Float32Array[]; ops: number } => {
        ex.plan_threads!(threads, 1);
        const out = outputs(m, n);
        const { entries } = traceStep(() => outputLayerStep(kernels(), x, w, b, t, m, n, kk, 'sigmoid', 'squaredError', out));
        for (const o of out) o.fill(0);
        const actions = compileWasmTrace(threaded!.arena, entries);
        const run = ex.plan_run;
        let ops = 0;
        ex.plan_run = (p: number, count: number) => { ops += count; run.call(ex, p, count); };
        try {
          for (const f of actions) f();
        } finally {
          ex.plan_run = run;
        }
        return { out, ops };
      };
      const two = replay(2);
      assert.equal(two.ops, 1);
      // The same plan again: whichever thread takes which row task, the same bits.
      const again = replay(2);
      again.out.forEach((o, i) => assert.deepEqual(o, two.out[i], `output ${i}, second replay`));
      const one = replay(1);
      assert.equal(one.ops, 2, 'one thread: the GEMM with its bias and activation, then the loss pass');
      one.out.forEach((o, i) => assertClose(o, two.out[i]!, 1e-5, `output ${i}, one thread vs two`));
    } finally {
      ex.plan_threads!(2, 1);
    }
  });
});

test.after(() => threaded?.stopThreads?.());

test('a replayed pair of large independent GEMMs, its rows split over the threads, gives the eager kernels\' bits', { skip }, () => {
  withWasmPlanSpy(threaded!, (spy) => {
    // A layer's backward as autograd records it: dX = dZ·Wᵀ and dW = Xᵀ·dZ, one after the other
    // (rows on both sides of the 128-row split threshold; all transposes of the pair's shapes).
    fc.assert(fc.property(
      fc.integer({ min: 100, max: 300 }), fc.integer({ min: 100, max: 200 }), fc.integer({ min: 16, max: 200 }), fc.integer({ min: 1, max: 1e6 }),
      (batch, inDim, outDim, seed) => {
        const x = random(batch * inDim, seed), w = random(inDim * outDim, seed + 1), dz = random(batch * outDim, seed + 2);
        const calls = (k: Kernels, dx: Float32Array, dw: Float32Array): void => {
          k.matmul(dz, w, dx, batch, inDim, outDim, false, true, false);
          k.matmul(x, dz, dw, inDim, outDim, batch, true, false, false);
        };
        const eager = [new Float32Array(batch * inDim), new Float32Array(inDim * outDim)] as const;
        calls(kernels(), eager[0], eager[1]);
        const planned = [new Float32Array(batch * inDim), new Float32Array(inDim * outDim)] as const;
        const { entries } = traceStep(() => calls(kernels(), planned[0], planned[1]));
        planned[0].fill(Number.NaN);
        planned[1].fill(Number.NaN);
        for (const f of compileWasmTrace(threaded!.arena, entries)) f();
        const work = [batch * inDim * outDim, inDim * outDim * batch];
        if (work[0]! <= 2 * work[1]! && work[1]! <= 2 * work[0]!) assert.deepEqual(spy.codes, [2], `one K_GEMM_PAIR op, got codes ${spy.codes.join(' ')}`);
        assert.deepEqual(planned[0], eager[0], 'dX');
        assert.deepEqual(planned[1], eager[1], 'dW');
        const reference = new Float32Array(inDim * outDim);
        jsKernels.matmul(x, dz, reference, inDim, outDim, batch, true, false, false);
        assertClose(planned[1], reference, 1e-5, 'dW vs the js reference');
      },
    ), { numRuns: 12 });
  });
});
