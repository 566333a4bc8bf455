/**
 * deepts/tfjs with convolutions: the tfjs MNIST CNN tutorial (examples/tfjs/mnist-cnn.mjs) runs
 * with only its import line pointing at deepts, and the same file runs in @tensorflow/tfjs with
 * the same shapes and a similar loss; given the same weights, tfjs and deepts/tfjs compute the
 * same predictions, loss and SGD step; a CNN saved by real tfjs loads with tf.loadLayersModel,
 * and a deepts/tfjs CNN loads in real tfjs; functional CNNs cross the tfjs format both ways.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as real from '@tensorflow/tfjs';
import * as tf from '../src/tfjs/index.js';
import { listBackends } from '../src/backend/index.js';
import { Rng } from '../src/index.js';
import { assertClose } from './helpers.js';
import { examples, runExample, tfjsTwin } from './tfjs-examples.js';

real.env().set('IS_NODE', true);
await real.setBackend('cpu');


const line = (out: string, what: string): string => new RegExp(`^${what}: (.*)$`, 'm').exec(out)?.[1] ?? `(no ${what} line)`;
const epochLosses = (out: string): number[] => [...out.matchAll(/^epoch \d+: loss (\S+)/gm)].map((m) => Number(m[1]));
const backends = ['native', 'wasm'].filter((b) => listBackends().some((x) => x.name === b));

test('the tfjs MNIST CNN tutorial runs unchanged on deepts, and in tfjs with the same shapes and a similar loss', async () => {
  // A run long enough to learn (native, else the first backend): far above the trivial baseline (≈ 0.11).
  const learned = await runExample(join(examples, 'mnist-cnn.mjs'), { DEEPTS_BACKEND: backends[0]!, MNIST_EXAMPLE_TRAIN: '3000', MNIST_EXAMPLE_TEST: '500', MNIST_EXAMPLE_EPOCHS: '3' }, 300_000);
  assert.match(learned, /epochs run: 3/);
  const valAcc = Number(/epoch 3: .* val_acc (\S+)/.exec(learned)?.[1]);
  assert.ok(valAcc > 0.4, `deepts: validation accuracy after 3 epochs ${valAcc}`);
  const losses = epochLosses(learned);
  assert.ok(losses[2]! < losses[0]!, `the loss falls: ${losses.join(', ')}`);

  // The same small run on every deepts backend and in tfjs (whose cpu backend is slow): one step of 128 pictures.
  const small = { MNIST_EXAMPLE_TRAIN: '128', MNIST_EXAMPLE_TEST: '64', MNIST_EXAMPLE_EPOCHS: '1' };
  const theirs = await runExample(tfjsTwin('mnist-cnn.mjs'), small);
  assert.equal(line(theirs, 'output shape'), '[null,10]');
  assert.equal(line(theirs, 'weight shapes'), '[[5,5,1,8],[8],[5,5,8,16],[16],[256,10],[10]]');
  assert.equal(line(theirs, 'parameters'), '5994');
  const theirLoss = epochLosses(theirs)[0]!;
  for (const backend of backends) {
    const ours = await runExample(join(examples, 'mnist-cnn.mjs'), { ...small, DEEPTS_BACKEND: backend }, 300_000);
    for (const what of ['output shape', 'weight shapes', 'parameters']) assert.equal(line(ours, what), line(theirs, what), `${backend}: ${what}`);
    const ourLoss = epochLosses(ours)[0]!;
    // Both start near ln 10 ≈ 2.30 from different random weights.
    assert.ok(Math.abs(ourLoss - theirLoss) < 0.5 && Math.abs(ourLoss - Math.LN10) < 0.5, `${backend}: first-epoch loss ${ourLoss}, tfjs ${theirLoss}`);
  }
});

/** The tutorial's model, built by either library (same code: tfjs' option names). */
function tutorialModel<T extends { sequential(): unknown; layers: unknown }>(lib: T): unknown {
  const t = lib as unknown as typeof real;
  const model = t.sequential();
  model.add(t.layers.conv2d({ inputShape: [28, 28, 1], kernelSize: 5, filters: 8, strides: 1, activation: 'relu', kernelInitializer: 'varianceScaling' }));
  model.add(t.layers.maxPooling2d({ poolSize: [2, 2], strides: [2, 2] }));
  model.add(t.layers.conv2d({ kernelSize: 5, filters: 16, strides: 1, activation: 'relu', kernelInitializer: 'varianceScaling' }));
  model.add(t.layers.maxPooling2d({ poolSize: [2, 2], strides: [2, 2] }));
  model.add(t.layers.flatten());
  model.add(t.layers.dense({ units: 10, kernelInitializer: 'varianceScaling', activation: 'softmax' }));
  return model;
}

