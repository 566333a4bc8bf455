/**
 * The reference conv / pool kernels against hand-worked examples and against
 * their definitions as adjoints (⟨conv(x), dy⟩ = ⟨x, conv_x*(dy)⟩ = ⟨w, conv_w*(dy)⟩),
 * and TF's output-size / SAME-padding rules.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { conv2dGeometry, convOutputSize } from '../src/backend/conv-geometry.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, pool2d, pool2dBackward } from '../src/backend/js/conv.js';

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
const seq = (n: number, f = (i: number) => i + 1): Float32Array => Float32Array.from({ length: n }, (_, i) => f(i));

describe('conv geometry (TensorFlow rules)', () => {
  it('VALID and SAME output sizes and padding', () => {
    assert.deepEqual(convOutputSize(28, 3, 1, 1, 'valid'), { out: 26, padBefore: 0 });
    assert.deepEqual(convOutputSize(28, 3, 1, 1, 'same'), { out: 28, padBefore: 1 });
    assert.deepEqual(convOutputSize(5, 2, 2, 1, 'same'), { out: 3, padBefore: 0 }); // pad 1, at the end
    assert.deepEqual(convOutputSize(6, 3, 2, 1, 'same'), { out: 3, padBefore: 0 }); // pad 1, at the end
    assert.deepEqual(convOutputSize(7, 3, 1, 2, 'same'), { out: 7, padBefore: 2 }); // effective 5×5
    assert.deepEqual(convOutputSize(7, 3, 1, 2, 'valid'), { out: 3, padBefore: 0 });
    assert.deepEqual(convOutputSize(26, 2, 2, 1, 'valid'), { out: 13, padBefore: 0 });
  });
  it('rejects a window larger than a VALID input and bad strides', () => {
    assert.throws(() => conv2dGeometry({ batch: 1, inH: 2, inW: 2, inC: 1, outC: 1, kernelSize: [3, 3] }), /smaller than the 3×3 window/);
    assert.throws(() => conv2dGeometry({ batch: 1, inH: 4, inW: 4, inC: 1, outC: 1, kernelSize: [3, 3], strides: [0, 1] }), /stride must be a positive integer/);
  });
});

describe('reference conv2d', () => {
  it('a 3×3 input with a 2×2 kernel, VALID (worked by hand)', () => {
    const g = conv2dGeometry({ batch: 1, inH: 3, inW: 3, inC: 1, outC: 1, kernelSize: [2, 2] });
    const out = new Float32Array(4);
    conv2d(seq(9), Float32Array.from([1, 0, 0, -1]), out, g);
    // out[i,j] = x[i,j] − x[i+1,j+1] = −4 everywhere
    assert.deepEqual([...out], [-4, -4, -4, -4]);
  });
  it('SAME padding with stride 2 and two channels in, one out (worked by hand)', () => {
    const g = conv2dGeometry({ batch: 1, inH: 3, inW: 3, inC: 2, outC: 1, kernelSize: [3, 3], strides: [2, 2], padding: 'same' });
    assert.equal(g.outH, 2); assert.equal(g.padTop, 1);
    const x = seq(18, (i) => (i % 2 === 0 ? 1 : 10)); // channel 0 all 1, channel 1 all 10
    const w = seq(18, () => 1); // sums every in-bounds tap of both channels
    const out = new Float32Array(4);
    conv2d(x, w, out, g);
    // (0,0) sees the 2×2 top-left block, (0,1) the 2×2 top-right... each tap is 11.
    assert.deepEqual([...out], [44, 44, 44, 44]);
  });
  it('dilation skips input pixels', () => {
    const g = conv2dGeometry({ batch: 1, inH: 1, inW: 5, inC: 1, outC: 1, kernelSize: [1, 2], dilationRate: [1, 3] });
    const out = new Float32Array(g.outW);
    conv2d(seq(5), Float32Array.from([1, 1]), out, g);
    assert.deepEqual([...out], [1 + 4, 2 + 5]);
  });
  it('both backward kernels are the adjoints of conv2d', () => {
    fc.assert(fc.property(
      fc.record({ inH: fc.integer({ min: 3, max: 7 }), inW: fc.integer({ min: 3, max: 7 }), inC: fc.integer({ min: 1, max: 3 }), outC: fc.integer({ min: 1, max: 3 }),
        s: fc.integer({ min: 1, max: 2 }), d: fc.integer({ min: 1, max: 2 }), same: fc.boolean() }),
      (a) => {
        const g = conv2dGeometry({ batch: 2, inH: a.inH, inW: a.inW, inC: a.inC, outC: a.outC, kernelSize: [2, 2], strides: [a.s, a.s], dilationRate: [a.d, a.d], padding: a.same ? 'same' : 'valid' });
        const x = seq(2 * a.inH * a.inW * a.inC, (i) => Math.sin(i)), w = seq(4 * a.inC * a.outC, (i) => Math.cos(i));
        const y = new Float32Array(2 * g.outH * g.outW * a.outC);
        conv2d(x, w, y, g);
        const dy = seq(y.length, (i) => Math.sin(3 * i + 1));
        const dx = new Float32Array(x.length), dw = new Float32Array(w.length);
        conv2dBackpropInput(dy, w, dx, g);
        conv2dBackpropFilter(x, dy, dw, g);
        const lhs = dot(y, dy);
        assert.ok(Math.abs(lhs - dot(x, dx)) < 1e-3 * (1 + Math.abs(lhs)), `⟨conv x, dy⟩ ${lhs} vs ⟨x, dx⟩ ${dot(x, dx)}`);
        assert.ok(Math.abs(lhs - dot(w, dw)) < 1e-3 * (1 + Math.abs(lhs)), `⟨conv x, dy⟩ ${lhs} vs ⟨w, dw⟩ ${dot(w, dw)}`);
      }), { numRuns: 60 });
  });
});

describe('reference pooling', () => {
  it('max and average 2×2 / 2 on a 4×4 (worked by hand)', () => {
    const g = conv2dGeometry({ batch: 1, inH: 4, inW: 4, inC: 1, outC: 1, kernelSize: [2, 2], strides: [2, 2] });
    const x = seq(16), out = new Float32Array(4);
    pool2d('max', x, out, g);
    assert.deepEqual([...out], [6, 8, 14, 16]);
    pool2d('avg', x, out, g);
    assert.deepEqual([...out], [3.5, 5.5, 11.5, 13.5]);
  });
  it('SAME average pooling divides by the in-bounds taps only (as TF)', () => {
    const g = conv2dGeometry({ batch: 1, inH: 3, inW: 3, inC: 1, outC: 1, kernelSize: [2, 2], strides: [2, 2], padding: 'same' });
    const out = new Float32Array(4);
    pool2d('avg', seq(9), out, g);
    assert.deepEqual([...out], [(1 + 2 + 4 + 5) / 4, (3 + 6) / 2, (7 + 8) / 2, 9]);
  });
  it('max pooling propagates NaN and routes the gradient to the first maximum', () => {
    const g = conv2dGeometry({ batch: 1, inH: 2, inW: 2, inC: 1, outC: 1, kernelSize: [2, 2], strides: [2, 2] });
    const out = new Float32Array(1);
    pool2d('max', Float32Array.from([1, NaN, 3, 2]), out, g);
    assert.ok(Number.isNaN(out[0]!));
    const x = Float32Array.from([5, 1, 5, 2]), y = new Float32Array(1), dx = new Float32Array(4);
    pool2d('max', x, y, g);
    pool2dBackward('max', x, y, Float32Array.from([7]), dx, g);
    assert.deepEqual([...dx], [7, 0, 0, 0]);
    pool2dBackward('avg', x, Float32Array.from([3.25]), Float32Array.from([8]), dx, g);
    assert.deepEqual([...dx], [2, 2, 2, 2]);
  });
});
