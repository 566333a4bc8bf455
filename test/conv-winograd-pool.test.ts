/**
 * conv2dBiasActPool on convolutions wider than the few-tap kernel takes (the convnet's conv2):
 * the native addon pools in Winograd's output transform (native/conv-winograd.inc) and never
 * writes the conv output, or, where Winograd does not run or a window would straddle two tiles,
 * runs conv2d and biasActPool per task of images (native/host.inc). Checked against the addon's
 * own conv2d then biasActPool bit for bit (values, NaN and the argmax bytes: the same operations
 * on the same tile values) on every instruction set and Winograd mode, against the js reference,
 * and at the op level: values and gradients of ops.conv2dBiasActivationMaxPool equal the
 * separate ops on every backend, finite differences on the native one.
 */
import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import fc from 'fast-check';
import '../src/index.js';
import { Tensor, ops } from '../src/index.js';
import { gradients } from '../src/autograd/tape.js';
import { jsKernels } from '../src/backend/js/kernels.js';
import { findBackend, getBackend, listBackends, setBackend } from '../src/backend/registry.js';
import { conv2dGeometry, type Conv2DGeometry, type Padding } from '../src/backend/conv-geometry.js';
import { nativeIsas, setNativeConvWinograd, setNativeIsa, setNativeThreads, type ConvWinogradMode, type NativeBackend } from '../src/backend/native/load.js';
import type { UnaryOp } from '../src/backend/kernels.js';
import { Rng } from '../src/tensor/random.js';
import { checkGradients, randomTensor } from './helpers.js';

const native = findBackend('native') as NativeBackend | undefined;
const hasSwitch = !!native?.addon.setConvWinograd;

function data(n: number, r: Rng, lo = -2, hi = 2): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r.next());
}

interface Case { g: Conv2DGeometry; pool: number; act: UnaryOp; bias: boolean; poison: number; seed: number }

/** Wider-than-few-tap convolutions: 3×3 stride 1 mostly (Winograd's), some strided or 5×5 ones (never Winograd); pools 1–4 (3: the fallback). */
function wideCase(): fc.Arbitrary<Case> {
  return fc.record({
    batch: fc.integer({ min: 1, max: 4 }), inH: fc.integer({ min: 3, max: 14 }), inW: fc.integer({ min: 3, max: 14 }),
    inC: fc.oneof(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 15, max: 35 })), outC: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 15, max: 40 })),
    padding: fc.constantFrom<Padding>('valid', 'same'), kernel: fc.constantFrom(3, 3, 3, 5), stride: fc.constantFrom(1, 1, 1, 2),
    pool: fc.integer({ min: 1, max: 4 }), act: fc.constantFrom<UnaryOp>('relu', 'linear'), bias: fc.boolean(),
    poison: fc.constantFrom(0, 0, NaN, Infinity), seed: fc.integer({ min: 1, max: 1 << 30 }),
  }).filter((a) => a.padding === 'same' || (a.inH >= a.kernel && a.inW >= a.kernel)).map((a) => ({
    g: conv2dGeometry({ batch: a.batch, inH: a.inH, inW: a.inW, inC: a.inC, outC: a.outC, kernelSize: [a.kernel, a.kernel], strides: [a.stride, a.stride], padding: a.padding }),
    pool: a.pool, act: a.act, bias: a.bias, poison: a.poison, seed: a.seed,
  })).filter((c) => c.g.outH >= c.pool && c.g.outW >= c.pool);
}

/** out, argmax bytes of conv2dBiasActPool and of conv2d → biasActPool, both through `k`. */
function bothWays(k: NativeBackend['kernels'], c: Case): { fused: [Float32Array, Uint8Array]; split: [Float32Array, Uint8Array]; x: Float32Array; w: Float32Array; b: Float32Array | null } {
  const { g, pool, act } = c;
  const r = new Rng(c.seed);
  const x = data(g.batch * g.inH * g.inW * g.inC, r), w = data(g.kH * g.kW * g.inC * g.outC, r, -0.5, 0.5), b = c.bias ? data(g.outC, r, -1, 1) : null;
  if (c.poison !== 0) x[c.seed % x.length] = c.poison;
  const pg = conv2dGeometry({ batch: g.batch, inH: g.outH, inW: g.outW, inC: g.outC, outC: g.outC, kernelSize: [pool, pool], strides: [pool, pool], padding: 'valid' });
  const ny = g.batch * pg.outH * pg.outW * g.outC, na = Math.ceil(ny / 4);
  const fused: [Float32Array, Float32Array] = [new Float32Array(ny).fill(-7), new Float32Array(na).fill(-7)];
  k.conv2dBiasActPool!(act, x, w, b, fused[0], fused[1], g, pool, pool);
  const z = new Float32Array(g.batch * g.outH * g.outW * g.outC);
  k.conv2d!(x, w, z, g);
  const split: [Float32Array, Float32Array] = [new Float32Array(ny), new Float32Array(na)];
  k.biasActPool!(act, z, b, split[0], split[1], pg);
  const bytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, 0, ny);
  return { fused: [fused[0], bytes(fused[1])], split: [split[0], bytes(split[1])], x, w, b };
}

