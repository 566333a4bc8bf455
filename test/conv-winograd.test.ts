/**
 * The native kernels' Winograd path (native/conv-winograd.inc) for 3×3 stride-1 convolutions:
 * forward and input gradient (F(4×4, 3×3)) and filter gradient (F(3×3, 4×4)) against the js reference on every instruction set,
 * over random shapes (channels with vector tails, odd sizes, batch, valid / same padding), with
 * the switch forcing it on (setNativeConvWinograd('always')) so that small shapes take it too;
 * NaN / Inf propagation; finite-difference gradients through conv2d on the native backend.
 *
 * Tolerance: Winograd's transforms scale terms by up to 8 and 1/24 before they are summed, and a
 * whole 4×4 output tile comes from one 6×6 window, so its rounding error is larger than a direct
 * sum's and relative to the tile's values. Results are compared as
 *   |got − want| ≤ 1e-5 · √K · scale + 1e-7,   K = 9 · (input channels of the pass),
 * scale = the largest sum of term magnitudes within ±3 pixels (neighbourhood()), each term taken with
 * its channel pair's largest filter tap (tapMax: the filter's transform mixes all 9); the worst seen
 * over 300 random shapes per instruction set was 2.8e-6 · √K · scale. The filter gradient sums
 * over every pixel: K = batch · outH · outW, scale = the largest sum of term magnitudes over the 9
 * taps of the entry's channel pair (one inverse transform makes them all).
 */
import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import fc from 'fast-check';
import '../src/index.js';
import { jsKernels } from '../src/backend/js/kernels.js';
import { findBackend, getBackend, setBackend } from '../src/backend/registry.js';
import { conv2dGeometry, type Conv2DGeometry, type Padding } from '../src/backend/conv-geometry.js';
import { nativeIsas, setNativeConvWinograd, setNativeIsa, type NativeBackend } from '../src/backend/native/load.js';
import { Rng } from '../src/tensor/random.js';
import { ops } from '../src/autograd/index.js';
import { checkGradients, randomTensor } from './helpers.js';

/** Measured worst |got − want| / (√K · scale): 2.8e-6 over 300 random shapes per instruction set. */
const REL = 1e-5;
const native = findBackend('native') as NativeBackend | undefined;
const hasSwitch = !!native?.addon.setConvWinograd;

function data(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    d[i] = lo + (hi - lo) * (s / 4294967296);
  }
  return d;
}

/**
 * The magnitude an output's error scales with: the largest term-magnitude sum within ±3 pixels
 * (same image and channel), since Winograd computes a whole 4×4 tile from one 6×6 window and
 * an output's rounding error reflects its tile's values, not only its own 3×3 window's.
 */
function neighbourhood(mag: Float32Array, batch: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(mag.length);
  for (let n = 0; n < batch; n++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let ch = 0; ch < c; ch++) {
          let m = 0;
          for (let a = Math.max(0, i - 3); a <= Math.min(h - 1, i + 3); a++)
            for (let b = Math.max(0, j - 3); b <= Math.min(w - 1, j + 3); b++) m = Math.max(m, mag[((n * h + a) * w + b) * c + ch]!);
          out[((n * h + i) * w + j) * c + ch] = m;
        }
  return out;
}

/** |got − want| ≤ REL · √K · scale + 1e-7 elementwise (scale: neighbourhood()), NaN matched to NaN. */
function compare(got: Float32Array, want: Float32Array, scale: Float32Array, K: number, what: string): void {
  const rel = REL * Math.sqrt(K);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(w)) { assert.ok(Number.isNaN(g), `${what}[${i}]: got ${g}, reference NaN`); continue; }
    const tol = rel * Math.max(scale[i]!, Math.abs(w)) + 1e-7;
    if (!(Math.abs(g - w) <= tol)) assert.fail(`${what}[${i}]: got ${g}, reference ${w} (|diff| ${Math.abs(g - w).toExponential(2)} > ${tol.toExponential(2)})`);
  }
}

/** 3×3 stride-1 geometries: channels small and past a 16-lane vector with tails, odd sizes, batch, both paddings. */
function winogradGeometry(): fc.Arbitrary<Conv2DGeometry> {
  return fc.record({
    batch: fc.integer({ min: 1, max: 3 }), inH: fc.integer({ min: 1, max: 14 }), inW: fc.integer({ min: 1, max: 14 }),
    inC: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 15, max: 37 })), outC: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 15, max: 70 })),
    padding: fc.constantFrom<Padding>('valid', 'same'),
  }).filter((a) => a.padding === 'same' || (a.inH >= 3 && a.inW >= 3))
    .map((a) => conv2dGeometry({ batch: a.batch, inH: a.inH, inW: a.inW, inC: a.inC, outC: a.outC, kernelSize: [3, 3], padding: a.padding }));
}

