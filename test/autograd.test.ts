import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/backend/index.js';
import { ops } from '../src/autograd/index.js';
import { unary } from '../src/autograd/ops/elementwise.js';
import { Rng } from '../src/tensor/random.js';
import { Tensor, tensor } from '../src/tensor/tensor.js';
import { UNARY_OPS, type UnaryOp } from '../src/backend/kernels.js';
import { backward, gradients, noGrad } from '../src/autograd/tape.js';
import { checkGradients, randomTensor } from './helpers.js';

const rng = new Rng(42);
const r = (...shape: number[]): Tensor => randomTensor(shape, rng);
const positive = (...shape: number[]): Tensor => randomTensor(shape, rng, 0.5, 2);

/** Inputs away from kinks and outside domains' edges, per op. */
function inputFor(op: UnaryOp): Tensor {
  const t = r(3, 4);
  if (['log', 'sqrt', 'rsqrt', 'reciprocal', 'log1p'].includes(op)) return positive(3, 4);
  // keep clear of the non-differentiable points 0 (relu, abs, ...) and ±3 / 6
  for (let i = 0; i < t.size; i++) if (Math.abs(t.values[i]!) < 0.05) t.values[i] = 0.3;
  return t;
}

const PIECEWISE_CONSTANT = new Set<UnaryOp>(['sign', 'floor', 'ceil', 'round', 'step']);

for (const op of UNARY_OPS) {
  test(`gradient of unary ${op} matches finite differences`, () => {
    if (PIECEWISE_CONSTANT.has(op)) {
      const x = new Tensor(Float32Array.from(inputFor(op).values), [3, 4], true);
      const [g] = gradients(ops.sum(unary(op, x)), [x]);
      assert.ok(g!.values.every((v) => v === 0), `${op} has zero gradient almost everywhere`);
      return;
    }
    const alpha = op === 'leakyRelu' ? 0.2 : op === 'elu' ? 1 : 0;
    checkGradients((x) => unary(op, x, alpha), [inputFor(op)]);
  });
}

test('gradients of broadcasting binary ops', () => {
  checkGradients((a, b) => ops.add(a, b), [r(2, 3, 4), r(3, 1)]);
  checkGradients((a, b) => ops.sub(a, b), [r(4), r(2, 3, 4)]);
  checkGradients((a, b) => ops.mul(a, b), [r(2, 3), r(1, 3)]);
  checkGradients((a, b) => ops.div(a, b), [r(2, 3), positive(2, 1)]);
  checkGradients((a, b) => ops.pow(a, b), [positive(2, 3), r(3)]);
  checkGradients((a, b) => ops.maximum(a, b), [r(3, 4), r(4)]);
  checkGradients((a, b) => ops.minimum(a, b), [r(3, 4), r(3, 1)]);
  checkGradients((a, b) => ops.squaredDifference(a, b), [r(3, 4), r(3, 4)]);
});

test('gradients of reductions', () => {
  checkGradients((a) => ops.sum(a), [r(3, 4)]);
  checkGradients((a) => ops.sum(a, [0, 2], true), [r(2, 3, 4)]);
  checkGradients((a) => ops.mean(a, 1), [r(2, 3, 4)]);
  // well-separated values, so a finite-difference step cannot change which element is the extremum
  const spread = (): Tensor => tensor(Array.from(rng.permutation(15), (v) => v * 0.1 - 0.7), [3, 5]);
  checkGradients((a) => ops.max(a, -1), [spread()]);
  checkGradients((a) => ops.min(a, 0), [spread()]);
});

test('gradients of matmul in every transpose combination', () => {
  checkGradients((a, b) => ops.matmul(a, b), [r(3, 4), r(4, 5)]);
  checkGradients((a, b) => ops.matmul(a, b, true, false), [r(4, 3), r(4, 5)]);
  checkGradients((a, b) => ops.matmul(a, b, false, true), [r(3, 4), r(5, 4)]);
  checkGradients((a, b) => ops.matmul(a, b, true, true), [r(4, 3), r(5, 4)]);
});

test('gradients of the fused dense op for each fusable activation', () => {
  for (const act of ['linear', 'relu', 'sigmoid', 'tanh', 'elu', 'leakyRelu'] as const) {
    const x = r(4, 3);
    for (let i = 0; i < x.size; i++) if (Math.abs(x.values[i]!) < 0.05) x.values[i] = 0.2;
    checkGradients((a, w, b) => ops.dense(a, w, b, act, act === 'leakyRelu' ? 0.2 : act === 'elu' ? 1 : 0), [x, r(3, 5), r(5)]);
  }
});

test('gradients of shape ops', () => {
  checkGradients((a) => ops.reshape(a, [6, 2]), [r(3, 4)]);
  checkGradients((a) => ops.transpose(a, [2, 0, 1]), [r(2, 3, 4)]);
  checkGradients((a) => ops.slice(a, [1, 0, 2], [1, 3, 2]), [r(2, 3, 4)]);
  checkGradients((a) => ops.gather(a, [2, 0, 2], 0), [r(3, 4)]);
  checkGradients((a) => ops.gather(a, [1, 1], 1), [r(3, 4)]);
  checkGradients((a, b) => ops.concat([a, b], 1), [r(2, 3), r(2, 2)]);
  checkGradients((a, b) => ops.stack([a, b], 0), [r(2, 3), r(2, 3)]);
});

