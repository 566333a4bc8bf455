/**
 * Differentiable conv / pool ops: output shapes against hand-worked sizes, values
 * against hand-worked examples, and gradients against finite differences for every
 * padding × stride × dilation combination.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import '../src/backend/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { Rng } from '../src/tensor/random.js';
import { ops } from '../src/autograd/index.js';
import { gradients } from '../src/autograd/tape.js';
import { assertClose, checkGradients, randomTensor } from './helpers.js';

const rng = new Rng(11);
const seq = (shape: number[]): Tensor => new Tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 1), shape);

const PADDINGS = ['valid', 'same'] as const;
/** [strides, dilation]: Keras allows striding or dilating, not both. */
const STEPS: [number, number][] = [[1, 1], [2, 1], [1, 2], [3, 1]];

describe('conv2d op', () => {
  it('output shapes for every padding / stride / dilation (worked by hand)', () => {
    // 7×8 input, 3×3 kernel: valid → ⌊(n − k_eff)/s⌋ + 1, same → ⌈n/s⌉, k_eff = 2d + 1.
    const expected: Record<string, [number, number]> = {
      'valid 1 1': [5, 6], 'valid 2 1': [3, 3], 'valid 1 2': [3, 4], 'valid 3 1': [2, 2],
      'same 1 1': [7, 8], 'same 2 1': [4, 4], 'same 1 2': [7, 8], 'same 3 1': [3, 3],
    };
    const x = randomTensor([2, 7, 8, 3], rng);
    const w = randomTensor([3, 3, 3, 4], rng);
    for (const padding of PADDINGS) {
      for (const [s, d] of STEPS) {
        const y = ops.conv2d(x, w, { padding, strides: s, dilationRate: d });
        assert.deepEqual(y.shape, [2, ...expected[`${padding} ${s} ${d}`]!, 4], `${padding} stride ${s} dilation ${d}`);
      }
    }
  });

  it('values: a 2×2 difference kernel on a 3×3 picture', () => {
    const y = ops.conv2d(seq([1, 3, 3, 1]), new Tensor(Float32Array.from([1, 0, 0, -1]), [2, 2, 1, 1]));
    assert.deepEqual([...y.values], [-4, -4, -4, -4]);
  });

  it('gradients match finite differences for every padding / stride / dilation', () => {
    for (const padding of PADDINGS) {
      for (const [s, d] of STEPS) {
        checkGradients((x, w) => ops.conv2d(x, w, { padding, strides: s, dilationRate: d }), [randomTensor([2, 6, 5, 2], rng), randomTensor([3, 2, 2, 3], rng)], { eps: 1e-2, tol: 1e-2 });
      }
    }
  });

  it('rejects bad inputs with clear messages', () => {
    const x = randomTensor([1, 5, 5, 2], rng);
    assert.throws(() => ops.conv2d(x, randomTensor([3, 3, 3, 1], rng)), /input has 2 channels but the kernel/);
    assert.throws(() => ops.conv2d(randomTensor([5, 5, 2], rng), randomTensor([3, 3, 2, 1], rng)), /4-D batch/);
    assert.throws(() => ops.conv2d(x, randomTensor([3, 3, 2, 1], rng), { strides: 2, dilationRate: 2 }), /cannot be combined/);
    assert.throws(() => ops.conv2d(x, randomTensor([3, 3, 2, 1], rng), { padding: 'full' as 'same' }), /padding must be 'valid' or 'same'/);
    assert.throws(() => ops.conv2d(x, randomTensor([6, 6, 2, 1], rng)), /smaller than the 6×6 window/);
  });
});