function randomArray(n: number, rng: Rng, lo = 0, hi = 1): number[] {
  return Array.from({ length: n }, () => rng.uniform(lo, hi));
}

test('given the same weights, tfjs and deepts/tfjs compute the same CNN predictions, loss and SGD step', async () => {
  const ours = tutorialModel(tf) as tf.LayersModel;
  const theirs = tutorialModel(real) as real.LayersModel;
  theirs.setWeights(ours.getWeights().map((w) => real.tensor(Array.from(w.dataSync()), w.shape)));
  const rng = new Rng(21);
  const n = 6;
  const xs = randomArray(n * 784, rng);
  const labels = Array.from({ length: n }, (_, i) => (i * 7) % 10);
  const ourX = tf.tensor4d(xs, [n, 28, 28, 1]);
  const theirX = real.tensor4d(xs, [n, 28, 28, 1]);
  assertClose(await (theirs.predict(theirX) as real.Tensor).data(), ours.predict(ourX).dataSync(), 1e-5, 'predictions');

  ours.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  theirs.compile({ optimizer: real.train.sgd(0.5), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const ourY = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  const theirY = real.oneHot(real.tensor1d(labels, 'int32'), 10);
  const ourEval = ours.evaluate(ourX, ourY) as tf.Tensor[];
  const theirEval = theirs.evaluate(theirX, theirY) as real.Tensor[];
  assertClose([ourEval[0]!.dataSync()[0]!], [(await theirEval[0]!.data())[0]!], 1e-5, 'loss');

  const ourHistory = await ours.fit(ourX, ourY, { batchSize: 3, epochs: 2, shuffle: false });
  const theirHistory = await theirs.fit(theirX, theirY, { batchSize: 3, epochs: 2, shuffle: false });
  assertClose(ourHistory.history['loss']!.map(Number), theirHistory.history['loss']!.map(Number), 1e-4, 'fit losses');
  const theirWeights = theirs.getWeights();
  ours.getWeights().forEach((w, i) => assertClose(w.dataSync(), theirWeights[i]!.dataSync(), 1e-4, `weight ${i} after 4 SGD steps`));
});

/** A tfjs IOHandler that writes model.json + weights.bin as tfjs-node's file:// handler does. */
function fileSaver(dir: string): real.io.IOHandler {
  return real.io.withSaveHandler(async (artifacts) => {
    mkdirSync(dir, { recursive: true });
    const { modelTopology, format, generatedBy, convertedBy } = artifacts;
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology, format, generatedBy, convertedBy, weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs ?? [] }] }));
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
    return { modelArtifactsInfo: real.io.getModelArtifactsInfoForJSON(artifacts) };
  });
}

/** Every conv-family layer deepts/tfjs covers, built by either library. */
function allConvLayers<T>(lib: T): unknown {
  const t = lib as unknown as typeof real;
  return t.sequential({
    layers: [
      t.layers.zeroPadding2d({ inputShape: [9, 8, 2], padding: [[1, 0], [2, 1]] }),
      t.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'relu' }),
      t.layers.batchNormalization({ momentum: 0.9, epsilon: 0.01 }),
      t.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'tanh' }),
      t.layers.separableConv2d({ filters: 5, kernelSize: 2, padding: 'valid', activation: 'elu' }),
      t.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid' }),
      t.layers.upSampling2d({ size: [2, 1] }),
      t.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      t.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      t.layers.dropout({ rate: 0.3 }),
      t.layers.conv2d({ filters: 6, kernelSize: 1, useBias: false }),
      t.layers.globalAveragePooling2d({}),
      t.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