test('gradients of softmax and logSoftmax', () => {
  checkGradients((a) => ops.softmax(a), [r(3, 5)]);
  checkGradients((a) => ops.logSoftmax(a), [r(3, 5)]);
  checkGradients((a) => ops.softmax(a, 0), [r(3, 5)]);
});

test('gradients accumulate when a tensor is used twice, and backward fills .grad', () => {
  const x = tensor([1, 2, 3]);
  x.requiresGrad = true;
  const y = ops.sum(ops.add(ops.mul(x, x), x)); // d/dx = 2x + 1
  backward(y);
  assert.deepEqual(Array.from(x.grad!.values), [3, 5, 7]);
});

test('noGrad records nothing and constants get no gradient', () => {
  const x = tensor([1, 2]);
  x.requiresGrad = true;
  const y = noGrad(() => ops.mul(x, 2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.throws(() => gradients(ops.sum(tensor([1])), [x]), /does not depend/);
});

test('softmax is stable for large logits and sums to one', () => {
  const y = ops.softmax(tensor([[1000, 1001, 1002], [-1000, 0, 1000]]));
  for (const v of y.values) assert.ok(Number.isFinite(v));
  assert.ok(Math.abs(y.values[0]! + y.values[1]! + y.values[2]! - 1) < 1e-6);
});

test('shape errors name the shapes', () => {
  assert.throws(() => ops.add(r(2, 3), r(4)), /\[2, 3\] and \[4\] cannot be broadcast/);
  assert.throws(() => ops.matmul(r(2, 3), r(4, 5)), /inner dimensions differ/);
  assert.throws(() => ops.reshape(r(2, 3), [4, 2]), /cannot reshape/);
  assert.throws(() => ops.gather(r(2, 3), [5]), /out of range/);
});

test('fused MSE / MAE losses equal their composed forms, with correct gradients', () => {
  const p = r(6, 7);
  const t = r(6, 7);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  close(ops.meanSquaredError(p, t).item(), ops.mean(ops.squaredDifference(p, t)).item());
  close(ops.meanAbsoluteError(p, t).item(), ops.mean(ops.abs(ops.sub(p, t))).item());
  checkGradients((a, b) => ops.meanSquaredError(a, b), [r(4, 5), r(4, 5)]);
  const away = r(4, 5); // keep |p − t| away from the kink at 0
  const target = new Tensor(Float32Array.from(away.values, (v, i) => v + (i % 2 ? 0.5 : -0.5)), [4, 5]);
  checkGradients((a, b) => ops.meanAbsoluteError(a, b), [away, target]);
  assert.throws(() => ops.meanSquaredError(r(2, 3), r(3, 2)), /differ in shape/);
});

test('fused binary crossentropy equals its composed form (clip, logs, mean), with correct gradients', () => {
  const prob = (seed: number, lo: number, hi: number): Tensor => {
    let s = seed;
    return new Tensor(Float32Array.from({ length: 20 }, () => { s = (s * 16807) % 2147483647; return lo + ((hi - lo) * s) / 2147483647; }), [4, 5]);
  };
  const p = prob(3, 0.05, 0.95), t = prob(5, 0, 1);
  const eps = 1e-7;
  const composed = (a: Tensor, b: Tensor): Tensor => {
    const pc = ops.clip(a, eps, 1 - eps);
    return ops.neg(ops.mean(ops.add(ops.mul(b, ops.log(pc)), ops.mul(ops.sub(1, b), ops.log(ops.sub(1, pc))))));
  };
  assert.ok(Math.abs(ops.meanBinaryCrossentropy(p, t).item() - composed(p, t).item()) < 1e-6);
  checkGradients((a) => ops.meanBinaryCrossentropy(a, t), [p]);
  const tg = new Tensor(Float32Array.from(t.values), t.shape);
  tg.requiresGrad = true;
  assert.throws(() => ops.meanBinaryCrossentropy(p, tg), /targets that need a gradient/);
  // Outside the clip range the gradient is the clip's: zero; NaN propagates.
  const edge = new Tensor(new Float32Array([0, 1, 1.5, -0.5, NaN, 0.5]), [6]);
  edge.requiresGrad = true;
  const loss = ops.meanBinaryCrossentropy(edge, new Tensor(new Float32Array([1, 0, 1, 0, 1, 1]), [6]));
  const [g] = gradients(loss, [edge]);
  assert.deepEqual(Array.from(g!.values.slice(0, 4)), [0, 0, 0, 0]);
  assert.ok(Number.isNaN(g!.values[4]!) && Number.isNaN(loss.item()));
  assert.ok(Math.abs(g!.values[5]! - (0.5 - 1) / (0.25 * 6)) < 1e-6);
});
