/**
 * Keras' weighted_metrics: metrics given the samples' weights, averaged as Σ v·w / Σ w
 * (keras.metrics.Mean), logged under their own name or 'weighted_<name>' when a plain
 * metric has it, and kept by both save formats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dense, InputLayer, SGD, Sequential, Tensor, loadModel, metrics, setSeed } from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import { assertClose, randomTensor } from './helpers.js';

const n = 10;
const x = randomTensor([n, 3], new Rng(1), -1, 1);
// labels 0..2, one-hot
const labels = Array.from({ length: n }, (_, i) => (i * 7) % 3);
const y = new Tensor(Float32Array.from(labels.flatMap((l) => [0, 1, 2].map((c) => (c === l ? 1 : 0)))), [n, 3]);
const w = new Tensor(Float32Array.from([0, 1, 2, 0.5, 3, 1, 0, 4, 1, 2]), [n]);

function model(): Sequential {
  setSeed(3);
  const m = new Sequential([new InputLayer({ shape: [3] }), new Dense(3, { activation: 'softmax' })]);
  m.compile({ optimizer: new SGD(0.1), loss: 'categorical_crossentropy', metrics: ['accuracy'], weightedMetrics: ['accuracy', 'mse'] });
  return m;
}

/** Which samples the model gets right, by hand from its predictions. */
function hits(m: Sequential): number[] {
  const p = (m.predict(x) as Tensor).values;
  return labels.map((l, i) => {
    const row = Array.from(p.subarray(3 * i, 3 * i + 3));
    return row.indexOf(Math.max(...row)) === l ? 1 : 0;
  });
}

test('a weighted metric is Σ v·w / Σ w; the plain one beside it stays unweighted', async () => {
  const m = model();
  const h = hits(m);
  assert.ok(h.some((v) => v === 1) && h.some((v) => v === 0), 'the untrained model should get some samples right and some wrong');
  const logs = (await m.evaluate(x, y, { sampleWeight: w, verbose: 0, batchSize: 4, returnDict: true })) as Record<string, number>;
  assert.deepEqual(Object.keys(logs), ['loss', 'accuracy', 'weighted_accuracy', 'mse']);
  const sw = Array.from(w.values);
  const weighted = h.reduce((s, v, i) => s + v * sw[i]!, 0) / sw.reduce((a, b) => a + b, 0);
  assertClose([logs['weighted_accuracy']!], [weighted], 1e-6, 'weighted accuracy');
  assertClose([logs['accuracy']!], [h.reduce((a, b) => a + b, 0) / n], 1e-6, 'plain accuracy');
  assert.notEqual(logs['weighted_accuracy'], logs['accuracy']);
  // mse per sample, weighted
  const p = (m.predict(x) as Tensor).values;
  const mse = labels.map((_, i) => [0, 1, 2].reduce((s, c) => s + (p[3 * i + c]! - y.values[3 * i + c]!) ** 2, 0) / 3);
  assertClose([logs['mse']!], [mse.reduce((s, v, i) => s + v * sw[i]!, 0) / sw.reduce((a, b) => a + b, 0)], 1e-6, 'weighted mse');
});

test('without sample weights a weighted metric counts every sample once', async () => {
  const m = model();
  const logs = (await m.evaluate(x, y, { verbose: 0, batchSize: 3, returnDict: true })) as Record<string, number>;
  assert.equal(logs['weighted_accuracy'], logs['accuracy']);
});

test('fit logs weighted metrics for training and validation, classWeight included', async () => {
  const m = model();
  const history = await m.fit(x, y, { epochs: 2, batchSize: 5, verbose: 0, classWeight: { 0: 1, 1: 3, 2: 0.5 }, validationData: [x, y, w] });
  for (const key of ['loss', 'accuracy', 'weighted_accuracy', 'mse', 'val_loss', 'val_accuracy', 'val_weighted_accuracy', 'val_mse']) {
    assert.equal(history.history[key]?.length, 2, `history has ${key}`);
    assert.ok(history.history[key]!.every(Number.isFinite), `${key} is finite`);
  }
  // the last epoch's validation pass: the weights are fixed, so it is evaluate() with the same sample weights
  const logs = (await m.evaluate(x, y, { sampleWeight: w, verbose: 0, batchSize: 32, returnDict: true })) as Record<string, number>;
  assertClose([history.history['val_weighted_accuracy']![1]!], [logs['weighted_accuracy']!], 1e-6, 'validation weighted accuracy');
});

test('the built-in metric classes take a sample weight, as update_state(y_true, y_pred, sample_weight)', () => {
  const acc = new metrics.CategoricalAccuracy();
  const t = new Tensor(Float32Array.from([1, 0, 0, 1, 1, 0]), [3, 2]);
  const p = new Tensor(Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.3, 0.7]), [3, 2]); // right, wrong, wrong
  acc.updateState(t, p, new Tensor(Float32Array.from([3, 1, 0]), [3, 1]));
  assert.equal(acc.result(), 0.75);
  acc.updateState(t, p); // unweighted: three more samples, one right
  assert.equal(acc.result(), 4 / 7);
  const rmse = new metrics.RootMeanSquaredError();
  rmse.update(new Tensor(Float32Array.from([0, 0]), [2, 1]), new Tensor(Float32Array.from([1, 3]), [2, 1]), new Tensor(Float32Array.from([1, 0]), [2]));
  assert.equal(rmse.result(), 1);
  assert.throws(() => acc.update(t, p, new Tensor(new Float32Array(2), [2])), /sampleWeight of shape \[2\] for 3 samples/);
});

test('duplicate names count up as Keras does: accuracy, accuracy_1; weighted_accuracy, weighted_accuracy_1', async () => {
  setSeed(3);
  const m = new Sequential([new InputLayer({ shape: [3] }), new Dense(3, { activation: 'softmax' })]);
  m.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['accuracy', 'accuracy'], weightedMetrics: ['accuracy', 'accuracy'] });
  const logs = (await m.evaluate(x, y, { verbose: 0, returnDict: true })) as Record<string, number>;
  assert.deepEqual(Object.keys(logs), ['loss', 'accuracy', 'accuracy_1', 'weighted_accuracy', 'weighted_accuracy_1']);
  assert.throws(() => m.compile({ optimizer: 'sgd', loss: 'mse', weightedMetrics: { nope: 'mse' } }), /weightedMetrics names unknown outputs nope/);
});

for (const file of ['m.keras', 'tfjs']) {
  test(`${file === 'tfjs' ? 'the tfjs format' : '.keras'} keeps weightedMetrics`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepts-weighted-'));
    try {
      const m = model();
      const path = join(dir, file);
      await m.save(path);
      const loaded = (await loadModel(path)) as unknown as Sequential;
      assert.deepEqual(loaded.compileConfig?.weightedMetrics, [['accuracy', 'mse']]);
      const a = (await m.evaluate(x, y, { sampleWeight: w, verbose: 0, returnDict: true })) as Record<string, number>;
      const b = (await loaded.evaluate(x, y, { sampleWeight: w, verbose: 0, returnDict: true })) as Record<string, number>;
      assert.deepEqual(Object.keys(b), Object.keys(a));
      assertClose(Object.values(b), Object.values(a), 1e-6, 'loaded model logs');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
