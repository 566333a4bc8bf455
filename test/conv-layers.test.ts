/**
 * CNN layers: Keras' summary numbers for the simple MNIST convnet, output shapes,
 * save/load round trips, BatchNormalization / dropout / augmentation in training
 * vs inference, and a fully convolutional model used on a picture size it was not
 * trained on.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Adam, AveragePooling2D, BatchNormalization, Conv2D, Conv2DTranspose, DepthwiseConv2D, Dense, Dropout, Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D,
  InputLayer, MaxPooling2D, RandomFlip, RandomRotation, RandomTranslation, RandomZoom, SeparableConv2D, Sequential, SpatialDropout2D, Tensor,
  UpSampling2D, ZeroPadding2D, loadModel, ops, saveModel, setSeed, type Layer,
} from '../src/index.js';
import { deserializeLayer, serializeLayer } from '../src/nn/serialization.js';
import { Rng } from '../src/tensor/random.js';
import { assertClose, checkGradients, randomTensor } from './helpers.js';
import * as image from '../src/data/image/index.js';
import { getBackend, listBackends, setBackend } from '../src/backend/registry.js';

const rng = new Rng(5);

/** Keras' "simple MNIST convnet". */
function simpleConvnet(): Sequential {
  return new Sequential([
    new InputLayer({ shape: [28, 28, 1] }),
    new Conv2D(32, [3, 3], { activation: 'relu' }),
    new MaxPooling2D([2, 2]),
    new Conv2D(64, [3, 3], { activation: 'relu' }),
    new MaxPooling2D([2, 2]),
    new Flatten(),
    new Dropout(0.5),
    new Dense(10, { activation: 'softmax' }),
  ]);
}