/**
 * |a| (filter-shaped: 9 taps × `pair` channel pairs) with each pair's 9 taps replaced by the largest of them. The input gradient's
 * Winograd form multiplies dY tiles by the filter's transform, which mixes all 9 taps of a pair,
 * and the taps that fall in the padding cancel only in exact arithmetic: an input pixel's error
 * scales with every tap's magnitude, not with the taps that reach it (fast-check found a 1×1 input,
 * padding 'same', whose one in-image tap was 1e-4 of the others: error 2.7e-7, 2.6× the bound
 * computed from |w| itself).
 */
function tapMax(a: Float32Array, pair: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let p = 0; p < pair; p++) {
    let m = 0;
    for (let t = 0; t < 9; t++) m = Math.max(m, Math.abs(a[t * pair + p]!));
    for (let t = 0; t < 9; t++) out[t * pair + p] = m;
  }
  return out;
}

function checkForward(g: Conv2DGeometry, seed: number): void {
  const k = native!.kernels;
  const x = data(g.batch * g.inH * g.inW * g.inC, seed, -3, 3), w = data(9 * g.inC * g.outC, seed + 1);
  const n = g.batch * g.outH * g.outW * g.outC;
  const [got, want, mag] = [new Float32Array(n).fill(NaN), new Float32Array(n), new Float32Array(n)];
  k.conv2d!(x, w, got, g);
  jsKernels.conv2d(x, w, want, g);
  jsKernels.conv2d(x.map(Math.abs), tapMax(w, g.inC * g.outC), mag, g); // as the input gradient (tapMax)
  compare(got, want, neighbourhood(mag, g.batch, g.outH, g.outW, g.outC), 9 * g.inC, `conv2d ${JSON.stringify(g)}`);
}

function checkInputGradient(g: Conv2DGeometry, seed: number): void {
  const k = native!.kernels;
  const dy = data(g.batch * g.outH * g.outW * g.outC, seed, -3, 3), w = data(9 * g.inC * g.outC, seed + 1);
  const n = g.batch * g.inH * g.inW * g.inC;
  const [got, want, mag] = [new Float32Array(n).fill(NaN), new Float32Array(n), new Float32Array(n)];
  k.conv2dBackpropInput!(dy, w, got, g);
  jsKernels.conv2dBackpropInput(dy, w, want, g);
  jsKernels.conv2dBackpropInput(dy.map(Math.abs), tapMax(w, g.inC * g.outC), mag, g);
  compare(got, want, neighbourhood(mag, g.batch, g.inH, g.inW, g.inC), 9 * g.outC, `conv2dBackpropInput ${JSON.stringify(g)}`);
}

/** The filter gradient sums over every pixel: K = batch · outH · outW. */
function checkFilterGradient(g: Conv2DGeometry, seed: number): void {
  const k = native!.kernels;
  const x = data(g.batch * g.inH * g.inW * g.inC, seed, -3, 3), dy = data(g.batch * g.outH * g.outW * g.outC, seed + 1);
  const n = 9 * g.inC * g.outC;
  const [got, want, mag] = [new Float32Array(n).fill(NaN), new Float32Array(n), new Float32Array(n)];
  k.conv2dBackpropFilter!(x, dy, got, g);
  jsKernels.conv2dBackpropFilter(x, dy, want, g);
  jsKernels.conv2dBackpropFilter(x.map(Math.abs), dy.map(Math.abs), mag, g);
  // One inverse transform makes all 9 taps of a channel pair: each one's error scales with the largest.
  compare(got, want, tapMax(mag, g.inC * g.outC), g.batch * g.outH * g.outW, `conv2dBackpropFilter ${JSON.stringify(g)}`);
}

/** Shapes large enough for the thread pool's image tasks and several blocks of tiles per task. */
const LARGE: readonly Conv2DGeometry[] = [
  conv2dGeometry({ batch: 20, inH: 13, inW: 13, inC: 32, outC: 64, kernelSize: [3, 3] }),  // the convnet's conv2
  conv2dGeometry({ batch: 9, inH: 17, inW: 15, inC: 19, outC: 35, kernelSize: [3, 3], padding: 'same' }),
  conv2dGeometry({ batch: 3, inH: 30, inW: 29, inC: 64, outC: 3, kernelSize: [3, 3], padding: 'same' }),
];