describe('conv2dTranspose op', () => {
  it('output shapes for every padding / stride / dilation (Keras deconv_output_length)', () => {
    // 4×5 input, 3×3 kernel: valid → n·s + max(k_eff − s, 0), same → n·s.
    const expected: Record<string, [number, number]> = {
      'valid 1 1': [6, 7], 'valid 2 1': [9, 11], 'valid 1 2': [8, 9], 'valid 3 1': [12, 15],
      'same 1 1': [4, 5], 'same 2 1': [8, 10], 'same 1 2': [4, 5], 'same 3 1': [12, 15],
    };
    const x = randomTensor([1, 4, 5, 3], rng);
    const w = randomTensor([3, 3, 2, 3], rng);
    for (const padding of PADDINGS) {
      for (const [s, d] of STEPS) {
        const y = ops.conv2dTranspose(x, w, { padding, strides: s, dilationRate: d });
        assert.deepEqual(y.shape, [1, ...expected[`${padding} ${s} ${d}`]!, 2], `${padding} stride ${s} dilation ${d}`);
      }
    }
  });

  it('values: stride 2 with a 2×2 kernel of ones stamps each input into a 2×2 block', () => {
    const y = ops.conv2dTranspose(seq([1, 2, 2, 1]), new Tensor(new Float32Array(4).fill(1), [2, 2, 1, 1]), { strides: 2 });
    assert.deepEqual(y.shape, [1, 4, 4, 1]);
    assert.deepEqual([...y.values], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('is the adjoint of conv2d: ⟨conv(a, w), b⟩ = ⟨a, convᵀ(b, w)⟩', () => {
    const w = randomTensor([3, 3, 2, 3], rng);
    const a = randomTensor([2, 8, 8, 2], rng);
    const conv = ops.conv2d(a, w, { strides: 2, padding: 'same' });
    const b = randomTensor([...conv.shape], rng);
    const back = ops.conv2dTranspose(b, w, { strides: 2, padding: 'same' });
    assert.deepEqual(back.shape, [2, 8, 8, 2]);
    const lhs = ops.sum(ops.mul(conv, b)).item();
    const rhs = ops.sum(ops.mul(a, back)).item();
    assert.ok(Math.abs(lhs - rhs) < 1e-3 * (1 + Math.abs(lhs)), `${lhs} vs ${rhs}`);
  });

  it('gradients match finite differences for every padding / stride / dilation', () => {
    for (const padding of PADDINGS) {
      for (const [s, d] of STEPS) {
        checkGradients((x, w) => ops.conv2dTranspose(x, w, { padding, strides: s, dilationRate: d }), [randomTensor([2, 3, 4, 2], rng), randomTensor([3, 2, 3, 2], rng)], { eps: 1e-2, tol: 1e-2 });
      }
    }
  });
});

describe('pooling ops', () => {
  it('output shapes: pool 2 (stride 2), pool 3 stride 1 / 2, valid and same (worked by hand)', () => {
    const x = randomTensor([1, 7, 6, 2], rng);
    const cases: [number, number, 'valid' | 'same', [number, number]][] = [
      [2, 2, 'valid', [3, 3]], [2, 2, 'same', [4, 3]], [3, 1, 'valid', [5, 4]], [3, 1, 'same', [7, 6]], [3, 2, 'valid', [3, 2]], [3, 2, 'same', [4, 3]],
    ];
    for (const [p, s, padding, hw] of cases) {
      assert.deepEqual(ops.maxPool2d(x, { poolSize: p, strides: s, padding }).shape, [1, ...hw, 2]);
      assert.deepEqual(ops.avgPool2d(x, { poolSize: p, strides: s, padding }).shape, [1, ...hw, 2]);
    }
  });

  it('values: 2×2 max and average on a 4×4', () => {
    assert.deepEqual([...ops.maxPool2d(seq([1, 4, 4, 1])).values], [6, 8, 14, 16]);
    assert.deepEqual([...ops.avgPool2d(seq([1, 4, 4, 1])).values], [3.5, 5.5, 11.5, 13.5]);
  });

  it('gradients match finite differences (max and average, valid and same, strides 1 and 2)', () => {
    for (const padding of PADDINGS) {
      for (const s of [1, 2]) {
        // Distinct values far apart, so a finite-difference step never changes which tap is the maximum.
        const perm = rng.permutation(2 * 5 * 5 * 2);
        const x = new Tensor(Float32Array.from(perm, (v) => v * 0.1), [2, 5, 5, 2]);
        checkGradients((t) => ops.maxPool2d(t, { poolSize: 3, strides: s, padding }), [x], { eps: 1e-2, tol: 1e-2 });
        checkGradients((t) => ops.avgPool2d(t, { poolSize: 3, strides: s, padding }), [randomTensor([2, 5, 5, 2], rng)], { eps: 1e-2, tol: 1e-2 });
      }
    }
  });
});

describe('depthwiseConv2d and biasActivation ops', () => {
  it('depthwise: each channel with its own filters, channel c·M + m', () => {
    const x = randomTensor([2, 5, 5, 3], rng);
    const w = randomTensor([3, 3, 3, 2], rng);
    const y = ops.depthwiseConv2d(x, w, { padding: 'same' });
    assert.deepEqual(y.shape, [2, 5, 5, 6]);
    // Channel 1, multiplier 1 equals a plain conv of input channel 1 with that filter.
    const xc = ops.slice(x, [0, 0, 0, 1], [2, 5, 5, 1]);
    const wc = ops.slice(w, [0, 0, 1, 1], [3, 3, 1, 1]);
    assertClose(ops.slice(y, [0, 0, 0, 3], [2, 5, 5, 1]).values, ops.conv2d(xc, wc, { padding: 'same' }).values, 1e-5);
  });

  it('depthwise gradients match finite differences (valid / same, stride 2, dilation 2)', () => {
    for (const o of [{ padding: 'valid' as const }, { padding: 'same' as const, strides: 2 }, { padding: 'same' as const, dilationRate: 2 }]) {
      checkGradients((x, w) => ops.depthwiseConv2d(x, w, o), [randomTensor([1, 5, 5, 2], rng), randomTensor([3, 3, 2, 2], rng)], { tol: 1e-2 });
    }
  });

  it('biasActivation: relu(x + b) and its gradients', () => {
    const y = ops.biasActivation(new Tensor(Float32Array.from([1, -2, -3, 4]), [1, 2, 1, 2]), new Tensor(Float32Array.from([1, 1]), [2]), 'relu');
    assert.deepEqual([...y.values], [2, 0, 0, 5]);
    checkGradients((x, b) => ops.biasActivation(x, b, 'tanh'), [randomTensor([2, 3, 3, 4], rng), randomTensor([4], rng)]);
  });

  it('gradient flows to only the tensors that need it', () => {
    const x = randomTensor([1, 4, 4, 1], rng);
    const w = new Tensor(Float32Array.from(randomTensor([2, 2, 1, 1], rng).values), [2, 2, 1, 1], true);
    const [gw] = gradients(ops.sum(ops.conv2d(x, w)), [w]);
    assert.deepEqual(gw!.shape, [2, 2, 1, 1]);
  });
});
