/**
 * deepts/tfjs: the tfjs examples in examples/tfjs run with only their import line pointing at
 * deepts, on the native and WASM backends; the same files with the line pointing at
 * @tensorflow/tfjs run in tfjs itself (so they really are tfjs code) and reach the same results.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../src/tfjs/index.js';
import { listBackends } from '../src/backend/index.js';
import { Dense } from '../src/nn/layers/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { examples, runExample, tfjsTwin } from './tfjs-examples.js';


const backends = ['native', 'wasm'].filter((b) => listBackends().some((x) => x.name === b));

test('the tfjs getting-started example runs unchanged on deepts (native and WASM) and in tfjs', async () => {
  assert.ok(backends.includes('wasm'), 'the WASM backend loads in Node');
  const value = (out: string): number => Number(/prediction for x=5: (\S+)/.exec(out)?.[1]);
  for (const backend of backends) {
    const out = await runExample(join(examples, 'getting-started.mjs'), { DEEPTS_BACKEND: backend });
    assert.match(out, /Tensor\n/);
    assert.ok(Math.abs(value(out) - 9) < 0.2, `${backend}: predicted ${value(out)} for x = 5, expected ≈ 9`);
  }
  const theirs = value(await runExample(tfjsTwin('getting-started.mjs'), {}));
  assert.ok(Math.abs(theirs - 9) < 0.2, `tfjs predicted ${theirs}`);
});

test('a typical tfjs MNIST dense example runs unchanged on deepts (native and WASM) and learns as in tfjs', async () => {
  const env = { MNIST_EXAMPLE_TRAIN: '3000', MNIST_EXAMPLE_TEST: '1000', MNIST_EXAMPLE_EPOCHS: '2' };
  const accuracy = (out: string): number => Number(/test accuracy: (\S+)/.exec(out)?.[1]);
  for (const backend of backends) {
    const out = await runExample(join(examples, 'mnist-dense.mjs'), { ...env, DEEPTS_BACKEND: backend });
    assert.match(out, /epoch 2: loss [\d.]+ acc [\d.]+ val_acc [\d.]+/);
    assert.match(out, /epochs run: 2/);
    const acc = accuracy(out);
    const check = Number(/argMax check (\S+)\)/.exec(out)?.[1]);
    assert.ok(Math.abs(acc - check) < 1e-3, `${backend}: evaluate's accuracy ${acc} equals the argMax count ${check}`);
    // the trivial baseline (most frequent class) is ≈ 0.11; 3000 images, 2 epochs reach ≈ 0.85
    assert.ok(acc > 0.75, `${backend}: test accuracy ${acc}`);
  }
  // tfjs' cpu backend is ~20× slower: a smaller run shows the same file is genuine tfjs code that learns
  const theirs = accuracy(await runExample(tfjsTwin('mnist-dense.mjs'), { MNIST_EXAMPLE_TRAIN: '1000', MNIST_EXAMPLE_TEST: '500', MNIST_EXAMPLE_EPOCHS: '1' }));
  assert.ok(theirs > 0.5, `tfjs: test accuracy ${theirs}`);
});

test('tensor API: dataSync/arraySync, oneHot, argMax, tidy/dispose no-ops, evaluate returns scalars', async () => {
  const t = tf.tensor2d([[1, 5, 2], [7, 0, 3]]);
  assert.deepEqual(t.arraySync(), [[1, 5, 2], [7, 0, 3]]);
  assert.deepEqual(Array.from(t.argMax(-1).dataSync()), [1, 0]);
  assert.deepEqual(tf.oneHot(tf.tensor1d([2, 0], 'int32'), 3).arraySync(), [[0, 0, 1], [1, 0, 0]]);
  assert.equal(tf.tidy(() => t.sum().dataSync()[0]), 18);
  tf.dispose(t);
  t.dispose();
  assert.deepEqual(t.shape, [2, 3]);
  assert.throws(() => tf.tensor2d([1, 2, 3]), /rank-2/);
  assert.throws(() => tf.layers.dense({ units: 2, kernelRegularizer: 'l3' as 'l2' }), /kernelRegularizer: unknown regularizer 'l3'/);
  assert.throws(() => tf.layers.dense({ units: 2, weights: [] }), /weights/);
  const regd = tf.layers.dense({ units: 2, inputShape: [3], kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }), kernelConstraint: tf.constraints.maxNorm({ maxValue: 1 }) }) as Dense;
  regd.apply(new Tensor(new Float32Array(3), [1, 3]));
  assert.equal(regd.kernel!.regularizer?.l2, 0.1);
  assert.equal(regd.kernel!.constraint?.className, 'MaxNorm');
  assert.equal(tf.regularizers.l1l2().l1, 0.01);
  assert.equal(tf.constraints.nonNeg().className, 'NonNeg');
  const seqModel = tf.sequential({ layers: [
    tf.layers.embedding({ inputDim: 6, outputDim: 3, inputLength: 4, maskZero: true }),
    tf.layers.layerNormalization({ epsilon: 1e-3 }),
    tf.layers.globalAveragePooling1d({}),
    tf.layers.dense({ units: 1 }),
  ] });
  const seqOut = seqModel.predict(tf.tensor2d([[1, 2, 0, 0], [5, 4, 3, 1]])).arraySync() as number[][];
  assert.equal(seqOut.length, 2);
  assert.deepEqual(seqModel.layers.map((l) => l.className), ['Embedding', 'LayerNormalization', 'GlobalAveragePooling1D', 'Dense']);
  assert.equal(tf.layers.masking({ maskValue: -1 }).className, 'Masking');

  const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], activation: 'softmax' })] });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const ys = tf.oneHot(tf.tensor1d([1, 0], 'int32'), 2);
  // Small inputs keep the probabilities away from the loss's 1e-7 clipping, whatever the random weights.
  const xs = tf.tensor2d([[0.1, 0.5, 0.2], [0.7, 0, 0.3]]);
  const result = model.evaluate(xs, ys);
  assert.ok(Array.isArray(result) && result.length === 2);
  const probs = model.predict(xs).arraySync() as number[][];
  const expectedLoss = -(Math.log(probs[0]![1]!) + Math.log(probs[1]![0]!)) / 2;
  assert.ok(Math.abs(result[0]!.dataSync()[0]! - expectedLoss) < 1e-5);
  assert.deepEqual(model.inputs[0]!.shape, [null, 3]);
  assert.deepEqual(model.outputs[0]!.shape, [null, 2]);
  assert.equal(await tf.setBackend('cpu'), true);
  assert.equal(tf.getBackend(), 'js');
  assert.equal(await tf.setBackend('no-such'), false);
  await tf.setBackend(backends[0] ?? 'js');
});

test('model.save("file://…") and tf.loadLayersModel round-trip through the tfjs format', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-tfjs-compat-'));
  try {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 4, inputShape: [2], activation: 'tanh' }));
    model.add(tf.layers.dense({ units: 1 }));
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${join(dir, 'model.json')}`);
    const x = tf.tensor2d([[0.5, -1], [2, 3]]);
    assert.deepEqual(Array.from(loaded.predict(x).dataSync()), Array.from(model.predict(x).dataSync()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
