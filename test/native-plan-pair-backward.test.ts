/**
 * A Dense layer's backward GEMM pair (dX = dZ·Wᵀ | dW = Xᵀ·dZ, native/plan-fusion.inc pairGemms) takes
 * the previous layer's biasActBackward of dX into the thread that computed dX (fusePairBackward), with
 * the zero fill of the bias gradient moved ahead of the pair. The fused replay must give exactly what
 * the separate kernels give (the epilogue is the one-thread op's call), and the fusion must not happen
 * where it would change results: an epilogue large enough to be split over the threads as an op, or
 * one writing what the other GEMM reads. Skipped when the addon is not built here.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadNativeBackend, setNativeThreads, type NativeAddon } from '../src/backend/native/load.js';

const backend = loadNativeBackend();
const addon = backend?.addon as (NativeAddon & { planProfile?: (p: unknown) => { name: string }[] }) | undefined;
const skip = addon?.beginPlan && addon.planProfile ? false : 'native addon with plans not built';

function random(n: number, seed: number): Float32Array {
  const d = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; d[i] = -1 + ((s >>> 8) / 2 ** 24) * 2; }
  return d;
}

interface Layer { batch: number; inC: number; outC: number; x: Float32Array; w: Float32Array; dZ: Float32Array; dX: Float32Array; dW: Float32Array; dz: Float32Array; dbias: Float32Array }

function layer(batch: number, inC: number, outC: number, seed: number): Layer {
  // x holds the previous layer's activations (relu/sigmoid outputs are what biasActBackward reads as y).
  const x = random(batch * inC, seed).map((v) => Math.abs(v));
  return {
    batch, inC, outC, x, w: random(inC * outC, seed + 1), dZ: random(batch * outC, seed + 2),
    dX: new Float32Array(batch * inC), dW: new Float32Array(inC * outC), dz: new Float32Array(batch * inC), dbias: new Float32Array(inC).fill(7),
  };
}

/** The layer's backward as the autograd records it: dX, dW, the bias gradient's zero fill, the previous layer's biasActBackward. */
function backward(a: NativeAddon, l: Layer, act: number, dz = l.dz): void {
  a.matmul(l.dZ, l.w, l.dX, l.batch, l.inC, l.outC, false, true, false);
  a.matmul(l.x, l.dZ, l.dW, l.inC, l.outC, l.batch, true, false, false);
  a.fill!(l.dbias, 0);
  a.biasActBackward(l.x, l.dX, act, 0, dz, l.dbias, l.batch, l.inC);
}

function copy(l: Layer): Layer {
  return { ...l, dX: l.dX.slice(), dW: l.dW.slice(), dz: l.dz.slice(), dbias: l.dbias.slice() };
}

function planned(a: NonNullable<typeof addon>, l: Layer, act: number, dz?: (l: Layer) => Float32Array): string[] {
  a.beginPlan!();
  backward(a, l, act, dz?.(l));
  const plan = a.endPlan!();
  a.runPlan!(plan);
  return a.planProfile!(plan).map((it) => it.name);
}

describe('native plan: a backward GEMM pair with the previous layer\'s biasActBackward', { skip }, () => {
  const a = addon!;
  after(() => setNativeThreads(0));

  it('runs it on dX\'s thread, exactly as the separate kernels, where the op would run on one thread', () => {
    const acts = ['relu', 'sigmoid', 'tanh', 'linear'].filter((n) => a.unaryOps.includes(n));
    setNativeThreads(2);
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 200 }), fc.constantFrom(...acts), fc.integer({ min: 1, max: 1e6 }),
      (batch, inC, outC, act, seed) => {
        const code = a.unaryOps.indexOf(act);
        const eager = layer(batch, inC, outC, seed);
        const plan = copy(eager);
        backward(a, eager, code);
        const ops = planned(a, plan, code);
        const pair = `matmul pair ${batch}x${inC}x${outC} Bt | ${inC}x${outC}x${batch} At`;
        if (batch * inC < 65536) assert.deepEqual(ops, ['fill', `${pair} +biasActBackward ${act}`]);
        else assert.deepEqual(ops, [pair, 'fill', `biasActBackward ${act}`]);
        for (const k of ['dX', 'dW', 'dz', 'dbias'] as const) assert.deepEqual(plan[k], eager[k], k);
      },
    ), { numRuns: 40 });
  });

  it('stays a separate op when it writes what the concurrent dW reads', () => {
    setNativeThreads(2);
    const code = a.unaryOps.indexOf('relu');
    const l = layer(64, 32, 16, 3);
    // dz in place over y = x, which dW reads while the epilogue would run: it must run after the pair.
    const eager = { ...copy(l), x: l.x.slice() };
    backward(a, eager, code, eager.x);
    const plan = { ...copy(l), x: l.x.slice() };
    const ops = planned(a, plan, code, (p) => p.x);
    assert.deepEqual(ops, ['matmul pair 64x32x16 Bt | 32x16x64 At', 'fill', 'biasActBackward relu']);
    assert.deepEqual(plan.dW, eager.dW);
    assert.deepEqual(plan.x, eager.x);
    assert.deepEqual(plan.dbias, eager.dbias);
  });

  it('is not fused on one thread (no pairs there)', () => {
    setNativeThreads(1);
    const code = a.unaryOps.indexOf('relu');
    const ops = planned(a, layer(32, 16, 8, 5), code);
    assert.ok(!ops.some((n) => n.includes('+biasActBackward')), ops.join(', '));
  });
});
