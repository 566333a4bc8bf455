import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dense, InputLayer, Sequential, Tensor, setSeed } from '../src/index.js';
import { Normalization } from '../src/nn/layers/normalization.js';
import { loadModel, saveModel } from '../src/io/model-io.js';
import { StandardScaler } from '../src/data/preprocessing.js';
import { assertClose } from './helpers.js';

const rows = [[1, 10, -3], [2, 20, -3], [3, 60, -3], [6, 30, -3]];

test('adapt learns per-feature mean and population variance; call standardizes', () => {
  const layer = new Normalization().adapt(rows);
  assertClose(layer.meanWeight!.values, [3, 30, -3], 1e-6, 'mean');
  // Population variance (divide by n), as Keras: feature 0 → ((−2)² + (−1)² + 0² + 3²)/4 = 3.5.
  assertClose(layer.varianceWeight!.values, [3.5, 350, 0], 1e-6, 'variance');
  const out = layer.apply(new Tensor(Float32Array.from(rows.flat()), [4, 3]));
  assert.deepEqual(out.shape, [4, 3]);
  // Feature 0 row 0: (1 − 3)/√3.5; the constant feature: (x − mean)/ε = 0, not NaN.
  assertClose([out.values[0]!, out.values[2]!], [-2 / Math.sqrt(3.5), 0], 1e-6, 'standardized');
  // The same numbers as scikit-learn-style StandardScaler.
  const expected = new StandardScaler().fitTransform(rows).flat();
  assertClose(out.values, expected, 1e-5, 'vs StandardScaler');
  assert.equal(layer.trainableWeights.length, 0, 'the statistics must not be trained');
  assert.equal(layer.weights.length, 3);
  assert.equal(layer.countParams(), 7, 'Keras counts mean, variance and count: 2·3 + 1');
  assert.equal(layer.countWeight!.values[0], 4);
});

test('invert maps standardized values back; fixed mean/variance need no adapt', () => {
  const layer = new Normalization({ mean: [3, 30], variance: [4, 100] });
  const inverse = new Normalization({ mean: [3, 30], variance: [4, 100], invert: true });
  const x = new Tensor(Float32Array.from([5, 10, 1, 50]), [2, 2]);
  const z = layer.apply(x);
  assertClose(z.values, [1, -2, -1, 2], 1e-6, 'z');
  assertClose(inverse.apply(z).values, x.values, 1e-6, 'round trip');
});

test('adapt accepts a tensor; errors name the problem', () => {
  const layer = new Normalization().adapt(new Tensor(Float32Array.from([0, 2, 4, 6]), [2, 2]));
  assertClose(layer.statistics().mean, [2, 4], 1e-6, 'mean');
  assertClose(layer.statistics().std, [2, 2], 1e-6, 'std');
  assert.throws(() => new Normalization().adapt([]), /no rows/);
  assert.throws(() => new Normalization().adapt([[1, NaN]]), /row 0, feature 1 is NaN/);
  assert.throws(() => new Normalization().adapt([[1, 2], [3]]), /row 1 has 1 values/);
  assert.throws(() => layer.adapt([[1, 2, 3]]), /has 2 features, the data has 3/);
  assert.throws(() => new Normalization({ mean: [1] }), /both mean and variance/);
  assert.throws(() => new Normalization({ mean: [1], variance: [-1] }), /variance\[0\]/);
  assert.throws(() => layer.apply(new Tensor(new Float32Array(3), [1, 3])), /last dimension 2/);
});

test('a model with an adapted Normalization layer saves and loads with its statistics', async () => {
  setSeed(3);
  const norm = new Normalization();
  const model = new Sequential([new InputLayer({ shape: [3] }), norm, new Dense(4, { activation: 'relu' }), new Dense(1)]);
  norm.adapt(rows);
  const x = new Tensor(Float32Array.from([2, 25, -3, 7, 70, -3]), [2, 3]);
  const before = model.predict(x).values;
  const dir = mkdtempSync(join(tmpdir(), 'deepts-norm-'));
  try {
    await saveModel(model, join(dir, 'm'));
    const loaded = await loadModel(join(dir, 'm'));
    const restored = loaded.layers[0] as Normalization;
    assert.equal(restored.className, 'Normalization');
    assertClose(restored.meanWeight!.values, [3, 30, -3], 1e-6, 'loaded mean');
    assertClose(loaded.predict(x).values, before, 1e-6, 'predictions after load');
    // A different adaptation gives different predictions: the statistics are really used.
    restored.adapt([[0, 0, 0], [100, 1000, 10]]);
    const changed = loaded.predict(x).values;
    assert.ok(Math.abs(changed[0]! - before[0]!) > 1e-4 || Math.abs(changed[1]! - before[1]!) > 1e-4, 'predictions ignore the statistics');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config round trip keeps fixed statistics and invert', () => {
  const layer = new Normalization({ mean: [1, 2], variance: [9, 16], invert: true, name: 'denorm' });
  const copy = Normalization.fromConfig(JSON.parse(JSON.stringify(layer.getConfig())));
  assert.equal(copy.name, 'denorm');
  assert.equal(copy.invert, true);
  const x = new Tensor(Float32Array.from([1, 1]), [1, 2]);
  assertClose(copy.apply(x).values, [4, 6], 1e-6, 'inverted');
});