describe('simple MNIST convnet', () => {
  it("summary: Keras' output shapes and 34,826 parameters", () => {
    const lines: string[] = [];
    simpleConvnet().summary((l) => lines.push(...l.split('\n')));
    const text = lines.join('\n');
    for (const shape of ['(None, 26, 26, 32)', '(None, 13, 13, 32)', '(None, 11, 11, 64)', '(None, 5, 5, 64)', '(None, 1600)', '(None, 10)']) {
      assert.ok(text.includes(shape), `summary lacks ${shape}:\n${text}`);
    }
    for (const count of ['320', '18,496', '16,010']) assert.ok(text.includes(` ${count} `), `summary lacks ${count} params`);
    assert.match(text, /Total params: 34,826 /);
    assert.match(text, /conv2d(_\d+)? \(Conv2D\)/);
    assert.match(text, /max_pooling2d(_\d+)? \(MaxPooling2D\)/);
  });

  it('save and load round-trip the architecture and weights (same predictions)', async () => {
    setSeed(3);
    const model = new Sequential([
      new InputLayer({ shape: [12, 12, 2] }),
      new ZeroPadding2D([[1, 0], [0, 2]]),
      new Conv2D(4, 3, { strides: 2, padding: 'same', activation: 'elu', kernelInitializer: 'heNormal' }),
      new BatchNormalization({ momentum: 0.9 }),
      new DepthwiseConv2D(3, { depthMultiplier: 2, padding: 'same' }),
      new SeparableConv2D(5, [3, 3], { dilationRate: 2, padding: 'same', activation: 'relu' }),
      new Conv2DTranspose(3, 3, { strides: 2, activation: 'tanh' }),
      new UpSampling2D([1, 2]),
      new AveragePooling2D(2, { strides: 1, padding: 'same' }),
      new SpatialDropout2D(0.2, { seed: 1 }),
      new RandomFlip('horizontal', { seed: 2 }),
      new RandomRotation(0.1, { fillMode: 'constant', seed: 3 }),
      new RandomZoom([-0.1, 0.2], null, { seed: 4 }),
      new RandomTranslation(0.1, [0, 0.2], { interpolation: 'nearest', seed: 5 }),
      new MaxPooling2D(3, { strides: 2 }),
      new GlobalMaxPooling2D({ keepdims: true }),
      new GlobalAveragePooling2D(),
      new Dense(2),
    ]);
    const x = randomTensor([3, 12, 12, 2], rng);
    model.call(x, { training: true }); // a training pass moves BatchNormalization's statistics away from their initial values
    const dir = mkdtempSync(join(tmpdir(), 'deepts-cnn-'));
    try {
      await saveModel(model, dir);
      const loaded = await loadModel(dir);
      assert.deepEqual(loaded.toConfig(), model.toConfig());
      assert.equal(loaded.countParams(), model.countParams());
      assertClose(loaded.predict(x).values, model.predict(x).values, 1e-6, 'predictions');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every layer config survives serialize → deserialize with Keras names', () => {
    const layers: Layer[] = [
      new Conv2D(8, [5, 3], { strides: [2, 1], padding: 'same', useBias: false, biasInitializer: 'ones' }),
      new Conv2DTranspose(4, 2, { strides: 2 }),
      new MaxPooling2D(3, { strides: 2, padding: 'same' }),
      new BatchNormalization({ axis: 1, epsilon: 1e-5, center: false }),
      new ZeroPadding2D(2),
    ];
    for (const l of layers) {
      const s = serializeLayer(l);
      assert.deepEqual(serializeLayer(deserializeLayer(s)).config, s.config, l.className);
    }
    const conv = serializeLayer(layers[0]!).config;
    assert.deepEqual(conv['kernelSize'], [5, 3]);
    assert.deepEqual(conv['strides'], [2, 1]);
    assert.equal(conv['filters'], 8);
    assert.equal(conv['kernelInitializer'], 'glorotUniform');
    assert.equal(conv['dataFormat'], 'channels_last');
  });
});

describe('output shapes of the layers (computeOutputShape agrees with the forward pass)', () => {
  const cases: [string, () => Layer, number[], number[]][] = [
    ['Conv2D valid', () => new Conv2D(3, 3), [2, 9, 8, 2], [2, 7, 6, 3]],
    ['Conv2D same stride 2', () => new Conv2D(3, 3, { strides: 2, padding: 'same' }), [2, 9, 8, 2], [2, 5, 4, 3]],
    ['Conv2D valid dilation 2', () => new Conv2D(3, 3, { dilationRate: 2 }), [2, 9, 8, 2], [2, 5, 4, 3]],
    ['Conv2DTranspose valid stride 2', () => new Conv2DTranspose(3, 3, { strides: 2 }), [1, 4, 5, 2], [1, 9, 11, 3]],
    ['Conv2DTranspose same stride 2', () => new Conv2DTranspose(3, 3, { strides: 2, padding: 'same' }), [1, 4, 5, 2], [1, 8, 10, 3]],
    ['DepthwiseConv2D', () => new DepthwiseConv2D(3, { depthMultiplier: 3 }), [1, 6, 6, 2], [1, 4, 4, 6]],
    ['SeparableConv2D', () => new SeparableConv2D(5, 3, { padding: 'same' }), [1, 6, 6, 2], [1, 6, 6, 5]],
    ['MaxPooling2D default', () => new MaxPooling2D(), [1, 7, 7, 2], [1, 3, 3, 2]],
    ['AveragePooling2D same', () => new AveragePooling2D(2, { padding: 'same' }), [1, 7, 7, 2], [1, 4, 4, 2]],
    ['GlobalAveragePooling2D', () => new GlobalAveragePooling2D(), [3, 5, 4, 2], [3, 2]],
    ['GlobalMaxPooling2D keepdims', () => new GlobalMaxPooling2D({ keepdims: true }), [3, 5, 4, 2], [3, 1, 1, 2]],
    ['UpSampling2D', () => new UpSampling2D([2, 3]), [1, 2, 3, 2], [1, 4, 9, 2]],
    ['ZeroPadding2D', () => new ZeroPadding2D([[1, 2], [3, 0]]), [1, 2, 3, 2], [1, 5, 6, 2]],
  ];
  for (const [what, make, input, output] of cases) {
    it(what, () => {
      const layer = make();
      assert.deepEqual(layer.computeOutputShape([null, ...input.slice(1)]), [null, ...output.slice(1)]);
      assert.deepEqual(layer.apply(randomTensor(input, rng)).shape, output);
      if (what.startsWith('Global')) return;
      // Unknown height and width stay unknown.
      const unknown = layer.computeOutputShape([null, null, null, input[3]!]);
      assert.deepEqual(unknown.slice(1, output.length === 4 ? 3 : 1), output.length === 4 ? [null, null] : []);
    });
  }

  it('values: UpSampling2D repeats, ZeroPadding2D pads with zeros', () => {
    const x = new Tensor(Float32Array.from([1, 2, 3, 4]), [1, 2, 2, 1]);
    assert.deepEqual([...new UpSampling2D(2).apply(x).values], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    assert.deepEqual([...new ZeroPadding2D([[1, 0], [0, 1]]).apply(x).values], [0, 0, 0, 1, 2, 0, 3, 4, 0]);
  });

  it("UpSampling2D 'bilinear': hand-worked values, tf.image.resize's half-pixel centres, finite-difference gradients, every backend alike", () => {
    // 1-D by hand: samples at (i + ½)/2 − ½ = −¼, ¼, ¾, 1¼ of [0, 1], clamped at the ends.
    const line = new Tensor(Float32Array.from([0, 1]), [1, 1, 2, 1]);
    assertClose(new UpSampling2D([1, 2], { interpolation: 'bilinear' }).apply(line).values, [0, 0.25, 0.75, 1], 1e-7);
    const layer = new UpSampling2D([2, 3], { interpolation: 'bilinear' });
    assert.deepEqual(layer.computeOutputShape([null, null, 5, 3]), [null, null, 15, 3]);
    const x = randomTensor([2, 3, 4, 3], rng);
    const y = layer.apply(x);
    assert.deepEqual(y.shape, [2, 6, 12, 3]);
    assertClose(y.values, image.resize(x, [6, 12], { method: 'bilinear' }).values, 1e-6, 'vs image.resize');
    checkGradients((t) => layer.apply(t), [randomTensor([1, 3, 2, 2], rng)]);
    const reference = getBackend().name;
    for (const { name } of listBackends()) {
      setBackend(name);
      try {
        assertClose(layer.apply(x).values, y.values, 1e-5, `backend ${name}`);
      } finally {
        setBackend(reference);
      }
    }
    const restored = deserializeLayer(serializeLayer(layer)) as UpSampling2D;
    assert.equal(restored.interpolation, 'bilinear');
    assert.throws(() => new UpSampling2D(2, { interpolation: 'bicubic' as 'bilinear' }), /interpolation must be 'nearest' or 'bilinear', got 'bicubic'/);
  });

  it('clear errors for a missing channel axis and channels_first', () => {
    assert.throws(() => new Sequential([new InputLayer({ shape: [28, 28] }), new Conv2D(4, 3)]), /expects inputs \[batch, height, width, channels\].*Reshape/);
    assert.throws(() => new Conv2D(4, 3, { dataFormat: 'channels_first' as 'channels_last' }), /channels_last/);
    assert.throws(() => new Conv2D(0, 3), /filters must be a positive integer/);
  });
});

describe('training vs inference', () => {
  it('BatchNormalization: batch statistics and moving averages while training, moving statistics in inference', () => {
    const bn = new BatchNormalization();
    assert.equal(bn.momentum, 0.99);
    assert.equal(bn.epsilon, 1e-3);
    const x = ops.add(ops.mul(randomTensor([8, 4, 4, 3], rng), 3), 5); // mean ≈ 5, var ≈ 3 (uniform ±3)
    const y = bn.apply(x, { training: true });
    assert.equal(bn.countParams(), 12);
    assert.deepEqual(bn.weights.map((w) => w.name.split('/')[1]), ['gamma', 'beta', 'moving_mean', 'moving_variance']);
    assert.equal(bn.trainableWeights.length, 2);
    const mean = ops.mean(y, [0, 1, 2]).values;
    const variance = ops.mean(ops.square(y), [0, 1, 2]).values;
    for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(mean[c]!) < 1e-5, `channel ${c} mean ${mean[c]}`);
      assert.ok(Math.abs(variance[c]! - 1) < 1e-3, `channel ${c} variance ${variance[c]}`);
    }
    // moving = 0.99 · initial + 0.01 · batch
    const batchMean = ops.mean(x, [0, 1, 2]).values;
    const batchVar = ops.mean(ops.square(ops.sub(x, ops.mean(x, [0, 1, 2]))), [0, 1, 2]).values;
    assertClose(bn.movingMean!.values, Array.from(batchMean, (m) => 0.01 * m), 1e-5, 'moving mean');
    assertClose(bn.movingVariance!.values, Array.from(batchVar, (v) => 0.99 + 0.01 * v), 1e-5, 'moving variance');
    // Inference: (x − moving mean) / √(moving variance + ε), and the statistics stay put.
    const before = Float32Array.from(bn.movingMean!.values);
    const inference = bn.apply(x, { training: false });
    assert.deepEqual([...bn.movingMean!.values], [...before]);
    const expected = Array.from(x.values, (v, i) => (v - before[i % 3]!) / Math.sqrt(bn.movingVariance!.values[i % 3]! + 1e-3));
    assertClose(inference.values, expected, 1e-5, 'inference output');
    // A frozen layer runs in inference mode even in training (as Keras).
    bn.trainable = false;
    assertClose(bn.apply(x, { training: true }).values, expected, 1e-5, 'frozen');
  });

  it('BatchNormalization in a model: fit updates the moving statistics; the gradient reaches gamma and beta', async () => {
    setSeed(1);
    const model = new Sequential([new InputLayer({ shape: [6, 6, 1] }), new Conv2D(2, 3), new BatchNormalization(), new Flatten(), new Dense(1)]);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const bn = model.layers[1] as BatchNormalization;
    const gammaBefore = Float32Array.from(bn.gamma!.values);
    await model.fit(randomTensor([16, 6, 6, 1], rng), randomTensor([16, 1], rng), { epochs: 2, batchSize: 8, verbose: 0 });
    assert.notDeepEqual([...bn.movingMean!.values], [0, 0]);
    assert.notDeepEqual([...bn.gamma!.values], [...gammaBefore]);
    assert.equal(model.trainableWeights.length, 2 + 2 + 2);
    assert.equal(model.weights.length, 2 + 4 + 2);
  });

  it('Dropout and SpatialDropout2D: identity in inference; in training, whole channels are dropped and the rest scaled', () => {
    const x = ops.add(randomTensor([4, 5, 5, 8], rng), 2);
    for (const layer of [new Dropout(0.5), new SpatialDropout2D(0.5)]) assert.equal(layer.apply(x, { training: false }), x);
    const y = new SpatialDropout2D(0.5, { seed: 9 }).apply(x, { training: true });
    let dropped = 0;
    for (let n = 0; n < 4; n++) {
      for (let c = 0; c < 8; c++) {
        const values = Array.from({ length: 25 }, (_, p) => [y.values[(n * 25 + p) * 8 + c]!, x.values[(n * 25 + p) * 8 + c]!]);
        const zero = values.every(([a]) => a === 0);
        if (zero) dropped++;
        else values.forEach(([a, b]) => assert.ok(Math.abs(a! - 2 * b!) < 1e-5));
      }
    }
    assert.ok(dropped > 4 && dropped < 28, `${dropped} of 32 channels dropped`);
    // Seeded: the same seed drops the same channels.
    assert.deepEqual([...new SpatialDropout2D(0.5, { seed: 9 }).apply(x, { training: true }).values], [...y.values]);
  });

  it('augmentation layers: identity in inference, seeded in training, exact on known transforms', () => {
    const x = randomTensor([3, 6, 6, 2], rng);
    const layers = [new RandomFlip(), new RandomRotation(0.2), new RandomZoom(0.3), new RandomTranslation(0.2, 0.2)];
    for (const l of layers) assert.equal(l.apply(x, { training: false }), x, `${l.className} in inference`);
    for (const make of [() => new RandomRotation(0.2, { seed: 4 }), () => new RandomZoom(0.3, null, { seed: 4 }), () => new RandomTranslation(0.2, 0.2, { seed: 4 })]) {
      const a = make().apply(x, { training: true });
      assert.deepEqual([...make().apply(x, { training: true }).values], [...a.values], 'same seed, same transform');
      assert.notDeepEqual([...a.values], [...x.values], 'training changes the pictures');
    }
    const img = new Tensor(Float32Array.from({ length: 9 }, (_, i) => i + 1), [1, 3, 3, 1]);
    // Horizontal flips happen about half the time and mirror columns exactly.
    const flips = new RandomFlip('horizontal', { seed: 1 });
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) seen.add(flips.apply(img, { training: true }).values.join(','));
    assert.deepEqual([...seen].sort(), ['1,2,3,4,5,6,7,8,9', '3,2,1,6,5,4,9,8,7']);
    // A quarter turn of a square picture is exact; zoom and translation by 0 are the identity.
    const quarter = new RandomRotation([0.25, 0.25]).apply(img, { training: true });
    assertClose(quarter.values, [3, 6, 9, 2, 5, 8, 1, 4, 7], 1e-5, 'quarter turn');
    assertClose(new RandomZoom([0, 0]).apply(img, { training: true }).values, img.values, 1e-6, 'zoom 0');
    // Shift one row down with a constant fill: the top row is the fill value.
    const down = new RandomTranslation([1 / 3, 1 / 3], [0, 0], { fillMode: 'constant', fillValue: -1 }).apply(img, { training: true });
    assertClose(down.values, [-1, -1, -1, 1, 2, 3, 4, 5, 6], 1e-5, 'translation');
    // Reflect fill: shifting by one row mirrors the first row into the gap (d c b a | a b c d).
    const reflected = new RandomTranslation([1 / 3, 1 / 3], [0, 0]).apply(img, { training: true });
    assertClose(reflected.values, [1, 2, 3, 1, 2, 3, 4, 5, 6], 1e-5, 'reflect');
  });
});

