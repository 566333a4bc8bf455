/**
 * Learning test: a small convnet on an MNIST subset clearly beats a dense network of
 * the same size and the trivial baseline; Fashion-MNIST loads from Debian's package
 * (with a clear error naming it when absent).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Adam, Conv2D, Dense, Flatten, InputLayer, MaxPooling2D, Sequential, Tensor, loadFashionMnist, loadMnist, setSeed, FASHION_MNIST_CLASSES,
} from '../src/index.js';
import { FASHION_MNIST_DIR } from '../src/datasets/fashion-mnist-node.js';

const TRAIN = 1000;
const TEST = 500;

async function accuracyOf(model: Sequential, x: Tensor, y: Tensor, xTest: Tensor, yTest: Tensor): Promise<number> {
  model.compile({ optimizer: new Adam({ learningRate: 3e-3 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  await model.fit(x, y, { epochs: 3, batchSize: 32, shuffle: true, verbose: 0 });
  const logs = await model.evaluateLogs(xTest, yTest, { batchSize: 500 });
  return logs['accuracy']!;
}

describe('convnet vs dense on an MNIST subset', () => {
  it('a ~2,300-parameter convnet clearly beats a dense model of the same size and the majority class', async () => {
    const mnist = await loadMnist({ limitTrain: TRAIN, limitTest: TEST });
    const x = new Tensor(mnist.train.images, [TRAIN, 28, 28, 1]);
    const y = new Tensor(mnist.train.labels, [TRAIN]);
    const xTest = new Tensor(mnist.test.images, [TEST, 28, 28, 1]);
    const yTest = new Tensor(mnist.test.labels, [TEST]);
    setSeed(1);
    const convnet = new Sequential([
      new InputLayer({ shape: [28, 28, 1] }),
      new Conv2D(4, 3, { activation: 'relu' }), new MaxPooling2D(2),
      new Conv2D(8, 3, { activation: 'relu' }), new MaxPooling2D(2),
      new Flatten(), new Dense(10, { activation: 'softmax' }),
    ]);
    setSeed(1);
    const dense = new Sequential([
      new InputLayer({ shape: [28, 28, 1] }), new Flatten(), new Dense(3, { activation: 'relu' }), new Dense(10, { activation: 'softmax' }),
    ]);
    assert.equal(convnet.countParams(), 40 + 296 + 2010);
    assert.equal(dense.countParams(), 2355 + 40);
    const counts = new Array<number>(10).fill(0);
    for (const l of mnist.test.labels) counts[l]!++;
    const majority = Math.max(...counts) / TEST;
    const convAccuracy = await accuracyOf(convnet, x, y, xTest, yTest);
    const denseAccuracy = await accuracyOf(dense, x, y, xTest, yTest);
    assert.ok(convAccuracy > 0.8, `convnet ${convAccuracy} (dense ${denseAccuracy})`);
    assert.ok(convAccuracy > denseAccuracy + 0.1, `convnet ${convAccuracy} vs dense ${denseAccuracy}`);
    assert.ok(denseAccuracy > majority, `dense ${denseAccuracy} vs majority class ${majority}`);
  });
});

describe('Fashion-MNIST loader', () => {
  it('names the missing files and the Debian package', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'deepts-fashion-'));
    try {
      await assert.rejects(loadFashionMnist({ dir: empty }), /train-images-idx3-ubyte\(\.gz\).*not found in .*dataset-fashion-mnist/s);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
  it('loads the IDX files of Debian\'s dataset-fashion-mnist', { skip: !existsSync(FASHION_MNIST_DIR) && 'dataset-fashion-mnist is not installed' }, async () => {
    const f = await loadFashionMnist({ limitTrain: 100, limitTest: 50 });
    assert.equal(f.train.n, 100);
    assert.equal(f.test.n, 50);
    assert.equal(f.train.images.length, 100 * 784);
    assert.ok(f.train.labels.every((l) => l >= 0 && l < FASHION_MNIST_CLASSES.length));
    assert.ok(new Set(f.train.labels).size >= 8, 'many classes among the first 100');
    assert.equal(FASHION_MNIST_CLASSES[9], 'Ankle boot');
  });
});
