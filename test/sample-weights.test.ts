/**
 * Keras' sample_weight, class_weight and output masks in the compiled loss: the weighted loss
 * is Σ values·w / (number of values) (Keras 3's reduce_weighted_values), a mask restricts the
 * mean to the kept steps, and fit / evaluate / trainOnBatch / datasets of [x, y, w] all take them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dataset, Dense, InputLayer, Masking, SGD, Sequential, Tensor, losses, ops, setSeed } from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import { classWeightToSampleWeights } from '../src/train/sample-weights.js';
import { assertClose, randomTensor } from './helpers.js';

const n = 8;
const x = randomTensor([n, 3], new Rng(1), -1, 1);
const y = randomTensor([n, 2], new Rng(2), -1, 1);
const w = new Tensor(Float32Array.from([0, 1, 2, 0.5, 3, 1, 0, 4]), [n]);

function model(lr = 0.1, jitCompile: boolean | 'auto' = 'auto'): Sequential {
  setSeed(5);
  const m = new Sequential([new InputLayer({ shape: [3] }), new Dense(4, { activation: 'tanh' }), new Dense(2)]);
  m.compile({ optimizer: new SGD(lr), loss: 'mse', jitCompile });
  return m;
}

const weightsOf = (m: Sequential): number[] => m.weights.flatMap((v) => Array.from(v.values));

/** Per-sample MSE of the model's predictions, by hand. */
function perSampleMse(m: Sequential): number[] {
  const p = (m.predict(x) as Tensor).values;
  return Array.from({ length: n }, (_, i) => ((p[2 * i]! - y.values[2 * i]!) ** 2 + (p[2 * i + 1]! - y.values[2 * i + 1]!) ** 2) / 2);
}

test('evaluate with sampleWeight is Σ loss·w / n, as Keras 3 (not divided by Σw)', async () => {
  const m = model();
  const v = perSampleMse(m);
  const expected = v.reduce((s, vi, i) => s + vi * w.values[i]!, 0) / n;
  const got = (await m.evaluate(x, y, { sampleWeight: w, verbose: 0, batchSize: n })) as number;
  assertClose([got], [expected], 1e-6, 'weighted loss');
  // batches of 3: Keras averages the batch losses weighted by batch size
  const batched = (await m.evaluate(x, y, { sampleWeight: Array.from(w.values), verbose: 0, batchSize: 3 })) as number;
  const batches = [[0, 3], [3, 6], [6, 8]].map(([a, b]) => ({ size: b! - a!, loss: v.slice(a, b).reduce((s, vi, j) => s + vi * w.values[a! + j]!, 0) / (b! - a!) }));
  assertClose([batched], [batches.reduce((s, b) => s + b.loss * b.size, 0) / n], 1e-6, 'batched weighted loss');
  assert.notEqual(got, (await m.evaluate(x, y, { verbose: 0, batchSize: n })) as number);
});

