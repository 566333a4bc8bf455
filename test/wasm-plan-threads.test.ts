/**
 * How the threaded WASM build runs a replayed plan's GEMMs (wasm/src/threads.inc): B packed once
 * in column ranges by the threads, then the rows in guided runs of MR-row panels, both threads
 * ending within a panel of each other; the workers spin through a replay (plan_spin, bounded)
 * and sleep in Atomics.wait otherwise. Whatever thread computes which rows, a replay gives the
 * eager kernels' bits (row splits change no sum), with the workers spinning or sleeping. Random
 * shapes (fast-check), on the threaded build with its workers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { kernels } from '../src/backend/registry.js';
import { traceStep } from '../src/tensor/step-trace.js';
import { nodeWasmWorkerFactory } from '../src/backend/wasm-node-workers.js';
import { createWasmBackend } from '../src/backend/wasm/load.js';
import { compileWasmTrace } from '../src/backend/wasm/plan.js';
import { withWasmPlanSpy } from './wasm-plan-spy.js';

const threaded = await createWasmBackend({ threads: 2, workerFactory: nodeWasmWorkerFactory });
const skip = threaded?.describe?.()['threads'] === 2 ? false : `the threaded WASM build did not start here (${String(threaded?.describe?.()['threadsNote'])})`;
test.after(() => threaded?.stopThreads?.());

/** ctrl[] words of wasm/src/threads.inc. */
const GEN = 0, SLEEPERS = 4, SPIN_US = 5;

function random(n: number, seed: number): Float32Array {
  const d = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; d[i] = (s >>> 8) / 2 ** 23 - 1; }
  return d;
}

test('replayed row-split GEMMs (with a bias and activation) give the eager kernels\' bits, the workers spinning or asleep', { skip }, () => {
  withWasmPlanSpy(threaded!, (spy) => {
    const ex = spy.ex as typeof spy.ex & { plan_spin(us: number): void };
    try {
      fc.assert(fc.property(
        // From products the caller keeps (under 0.5 MFLOP, or under 16 rows) to many panels per thread;
        // m not a multiple of the 4- or 6-row panels; B of a few columns (fewer slivers than threads) to several.
        fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 300 }),
        fc.boolean(), fc.boolean(), fc.boolean(), fc.constantFrom(0, 100), fc.integer({ min: 1, max: 1e6 }),
        (m, n, kk, ta, tb, biasAct, spin, seed) => {
          ex.plan_spin(spin);
          const a = random(m * kk, seed), b = random(kk * n, seed + 1), bias = random(n, seed + 2);
          const calls = (c: Float32Array, y: Float32Array): void => {
            kernels().matmul(a, b, c, m, n, kk, ta, tb, false);
            if (biasAct) kernels().biasAct(c, bias, 'relu', 0, y, m, n);
          };
          const eager = [new Float32Array(m * n), new Float32Array(m * n)] as const;
          calls(eager[0], eager[1]);
          const planned = [new Float32Array(m * n), new Float32Array(m * n)] as const;
          const { entries } = traceStep(() => calls(planned[0], planned[1]));
          planned[0].fill(Number.NaN);
          planned[1].fill(Number.NaN);
          for (const f of compileWasmTrace(threaded!.arena, entries)) f();
          assert.deepEqual(spy.codes, [biasAct ? 20 : 1], `plan op codes ${spy.codes.join(' ')}`);
          assert.deepEqual(planned[0], eager[0], 'C');
          if (biasAct) assert.deepEqual(planned[1], eager[1], 'relu(C + bias)');
        },
      ), { numRuns: 40 });
    } finally {
      ex.plan_spin(100);
    }
  });
});

test('a replayed pair of small independent GEMMs goes to the threads while the workers spin, and gives the eager bits', { skip }, () => {
  withWasmPlanSpy(threaded!, (spy) => {
    const ctrl = new Int32Array(threaded!.arena.memory.buffer, (spy.ex as typeof spy.ex & { thread_ctrl(): number }).thread_ctrl(), 16);
    fc.assert(fc.property(
      // A narrow layer's dX and dW (1-4 MFLOP together: on the caller alone without the spin).
      fc.integer({ min: 32, max: 256 }), fc.integer({ min: 16, max: 64 }), fc.integer({ min: 16, max: 64 }), fc.integer({ min: 1, max: 1e6 }),
      (batch, inDim, outDim, seed) => {
        const x = random(batch * inDim, seed), w = random(inDim * outDim, seed + 1), dz = random(batch * outDim, seed + 2);
        const calls = (dx: Float32Array, dw: Float32Array): void => {
          kernels().matmul(dz, w, dx, batch, inDim, outDim, false, true, false);
          kernels().matmul(x, dz, dw, inDim, outDim, batch, true, false, false);
        };
        const eager = [new Float32Array(batch * inDim), new Float32Array(inDim * outDim)] as const;
        calls(eager[0], eager[1]);
        const planned = [new Float32Array(batch * inDim), new Float32Array(inDim * outDim)] as const;
        const { entries } = traceStep(() => calls(planned[0], planned[1]));
        planned[0].fill(Number.NaN);
        planned[1].fill(Number.NaN);
        const actions = compileWasmTrace(threaded!.arena, entries);
        const generation = Atomics.load(ctrl, GEN);
        for (const f of actions) f();
        // One bump wakes the workers for the replay, one posts the pair's job (from 0.5 MFLOP: 4 without the spin).
        const flops = 4 * batch * inDim * outDim;
        if (spy.codes.length === 1 && spy.codes[0] === 2) assert.equal(Atomics.load(ctrl, GEN) - generation, flops >= 5e5 ? 2 : 1, `jobs of a ${flops}-flop pair`);
        assert.deepEqual(planned[0], eager[0], 'dX');
        assert.deepEqual(planned[1], eager[1], 'dW');
      },
    ), { numRuns: 20 });
  });
});

test('the workers spin only while a plan replays: afterwards they sleep in Atomics.wait', { skip }, async () => {
  const ctrl = withWasmPlanSpy(threaded!, (spy) => {
    const words = new Int32Array(threaded!.arena.memory.buffer, (spy.ex as typeof spy.ex & { thread_ctrl(): number }).thread_ctrl(), 16);
    const m = 256, n = 128, kk = 256;
    const a = random(m * kk, 1), b = random(kk * n, 2), c = new Float32Array(m * n);
    const { entries } = traceStep(() => kernels().matmul(a, b, c, m, n, kk, false, false, false));
    const actions = compileWasmTrace(threaded!.arena, entries);
    for (let i = 0; i < 3; i++) for (const f of actions) f();
    return words;
  });
  assert.equal(Atomics.load(ctrl, SPIN_US), 0, 'no spin budget published outside a replay');
  // The one worker goes back to Atomics.wait as soon as it sees the replay ended.
  const until = performance.now() + 2000;
  while (Atomics.load(ctrl, SLEEPERS) !== 1 && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
  assert.equal(Atomics.load(ctrl, SLEEPERS), 1, 'the worker sleeps after the replays');
});