describe('native Winograd 3×3 convolutions', { skip: hasSwitch ? false : 'the native addon with setConvWinograd is not built' }, () => {
  after(() => { setNativeConvWinograd('auto'); setNativeIsa(nativeIsas()[0]!); });
  const isas = hasSwitch ? nativeIsas() : [];
  if (hasSwitch && !isas.includes('avx512') && setNativeIsa('avx512-emulated')) isas.push('avx512-emulated');

  for (const isa of isas) {
    it(`[${isa}] forward, input and filter gradients match the reference on random shapes (forced on)`, () => {
      assert.ok(setNativeIsa(isa));
      setNativeConvWinograd('always');
      fc.assert(fc.property(winogradGeometry(), fc.integer(), (g, seed) => { checkForward(g, seed); checkInputGradient(g, seed); checkFilterGradient(g, seed); }), { numRuns: 40 });
      LARGE.forEach((g, i) => { checkForward(g, i); checkInputGradient(g, i); checkFilterGradient(g, i); });
      // fast-check's counterexample for the input gradient's error scale (see tapMax), kept.
      checkInputGradient(conv2dGeometry({ batch: 1, inH: 1, inW: 1, inC: 31, outC: 1, kernelSize: [3, 3], padding: 'same' }), -445877092);
    });
  }

  it('auto, never and always agree within the tolerance on the convnet shape', () => {
    setNativeIsa(nativeIsas()[0]!);
    for (const mode of ['auto', 'never', 'always'] as const) {
      setNativeConvWinograd(mode);
      checkForward(LARGE[0]!, 5);
      checkInputGradient(LARGE[0]!, 5);
      checkFilterGradient(LARGE[0]!, 5);
    }
  });

  it('forced on, it is really another computation than the implicit GEMM (results differ in rounding)', () => {
    setNativeIsa(nativeIsas()[0]!);
    const g = LARGE[0]!, k = native!.kernels;
    const x = data(g.batch * g.inH * g.inW * g.inC, 3, -3, 3), w = data(9 * g.inC * g.outC, 4);
    const n = g.batch * g.outH * g.outW * g.outC;
    const [a, b] = [new Float32Array(n), new Float32Array(n)];
    setNativeConvWinograd('never');
    k.conv2d!(x, w, a, g);
    setNativeConvWinograd('always');
    k.conv2d!(x, w, b, g);
    let differ = 0;
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) differ++;
    assert.ok(differ > n / 10, `only ${differ} of ${n} outputs differ: is the switch wired?`);
  });

  it('NaN and Inf propagate: every output whose window holds one is non-finite', () => {
    setNativeIsa(nativeIsas()[0]!);
    setNativeConvWinograd('always');
    const g = conv2dGeometry({ batch: 2, inH: 9, inW: 10, inC: 17, outC: 20, kernelSize: [3, 3], padding: 'same' }), k = native!.kernels;
    for (const bad of [NaN, Infinity, -Infinity]) {
      const x = data(g.batch * g.inH * g.inW * g.inC, 9), w = data(9 * g.inC * g.outC, 10);
      x[(1 * g.inH * g.inW + 4 * g.inW + 0) * g.inC + 3] = bad;  // image 1, row 4, column 0 (a border tile)
      const n = g.batch * g.outH * g.outW * g.outC;
      const [got, want] = [new Float32Array(n), new Float32Array(n)];
      k.conv2d!(x, w, got, g);
      jsKernels.conv2d(x, w, want, g);
      let nonFinite = 0;
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(want[i]!)) { nonFinite++; assert.ok(!Number.isFinite(got[i]!), `${bad}: output ${i} is ${got[i]}, reference ${want[i]}`); }
      }
      assert.ok(nonFinite >= 6 * g.outC, `${bad}: the reference has ${nonFinite} non-finite outputs`);
      // The input gradient: a non-finite dY reaches dX.
      const dy = data(n, 11);
      dy[5 * g.outC + 2] = bad;
      const [dxGot, dxWant] = [new Float32Array(x.length), new Float32Array(x.length)];
      k.conv2dBackpropInput!(dy, w, dxGot, g);
      jsKernels.conv2dBackpropInput(dy, w, dxWant, g);
      for (let i = 0; i < x.length; i++) if (!Number.isFinite(dxWant[i]!)) assert.ok(!Number.isFinite(dxGot[i]!), `${bad}: dx ${i} is ${dxGot[i]}`);
      // The filter gradient: the non-finite x reaches every filter entry it is a term of.
      const [dwGot, dwWant] = [new Float32Array(w.length), new Float32Array(w.length)];
      k.conv2dBackpropFilter!(x, data(n, 12), dwGot, g);
      jsKernels.conv2dBackpropFilter(x, data(n, 12), dwWant, g);
      let dwBad = 0;
      for (let i = 0; i < w.length; i++) if (!Number.isFinite(dwWant[i]!)) { dwBad++; assert.ok(!Number.isFinite(dwGot[i]!), `${bad}: dw ${i} is ${dwGot[i]}`); }
      assert.ok(dwBad >= g.outC, `${bad}: the reference has ${dwBad} non-finite filter entries`);
    }
  });

  it('finite-difference gradients through conv2d on the native backend (valid and same)', () => {
    const before = getBackend().name;
    setNativeIsa(nativeIsas()[0]!);
    setNativeConvWinograd('always');
    setBackend('native');
    try {
      const rng = new Rng(17);
      for (const padding of ['valid', 'same'] as const) {
        checkGradients((x, w) => ops.conv2d(x, w, { padding }), [randomTensor([2, 7, 6, 5], rng), randomTensor([3, 3, 5, 4], rng)], { eps: 1e-2, tol: 1e-2 });
      }
    } finally {
      setBackend(before);
    }
  });

  it('rejects an unknown mode with a clear error', () => {
    assert.throws(() => native!.addon.setConvWinograd!('sometimes' as 'auto'), /mode must be 'auto', 'never' or 'always'/);
  });
});
