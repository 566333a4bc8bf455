/**
 * BatchNormalization with a mask (Keras 3's BatchNormalization._moments(inputs, mask)): in
 * training the batch statistics cover the kept positions only, every position is normalized
 * with them, the moving averages take them, and the mask passes on. The expected values are
 * written here with plain loops, independently of the layer's ops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchNormalization, Embedding, GlobalAveragePooling1D, Tensor, getMask, ops } from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import { assertClose, checkGradients, randomTensor } from './helpers.js';

const EPS = 1e-3;

/** Masked mean and biased variance per feature of x [n, d] rows where keep[row] = 1 (Keras: Σ m x / (Σ m + 1e-7)). */
function maskedMoments(x: ArrayLike<number>, keep: ArrayLike<number>, rows: number, d: number): { mean: number[]; variance: number[] } {
  const mean: number[] = [], variance: number[] = [];
  let count = 0;
  for (let r = 0; r < rows; r++) count += keep[r]!;
  for (let f = 0; f < d; f++) {
    let s = 0;
    for (let r = 0; r < rows; r++) if (keep[r]) s += x[r * d + f]!;
    const m = s / (count + 1e-7);
    let v = 0;
    for (let r = 0; r < rows; r++) if (keep[r]) v += (x[r * d + f]! - m) ** 2;
    mean.push(m);
    variance.push(v / (count + 1e-7));
  }
  return { mean, variance };
}

test('masked training: statistics over the kept steps, every step normalized, moving averages from the masked statistics', () => {
  const rng = new Rng(5);
  const [b, s, d] = [3, 5, 4];
  const x = randomTensor([b, s, d], rng, -3, 3);
  const keep = [1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1];
  const mask = new Tensor(Float32Array.from(keep), [b, s]);
  const layer = new BatchNormalization({ epsilon: EPS });
  layer.build([null, s, d]);
  const y = layer.call(x, { training: true, mask });
  const { mean, variance } = maskedMoments(x.values, keep, b * s, d);
  const expected = Array.from(x.values, (v, i) => (v - mean[i % d]!) / Math.sqrt(variance[i % d]! + EPS));
  assertClose(y.values, expected, 1e-5, 'normalized values');
  assertClose(layer.movingMean!.values, mean.map((m) => 0.01 * m), 1e-6, 'moving mean');
  assertClose(layer.movingVariance!.values, variance.map((v) => 0.99 + 0.01 * v), 1e-6, 'moving variance');
  // unmasked statistics differ: the test would not pass without the mask
  const plain = new BatchNormalization({ epsilon: EPS });
  plain.build([null, s, d]);
  assert.ok(Math.abs(plain.call(x, { training: true }).values[0]! - y.values[0]!) > 1e-3);
});

test('masked training on another axis than the last: counts include the broadcast last axis, as Keras', () => {
  const rng = new Rng(8);
  const [b, s, d] = [2, 3, 4];
  const x = randomTensor([b, s, d], rng, -2, 2);
  const keep = [1, 0, 1, 1, 1, 0];
  const layer = new BatchNormalization({ axis: 1, epsilon: EPS });
  layer.build([null, s, d]);
  const y = layer.call(x, { training: true, mask: new Tensor(Float32Array.from(keep), [b, s]) });
  for (let step = 0; step < s; step++) {
    let sum = 0, n = 0;
    for (let i = 0; i < b; i++) if (keep[i * s + step]) for (let f = 0; f < d; f++) { sum += x.values[(i * s + step) * d + f]!; n++; }
    const m = sum / (n + 1e-7);
    let v = 0;
    for (let i = 0; i < b; i++) if (keep[i * s + step]) for (let f = 0; f < d; f++) v += (x.values[(i * s + step) * d + f]! - m) ** 2;
    v /= n + 1e-7;
    for (let i = 0; i < b; i++) for (let f = 0; f < d; f++) {
      const k = (i * s + step) * d + f;
      assert.ok(Math.abs(y.values[k]! - (x.values[k]! - m) / Math.sqrt(v + EPS)) < 1e-5, `step ${step} row ${i} feature ${f}`);
    }
  }
});

test('a NaN at a masked position stays out of the statistics; inference ignores the mask', () => {
  const x = new Tensor(Float32Array.from([1, 2, 3, NaN, 5, 6]), [1, 3, 2]);
  const mask = new Tensor(Float32Array.from([1, 0, 1]), [1, 3]);
  const layer = new BatchNormalization({ epsilon: EPS });
  layer.build([null, 3, 2]);
  const y = layer.call(x, { training: true, mask });
  assert.ok(Number.isNaN(y.values[3]!), 'the NaN position itself stays NaN');
  for (const i of [0, 1, 4, 5]) assert.ok(Number.isFinite(y.values[i]!), `position ${i} finite`);
  assert.ok(layer.movingMean!.values.every(Number.isFinite));
  const inference = layer.call(x, { training: false, mask });
  const plainInference = layer.call(x, { training: false });
  assert.deepEqual(Array.from(inference.values.slice(0, 2)), Array.from(plainInference.values.slice(0, 2)));
});

test('a mask of the wrong shape is an error naming both shapes', () => {
  const layer = new BatchNormalization();
  layer.build([null, 3, 2]);
  const x = new Tensor(new Float32Array(6), [1, 3, 2]);
  assert.throws(() => layer.call(x, { training: true, mask: new Tensor(new Float32Array(6), [1, 3, 2]) }), /mask must have the input's shape without its last axis, got mask \[1, 3, 2\] for input \[1, 3, 2\]/);
  assert.throws(() => layer.call(x, { training: true, mask: new Tensor(new Float32Array(4), [1, 4]) }), /got mask \[1, 4\]/);
});

test('masked training gradients match finite differences', () => {
  const rng = new Rng(11);
  const x = randomTensor([2, 3, 2], rng, -2, 2);
  const mask = new Tensor(Float32Array.from([1, 1, 0, 1, 0, 1]), [2, 3]);
  const layer = new BatchNormalization({ epsilon: EPS, gammaInitializer: 'randomUniform' });
  layer.build([null, 3, 2]);
  const w = randomTensor([2, 3, 2], rng);
  checkGradients((xx) => ops.sum(ops.mul(layer.call(xx, { training: true, mask }), w)), [x], { tol: 2e-2 });
});

test('in a model: the mask reaches BatchNormalization without a warning and passes on to the pooling', () => {
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (...m: unknown[]) => void warnings.push(m.join(' '));
  try {
    const tokens = new Tensor(Float32Array.from([3, 1, 0, 0, 2, 5, 4, 0]), [2, 4]);
    const embedded = new Embedding(8, 3, { maskZero: true }).apply(tokens) as Tensor;
    const normalized = new BatchNormalization().apply(embedded, { training: true }) as Tensor;
    assert.deepEqual(Array.from(getMask(normalized)!.values), [1, 1, 0, 0, 1, 1, 1, 0]);
    new GlobalAveragePooling1D().apply(normalized);
    assert.deepEqual(warnings, []);
  } finally {
    console.warn = warn;
  }
});