test('tf.loadLayersModel reads a CNN saved by real tfjs (every conv layer), and real tfjs reads one deepts/tfjs saved', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-tfjs-conv-'));
  try {
    const rng = new Rng(22);
    const theirs = allConvLayers(real) as real.Sequential;
    // Moving statistics that are not the initial 0/1, so inference-mode BatchNormalization matters.
    const weights = theirs.getWeights().map((w) => real.tensor(randomArray(w.size, rng, 0.2, 1.2), w.shape));
    theirs.setWeights(weights);
    await theirs.save(fileSaver(join(dir, 'theirs')));
    const xs = randomArray(4 * 9 * 8 * 2, rng, -1, 1);
    const expected = await (theirs.predict(real.tensor4d(xs, [4, 9, 8, 2])) as real.Tensor).data();

    const fromDir = await tf.loadLayersModel(`file://${join(dir, 'theirs', 'model.json')}`);
    assert.deepEqual(fromDir.layers.map((l) => l.className), theirs.layers.map((l) => l.getClassName()));
    assertClose(fromDir.predict(tf.tensor4d(xs, [4, 9, 8, 2])).dataSync(), expected, 1e-5, 'deepts/tfjs vs tfjs on a tfjs save');
    const fromHandler = await tf.loadLayersModel(tf.io.fileSystemArtifacts ? { load: () => tf.io.fileSystemArtifacts(join(dir, 'theirs')) } : join(dir, 'theirs'));
    assertClose(fromHandler.predict(tf.tensor4d(xs, [4, 9, 8, 2])).dataSync(), expected, 1e-5, 'through an IOHandler');

    // And back: the same architecture built and saved by deepts/tfjs loads in tfjs.
    const ours = allConvLayers(tf) as tf.Sequential;
    ours.setWeights(weights.map((w) => tf.tensor(Array.from(w.dataSync()), w.shape)));
    await ours.save(`file://${join(dir, 'ours')}`);
    const json = JSON.parse(readFileSync(join(dir, 'ours', 'model.json'), 'utf8'));
    const back = await real.loadLayersModel(real.io.fromMemory(json.modelTopology, json.weightsManifest[0].weights, new Uint8Array(readFileSync(join(dir, 'ours', 'weights.bin'))).buffer));
    assertClose(await (back.predict(real.tensor4d(xs, [4, 9, 8, 2])) as real.Tensor).data(), expected, 1e-5, 'tfjs on a deepts/tfjs save');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tfjs conv options deepts lacks are refused by name', () => {
  assert.throws(() => tf.layers.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' }), /channelsLast/);
  assert.throws(() => tf.layers.upSampling2d({ interpolation: 'bilinear' }), /nearest/);
  // (batchNormalization's beta/gamma regularizers and constraints are taken now: test/regularizers.test.ts)
  assert.equal((tf.layers.batchNormalization({ gammaConstraint: 'nonNeg' }).getConfig() as { gammaConstraint?: { className: string } }).gammaConstraint?.className, 'NonNeg');
  assert.throws(() => tf.layers.conv2d({ filters: 2, kernelSize: [1, 2, 3] }), /kernelSize/);
});

test('functional CNNs cross in the tfjs format both ways: real tfjs (tf.model) → deepts, and deepts → real tfjs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-tfjs-fn-'));
  try {
    const rng = new Rng(23);
    // Built by real tfjs: two branches, a residual add, a concatenation and a shared dense layer.
    const input = real.input({ shape: [8, 8, 2], name: 'pixels' });
    const a = real.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as real.SymbolicTensor;
    const b = real.layers.batchNormalization().apply(real.layers.conv2d({ filters: 3, kernelSize: 1 }).apply(input)) as real.SymbolicTensor;
    const sum = real.layers.add().apply([a, b]) as real.SymbolicTensor;
    const pooled = real.layers.globalAveragePooling2d({}).apply(real.layers.maxPooling2d({ poolSize: 2 }).apply(sum)) as real.SymbolicTensor;
    const both = real.layers.concatenate().apply([pooled, real.layers.globalMaxPooling2d({}).apply(sum) as real.SymbolicTensor]) as real.SymbolicTensor;
    const shared = real.layers.dense({ units: 4, activation: 'tanh' });
    const out = real.layers.dense({ units: 2, activation: 'softmax' }).apply(real.layers.add().apply([shared.apply(both) as real.SymbolicTensor, shared.apply(real.layers.dense({ units: 6 }).apply(both)) as real.SymbolicTensor]) as real.SymbolicTensor) as real.SymbolicTensor;
    const theirs = real.model({ inputs: input, outputs: out });
    theirs.setWeights(theirs.getWeights().map((w) => real.tensor(randomArray(w.size, rng, 0.2, 1.2), w.shape)));
    await theirs.save(fileSaver(join(dir, 'theirs')));
    const xs = randomArray(3 * 8 * 8 * 2, rng, -1, 1);
    const expected = await (theirs.predict(real.tensor4d(xs, [3, 8, 8, 2])) as real.Tensor).data();
    const ours = await tf.loadLayersModel(`file://${join(dir, 'theirs')}`);
    assertClose(ours.predict(tf.tensor4d(xs, [3, 8, 8, 2])).dataSync(), expected, 1e-5, 'deepts on a tfjs functional save');

    // And back: deepts saves the loaded model in the tfjs format; real tfjs loads it.
    await ours.save(`file://${join(dir, 'ours')}`);
    const json = JSON.parse(readFileSync(join(dir, 'ours', 'model.json'), 'utf8'));
    assert.equal(json.modelTopology.class_name, 'Functional');
    const back = await real.loadLayersModel(real.io.fromMemory(json.modelTopology, json.weightsManifest[0].weights, new Uint8Array(readFileSync(join(dir, 'ours', 'weights.bin'))).buffer));
    assertClose(await (back.predict(real.tensor4d(xs, [3, 8, 8, 2])) as real.Tensor).data(), expected, 1e-5, 'tfjs on a deepts functional save');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