describe('unknown spatial sizes', () => {
  it('a fully convolutional model trained on 64×64 patches predicts on another size', async () => {
    setSeed(7);
    const model = new Sequential([
      new InputLayer({ shape: [null, null, 1] }),
      new Conv2D(4, 3, { padding: 'same' }),
      new Conv2D(1, 3, { padding: 'same' }),
    ]);
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    assert.match(lines.join('\n'), /\(None, None, None, 4\)/);
    // Learn a fixed 3×3 blur: a linear, size-independent target.
    const blur = new Tensor(new Float32Array(9).fill(1 / 9), [3, 3, 1, 1]);
    const target = (t: Tensor): Tensor => ops.conv2d(t, blur, { padding: 'same' });
    const x = randomTensor([8, 64, 64, 1], rng, 0, 1);
    model.compile({ optimizer: new Adam({ learningRate: 0.03 }), loss: 'mse' });
    await model.fit(x, target(x), { epochs: 10, batchSize: 2, verbose: 0 });
    const other = randomTensor([2, 37, 50, 1], rng, 0, 1);
    const predicted = model.predict(other);
    assert.deepEqual(predicted.shape, [2, 37, 50, 1]);
    const mse = ops.mean(ops.square(ops.sub(predicted, target(other)))).item();
    const baseline = ops.mean(ops.square(ops.sub(target(other), ops.mean(target(other))))).item();
    assert.ok(mse < baseline / 5, `mse ${mse} on the 37×50 pictures vs the constant predictor's ${baseline}`);
    // Saved and loaded, the input stays [null, null, 1].
    const dir = mkdtempSync(join(tmpdir(), 'deepts-fcn-'));
    try {
      await saveModel(model, dir);
      const loaded = await loadModel(dir);
      assertClose(loaded.predict(other).values, predicted.values, 1e-6, 'loaded model');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A wrong channel count is still an error.
    assert.throws(() => model.predict(randomTensor([1, 8, 8, 3], rng)), /expects samples of shape/);
  });
});