function assertBitEqual(got: Float32Array, want: Float32Array, what: string): void {
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}[${i}]: got ${got[i]}, expected ${want[i]}`);
}

describe('conv2dBiasActPool on wider convolutions (native: pooled in Winograd\'s output transform)', { skip: !native || !hasSwitch }, () => {
  const threadsBefore = native ? Number(native.describe?.().threads ?? 0) : 0;
  after(() => {
    setNativeConvWinograd('auto');
    setNativeIsa(nativeIsas()[0]!);
    if (threadsBefore > 0) setNativeThreads(threadsBefore);
  });

  it('equals the addon\'s conv2d then biasActPool bit for bit (values, NaN, argmax bytes) on every instruction set and Winograd mode', () => {
    // One thread: both ways then run the convolution as one task of all images (with more threads
    // and few images the unfused conv2d takes the serial im2col driver, another summation order).
    setNativeThreads(1);
    for (const isa of nativeIsas()) {
      setNativeIsa(isa);
      for (const mode of ['always', 'auto', 'never'] as ConvWinogradMode[]) {
        setNativeConvWinograd(mode);
        fc.assert(fc.property(wideCase(), (c) => {
          const { fused, split } = bothWays(native!.kernels, c);
          const what = `${isa} ${mode} ${c.act} pool ${c.pool} ${JSON.stringify(c.g)}`;
          assertBitEqual(fused[0], split[0], `${what}: values`);
          assert.deepEqual(fused[1], split[1], `${what}: argmax bytes`);
        }), { numRuns: isa === nativeIsas()[0] ? 40 : 12 });
      }
    }
  });

  it('the convnet\'s conv2 split over the threads: the same bits as conv2d then biasActPool', () => {
    setNativeIsa(nativeIsas()[0]!);
    setNativeConvWinograd('auto');
    if (threadsBefore > 0) setNativeThreads(threadsBefore);
    const g = conv2dGeometry({ batch: 128, inH: 13, inW: 13, inC: 32, outC: 64, kernelSize: [3, 3], padding: 'valid' });
    const { fused, split } = bothWays(native!.kernels, { g, pool: 2, act: 'relu', bias: true, poison: NaN, seed: 5 });
    assertBitEqual(fused[0], split[0], 'values');
    assert.deepEqual(fused[1], split[1], 'argmax bytes');
  });

  it('agrees with the js reference (Winograd\'s rounding; a NaN or Inf makes its tile NaN, as conv2d on Winograd)', () => {
    setNativeConvWinograd('always');
    fc.assert(fc.property(wideCase(), (c) => {
      const clean = { ...c, poison: 0 };
      const { fused, x, w, b } = bothWays(native!.kernels, clean);
      const ny = fused[0].length;
      const want = new Float32Array(ny), am = new Float32Array(Math.ceil(ny / 4));
      jsKernels.conv2dBiasActPool(c.act, x, w, b, want, am, c.g, c.pool, c.pool);
      // |x| ≤ 2, |w| ≤ 0.5: a conv output's terms sum to at most K; Winograd's error stays below 1e-5·√K of that.
      const K = c.g.kH * c.g.kW * c.g.inC;
      for (let i = 0; i < ny; i++) assert.ok(Math.abs(fused[0][i]! - want[i]!) <= 1e-5 * Math.sqrt(K) * K + 1e-6, `${JSON.stringify(c.g)}[${i}]: ${fused[0][i]} vs ${want[i]}`);
    }), { numRuns: 30 });
  });
});

describe('conv2dBiasActivationMaxPool op on wider convolutions', () => {
  it('equals the separate ops in values and in x, kernel and bias gradients, on every backend', () => {
    const before = getBackend().name;
    try {
      for (const { name } of listBackends()) {
        setBackend(name);
        fc.assert(fc.property(
          fc.integer({ min: 1, max: 2 }), fc.integer({ min: 4, max: 9 }), fc.integer({ min: 4, max: 9 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 8 }),
          fc.constantFrom<Padding>('valid', 'same'), fc.integer({ min: 1, max: 3 }), fc.constantFrom<UnaryOp>('relu', 'linear'), fc.boolean(), fc.integer(),
          (n, h, w, c, f, padding, pool, act, withBias, seed) => {
            const out = (d: number): number => (padding === 'same' ? d : d - 2);
            fc.pre(out(h) >= pool && out(w) >= pool);
            const r = new Rng(seed);
            const leaf = (t: Tensor): Tensor => new Tensor(Float32Array.from(t.values), t.shape, true);
            const x = leaf(randomTensor([n, h, w, c], r)), k = leaf(randomTensor([3, 3, c, f], r)), b = withBias ? leaf(randomTensor([f], r)) : null;
            const o = { padding };
            const plain = ops.biasActivationMaxPool(ops.conv2d(x, k, o), b, act, pool);
            const fused = ops.conv2dBiasActivationMaxPool(x, k, b, act, o, pool);
            const what = `${name} ${act} ${[n, h, w, c, f]} ${padding} pool ${pool}`;
            // Small shapes: one task of all images on the native addon both ways, so the same bits.
            assertBitEqual(fused.values, plain.values, `${what}: values`);
            const dy = randomTensor([...fused.shape], r);
            const wrt = b ? [x, k, b] : [x, k];
            const gf = gradients(fused, wrt, dy), gp = gradients(plain, wrt, dy);
            gf.forEach((g, i) => assertBitEqual(g!.values, gp[i]!.values, `${what}: gradient ${i}`));
          },
        ), { numRuns: 15 });
      }
    } finally {
      setBackend(before);
    }
  });

  it('gradients match finite differences on the native backend (or the active one)', () => {
    const rng = new Rng(8);
    const perm = rng.permutation(2 * 8 * 7 * 3);
    const x = new Tensor(Float32Array.from(perm, (v) => (v - 160) * 0.02), [2, 8, 7, 3]);
    checkGradients((t, k, b) => ops.conv2dBiasActivationMaxPool(t, k, b, 'relu', { padding: 'same' }, 2), [x, randomTensor([3, 3, 3, 4], rng, -0.3, 0.3), randomTensor([4], rng, 0.2, 0.4)], { eps: 1e-3, tol: 2e-2 });
  });
});
