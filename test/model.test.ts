import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Adam, Dense, Dropout, EarlyStopping, Flatten, InputLayer, Reshape, Sequential, Tensor, loadMnist, loadModel, saveModel, setSeed, tensor,
  type TextOutput,
} from '../src/index.js';
import { buildAutoencoder } from '../src/models/mnist-models.js';
import { Progbar, formatValue } from '../src/train/progbar.js';
import { assertClose, randomTensor } from './helpers.js';
import { Rng } from '../src/tensor/random.js';

const silent: TextOutput = { write: () => {}, isTTY: false };

test("summary of the lecture's autoencoder: Keras table and 222,384 trainable parameters", () => {
  const lines: string[] = [];
  buildAutoencoder().summary((l) => lines.push(...l.split('\n')));
  const text = lines.join('\n');
  assert.match(text, /^Model: "autoencoder"/);
  assert.match(text, /Layer \(type\)\s+┃ Output Shape\s+┃\s+Param # ┃/);
  assert.match(text, /flatten(_\d+)? \(Flatten\)\s+│ \(None, 784\)\s+│\s+0 │/);
  assert.match(text, /dense(_\d+)? \(Dense\)\s+│ \(None, 128\)\s+│\s+100,480 │/);
  assert.match(text, /\(None, 784\)\s+│\s+101,136 │/);
  assert.match(text, /reshape(_\d+)? \(Reshape\)\s+│ \(None, 28, 28\)\s+│\s+0 │/);
  assert.match(text, / Total params: 222,384 \(868\.69 KB\)/);
  assert.match(text, / Trainable params: 222,384 \(868\.69 KB\)/);
  assert.match(text, / Non-trainable params: 0 \(0\.00 B\)/);
});

test('parameter counts: bias off, non-trainable layers', () => {
  const m = new Sequential([new Dense(5, { inputShape: [3], useBias: false }), new Dense(2, { trainable: false })]);
  assert.equal(m.countParams(), 15 + 12);
  assert.equal(m.trainableWeights.reduce((s, w) => s + w.size, 0), 15);
});

test('save → load gives identical predictions, and the files are complete', async () => {
  setSeed(3);
  const model = new Sequential([new InputLayer({ shape: [4, 2] }), new Flatten(), new Dense(6, { activation: 'tanh' }), new Dropout(0.3), new Dense(8, { activation: 'gelu' }), new Reshape([2, 4])]);
  const x = randomTensor([5, 4, 2], new Rng(1));
  const before = model.predict(x);
  const dir = mkdtempSync(join(tmpdir(), 'deepts-save-'));
  try {
    await saveModel(model, join(dir, 'm'));
    const loaded = await loadModel(join(dir, 'm'));
    assert.deepEqual(Array.from(loaded.predict(x).values), Array.from(before.values));
    assert.deepEqual(loaded.layers.map((l) => l.className), ['Flatten', 'Dense', 'Dropout', 'Dense', 'Reshape']);
    // saving again over an existing model replaces it atomically (no leftovers)
    await model.save(join(dir, 'm'));
    assert.ok(existsSync(join(dir, 'm', 'weights.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loading a damaged model gives a clear error', async () => {
  const model = new Sequential([new Dense(3, { inputShape: [2] })]);
  const dir = mkdtempSync(join(tmpdir(), 'deepts-bad-'));
  try {
    await saveModel(model, join(dir, 'm'));
    const bin = readFileSync(join(dir, 'm', 'weights.bin'));
    writeFileSync(join(dir, 'm', 'weights.bin'), bin.subarray(0, bin.length - 4));
    await assert.rejects(loadModel(join(dir, 'm')), /weights\.bin has 32 bytes, the manifest needs 36 \(truncated/);
    writeFileSync(join(dir, 'm', 'model.json'), '{"format": "something-else"');
    await assert.rejects(loadModel(join(dir, 'm')), /not valid JSON/);
    await assert.rejects(loadModel(join(dir, 'nope')), /does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('same seed, same weights and same training result', async () => {
  const train = async () => {
    setSeed(11);
    const m = new Sequential([new Dense(8, { inputShape: [3], activation: 'relu' }), new Dropout(0.2), new Dense(1)]);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const rng = new Rng(5);
    const x = randomTensor([64, 3], rng);
    const y = randomTensor([64, 1], rng);
    const h = await m.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0 });
    return { loss: h.history['loss']!, w: Array.from(m.getWeights()[0]!.values) };
  };
  const [a, b] = [await train(), await train()];
  assert.deepEqual(a, b);
});

test('a short training on an MNIST subset: the autoencoder beats reconstructing every digit as the average image', async () => {
  setSeed(1);
  const mnist = await loadMnist({ limitTrain: 1024, limitTest: 256 });
  const x = new Tensor(mnist.train.images, [mnist.train.n, 28, 28]);
  const xv = new Tensor(mnist.test.images, [mnist.test.n, 28, 28]);
  // The trivial baseline: answer every validation digit with the mean training image (MSE ≈ 0.064).
  const meanImage = new Float64Array(784);
  mnist.train.images.forEach((v, i) => { meanImage[i % 784] += v / mnist.train.n; });
  let baseline = 0;
  mnist.test.images.forEach((v, i) => { baseline += (v - meanImage[i % 784]!) ** 2; });
  baseline /= mnist.test.images.length;
  const model = buildAutoencoder();
  model.compile({ optimizer: new Adam({ learningRate: 3e-3 }), loss: 'mse' });
  const h = await model.fit(x, x, { epochs: 4, batchSize: 32, validationData: [xv, xv], verbose: 0 });
  const loss = h.history['loss']!;
  const val = h.history['val_loss']!;
  assert.equal(loss.length, 4);
  assert.ok(loss[3]! < 0.75 * loss[0]!, `loss should fall: ${loss.join(', ')}`);
  // 128 steps reach ≈ 0.043; an autoencoder that only learned the mean image would sit at the baseline.
  assert.ok(val[3]! < 0.8 * baseline, `val_loss ${val[3]} after 4 short epochs must beat the mean image's ${baseline} by 20%`);
  const evaluated = await model.evaluate(xv, xv, { verbose: 0 });
  assert.ok(Math.abs((evaluated as number) - val[3]!) < 1e-6);
});

test('a classifier learns a separable problem; metrics and evaluate report accuracy', async () => {
  setSeed(2);
  const rng = new Rng(9);
  const n = 200;
  const xs = new Float32Array(n * 2);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    xs[2 * i] = rng.normal(c ? 2 : -2, 0.5);
    xs[2 * i + 1] = rng.normal(c ? -1 : 1, 0.5);
    ys[i] = c;
  }
  const x = new Tensor(xs, [n, 2]);
  const y = new Tensor(ys, [n]);
  const m = new Sequential([new Dense(8, { inputShape: [2], activation: 'relu' }), new Dense(2, { activation: 'softmax' })]);
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const h = await m.fit(x, y, { epochs: 30, batchSize: 20, verbose: 0, validationSplit: 0.2 });
  assert.ok(h.history['accuracy']!.at(-1)! > 0.95);
  assert.ok(h.history['val_accuracy']!.at(-1)! > 0.95);
  const logs = await m.evaluateLogs(x, y, { verbose: 0 });
  assert.deepEqual(Object.keys(logs), ['loss', 'accuracy']);
  // labels outside the class range fail before training, naming the label
  const bad = new Tensor(Int32Array.from(ys, (v, i) => (i === 7 ? 5 : v)), [n]);
  await assert.rejects(m.fit(x, bad, { verbose: 0 }), /label 5 at index 7 is not a class in \[0, 2\)/);
  // one-hot rows given to a sparse loss get a hint
  const oneHotY = new Tensor(Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === ys[i >> 1] ? 1 : 0)), [n, 2]);
  await assert.rejects(m.fit(x, oneHotY, { verbose: 0 }), /look like one-hot rows: use categorical_crossentropy/);
  // categorical targets must be distributions
  m.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
  const notDistribution = new Tensor(Float32Array.from(oneHotY.values, (v, i) => (i < 2 ? 0 : v)), [n, 2]);
  await assert.rejects(m.fit(x, notDistribution, { verbose: 0 }), /target row 0 sums to 0, not 1/);
});

test('fit rejects mismatched lengths, NaN inputs and wrong target shapes with clear messages', async () => {
  const m = new Sequential([new Dense(2, { inputShape: [3] })]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  await assert.rejects(m.fit(tensor([[1, 2, 3]]), tensor([[1, 2], [3, 4]]), { verbose: 0 }), /inputs have 1 samples .* targets have 2/);
  await assert.rejects(m.fit(tensor([[1, NaN, 3]]), tensor([[1, 2]]), { verbose: 0 }), /contain NaN at flat index 1/);
  await assert.rejects(m.fit(tensor([[1, 2, 3], [4, -Infinity, 6]]), tensor([[1, 2], [3, 4]]), { verbose: 0 }), /contain -Infinity at flat index 4 \(sample 1\)/);
  const { assertFinite } = await import('../src/train/trainer.js');
  assert.doesNotThrow(() => assertFinite(tensor([3e38, 3e38, 3e38]), 'huge but finite values'), 'a sum that overflows is not an error');
  await assert.rejects(m.fit(tensor([[1, 2, 3]]), tensor([[1, 2, 3]]), { verbose: 0 }), /per-sample shape \[3\] but the model outputs \[2\]/);
  await assert.rejects(m.fit(tensor([[1, 2, 3]]), tensor([[1, 2]]), { verbose: 0, epochs: 0 }), /epochs must be a positive integer/);
  assert.throws(() => m.predict(tensor([[1, 2]])), /expects samples of shape \[3\]/);
  const uncompiled = new Sequential([new Dense(2, { inputShape: [3] })]);
  await assert.rejects(uncompiled.fit(tensor([[1, 2, 3]]), tensor([[1, 2]])), /compile/);
});

test('EarlyStopping stops when val_loss stops improving and can restore the best weights', async () => {
  const m = new Sequential([new Dense(1, { inputShape: [1] })]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = tensor([[0], [1], [2], [3]]);
  const y = tensor([[0], [2], [4], [6]]);
  // validation targets that the model cannot fit well: val_loss goes up as training fits the train set
  const xv = tensor([[1]]);
  const yv = tensor([[-5]]);
  const es = new EarlyStopping({ patience: 2, restoreBestWeights: true });
  const h = await m.fit(x, y, { epochs: 50, batchSize: 4, verbose: 0, validationData: [xv, yv], callbacks: [es] });
  assert.ok(h.epoch.length < 50, 'stopped early');
  assert.equal(h.epoch.length, es.bestEpoch + 3);
  const logs = await m.evaluateLogs(xv, yv, { verbose: 0 });
  assert.ok(Math.abs(logs['loss']! - Math.min(...h.history['val_loss']!)) < 1e-5, 'best weights restored');
});

test('the progress bar prints Keras lines', () => {
  let text = '';
  const out: TextOutput = { write: (s) => (text += s), isTTY: false };
  const bar = new Progbar(235, out);
  bar.update(100, { loss: 0.5 }, false); // not a terminal: nothing until the epoch ends
  assert.equal(text, '');
  bar.update(235, { loss: 0.0213, val_loss: 0.00021 });
  assert.match(text, /^235\/235 ━{20} \d+s \d+(us|ms)\/step - loss: 0\.0213 - val_loss: 2\.1000e-04\n$/);
  assert.equal(formatValue(1.23456), '1.2346');
  let tty = '';
  const term = new Progbar(10, { write: (s) => (tty += s), isTTY: true }, 1, 20, 'step', 0);
  term.update(5, { loss: 1 }, false);
  assert.match(tty, /\r\x1b\[1m 5\/10\x1b\[0m \x1b\[32m━{10}\x1b\[0m\x1b\[37m━{10}\x1b\[0m \d+s - loss: 1\.0000/);
  let two = '';
  const v2 = new Progbar(4, { write: (s) => (two += s), isTTY: true }, 2);
  v2.update(2, { loss: 1 }, false);
  v2.update(4, { loss: 0.5 });
  assert.match(two, /^4\/4 - \d+s - \d+(us|ms)\/step - loss: 0\.5000\n$/);
});

test('predict in batches equals one big batch; Dropout is off in predict', () => {
  setSeed(4);
  const m = new Sequential([new Dense(7, { inputShape: [5], activation: 'relu' }), new Dropout(0.5), new Dense(3, { activation: 'softmax' })]);
  const x = randomTensor([37, 5], new Rng(2));
  assertClose(m.predict(x, { batchSize: 8 }).values, m.predict(x, { batchSize: 100 }).values, 1e-6);
  assert.deepEqual(Array.from(m.predict(x).values), Array.from(m.predict(x).values));
  void silent;
});

test('recycled step buffers are never read after their step (poisoned pool gives identical results)', async () => {
  const { setPoolPoisoning } = await import('../src/tensor/buffer-pool.js');
  const run = async (poison: boolean) => {
    setPoolPoisoning(poison);
    try {
      setSeed(21);
      const m = new Sequential([new Dense(96, { inputShape: [64], activation: 'relu' }), new Dropout(0.1), new Dense(64, { activation: 'sigmoid' })]);
      m.compile({ optimizer: 'adamax', loss: 'mse', metrics: ['mae'] });
      const rng = new Rng(8);
      const x = randomTensor([300, 64], rng, 0, 1);
      const h = await m.fit(x, x, { epochs: 2, batchSize: 128, verbose: 0, validationSplit: 0.25 });
      return { h: h.history, p: Array.from(m.predict(x, { batchSize: 70 }).values) };
    } finally {
      setPoolPoisoning(false);
    }
  };
  const [plain, poisoned] = [await run(false), await run(true)];
  assert.deepEqual(poisoned, plain);
  const { pooledBytes } = await import('../src/tensor/buffer-pool.js');
  setSeed(1);
  const m = new Sequential([new Dense(128, { inputShape: [64] })]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  await m.fit(randomTensor([256, 64], new Rng(1)), randomTensor([256, 128], new Rng(2)), { epochs: 1, batchSize: 64, verbose: 0 });
  assert.equal(pooledBytes(), 0, 'fit returns its step buffers to the garbage collector when it ends');
  assert.ok(plain.p.every(Number.isFinite));
});