test('training with weights: all 2s is the same step as twice the learning rate; zeros drop samples out', async () => {
  const twos = model(0.05);
  await twos.fit(x, y, { sampleWeight: new Tensor(new Float32Array(n).fill(2), [n]), epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
  const doubled = model(0.1);
  await doubled.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
  assertClose(weightsOf(twos), weightsOf(doubled), 1e-6, 'weights 2 = lr × 2');

  // weight 0 on the second half: the step of the first half alone, at half the rate (divisor n, not n/2)
  const half = model(0.1);
  await half.fit(x, y, { sampleWeight: Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : 0)), epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
  const firstHalf = model(0.05);
  const rows = (t: Tensor): Tensor => new Tensor(t.values.slice(0, (t.size / n) * (n / 2)), [n / 2, ...t.shape.slice(1)]);
  await firstHalf.fit(rows(x), rows(y), { epochs: 1, batchSize: n / 2, shuffle: false, verbose: 0 });
  assertClose(weightsOf(half), weightsOf(firstHalf), 1e-6, 'zero weights');
});

test('classWeight: weights from the class of each target (sparse labels or one-hot rows); fit with it equals fit with those sample weights', async () => {
  const sparse = new Tensor(Float32Array.from([0, 2, 1, 2]), [4]);
  assert.deepEqual(Array.from(classWeightToSampleWeights(sparse, { 2: 5, 0: 0.5 }).values), [0.5, 5, 1, 5]);
  const oneHot = new Tensor(Float32Array.from([0, 1, 0, 1, 0, 0, 0, 0, 1]), [3, 3]);
  assert.deepEqual(Array.from(classWeightToSampleWeights(oneHot, { 1: 3, 2: 7 }).values), [3, 1, 7]);
  assert.throws(() => classWeightToSampleWeights(sparse, { [-1]: 2 }), /class indices/);

  setSeed(3);
  const labels = new Tensor(Float32Array.from({ length: n }, (_, i) => i % 3), [n]);
  const make = (): Sequential => {
    setSeed(9);
    const m = new Sequential([new InputLayer({ shape: [3] }), new Dense(3, { activation: 'softmax' })]);
    m.compile({ optimizer: new SGD(0.5), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    return m;
  };
  const cw = make();
  await cw.fit(x, labels, { classWeight: { 0: 1, 1: 4, 2: 0.25 }, epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
  const sw = make();
  await sw.fit(x, labels, { sampleWeight: Array.from({ length: n }, (_, i) => [1, 4, 0.25][i % 3]!), epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
  assert.deepEqual(weightsOf(cw), weightsOf(sw));
  const plain = make();
  await plain.fit(x, labels, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
  assert.notDeepEqual(weightsOf(cw), weightsOf(plain));
});

test('an output mask restricts the loss to the kept steps (Keras 3 apply_mask)', async () => {
  setSeed(2);
  const m = new Sequential([new InputLayer({ shape: [4, 2] }), new Masking({ maskValue: 0 }), new Dense(1)]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  const xs = randomTensor([3, 4, 2], new Rng(4), 0.5, 1.5);
  // padding: sample 0 keeps 2 steps, sample 1 keeps 4, sample 2 keeps 1
  const kept = [2, 4, 1];
  kept.forEach((k, b) => { for (let s = k; s < 4; s++) xs.values.fill(0, (b * 4 + s) * 2, (b * 4 + s + 1) * 2); });
  const ys = randomTensor([3, 4, 1], new Rng(5));
  const p = (m.predict(xs) as Tensor).values;
  let sum = 0;
  let count = 0;
  kept.forEach((k, b) => { for (let s = 0; s < k; s++) { sum += (p[b * 4 + s]! - ys.values[b * 4 + s]!) ** 2; count++; } });
  const got = (await m.evaluate(xs, ys, { verbose: 0 })) as number;
  assertClose([got], [sum / count], 1e-6, 'masked mse');
  // weights and mask together: Σ v·w·mask·total/valid / total
  const sw = new Tensor(Float32Array.from([1, 2, 3]), [3]);
  let wsum = 0;
  kept.forEach((k, b) => { for (let s = 0; s < k; s++) wsum += (p[b * 4 + s]! - ys.values[b * 4 + s]!) ** 2 * sw.values[b]!; });
  assertClose([(await m.evaluate(xs, ys, { sampleWeight: sw, verbose: 0 })) as number], [wsum / count], 1e-6, 'masked, weighted');
});

test('datasets of [x, y, sampleWeight], trainOnBatch and validationData triples take weights; compiled and eager agree', async () => {
  const m = model();
  const expected = (await m.evaluate(x, y, { sampleWeight: w, verbose: 0, batchSize: 4 })) as number;
  const ds = Dataset.fromTensorSlices([x, y, w]).batch(4);
  assertClose([(await m.evaluate(ds, { verbose: 0 })) as number], [expected], 1e-6, 'dataset triples');
  const h = await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false, validationData: [x, y, w] });
  assert.equal(h.history['val_loss']!.length, 1);
  const compiled = model(0.1, true);
  const eager = model(0.1, false);
  for (const mm of [compiled, eager]) await mm.fit(x, y, { sampleWeight: w, epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
  assert.deepEqual(weightsOf(compiled), weightsOf(eager));
  const b = model();
  const loss = b.trainOnBatch(x, y, { sampleWeight: w }) as number;
  assertClose([loss], [perSampleMseAt(model(), w)], 1e-6, 'trainOnBatch reports the weighted loss before its update');
});

function perSampleMseAt(m: Sequential, weights: Tensor): number {
  const v = perSampleMse(m);
  return v.reduce((s, vi, i) => s + vi * weights.values[i]!, 0) / n;
}

test('bad sample weights, a mean-only loss with weights, and weights on a dataset fit are refused with the reason', async () => {
  const m = model();
  await assert.rejects(m.evaluate(x, y, { sampleWeight: [1, 2], verbose: 0 }), /sampleWeight has shape \[2\] but there are 8 samples/);
  await assert.rejects(m.fit(x, y, { sampleWeight: Array.from({ length: n }, (_, i) => (i === 3 ? -1 : 1)), verbose: 0 }), /sampleWeight\[3\] is -1/);
  await assert.rejects(m.fit(x, y, { sampleWeight: Array.from({ length: n }, (_, i) => (i === 5 ? NaN : 1)), verbose: 0 }), /sampleWeight\[5\] is NaN/);
  await assert.rejects(m.fit(Dataset.fromTensorSlices([x, y]).batch(4), { classWeight: { 0: 2 }, verbose: 0 }), /third item/);
  class MeanOnly extends losses.Loss {
    constructor() {
      super('mean_only');
    }
    call(yTrue: Tensor, yPred: Tensor): Tensor {
      return ops.mean(losses.meanSquaredError(yTrue, yPred));
    }
  }
  const custom = new Sequential([new InputLayer({ shape: [3] }), new Dense(2)]);
  custom.compile({ optimizer: 'sgd', loss: new MeanOnly() });
  await assert.rejects(custom.evaluate(x, y, { sampleWeight: w, verbose: 0 }), /returns one value for the whole batch/);
});

test('deepts/tfjs: fit({ classWeight }) weighs the loss as model.fit does', async () => {
  const tf = await import('../src/tfjs/index.js');
  const labels = Array.from({ length: n }, (_, i) => [i % 2, 1 - (i % 2)]);
  const train = async (classWeight?: { [k: string]: number }): Promise<number[]> => {
    setSeed(11);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], activation: 'softmax' })] });
    m.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    const h = await m.fit(tf.tensor2d(Array.from({ length: n }, (_, i) => Array.from(x.values.slice(3 * i, 3 * i + 3)))), tf.tensor2d(labels), { epochs: 2, batchSize: 4, shuffle: false, classWeight });
    return h.history['loss'] as number[];
  };
  const weighted = await train({ 0: 3, 1: 0.5 });
  assert.notDeepEqual(weighted, await train());
  await assert.rejects(train([{ 0: 1 }] as unknown as { [k: string]: number }), /one \{ classIndex: weight \} object/);
});
