/**
 * ONNX export checked with ONNX Runtime (onnxruntime-node, CPU): for the lecture's autoencoder,
 * both classifiers and a model using every activation and shape layer, ORT's outputs equal
 * deepts' predictions within 1e-5, at two batch sizes (the batch dimension is symbolic).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import {
  Activation, Dense, Dropout, Flatten, InputLayer, Normalization, Reshape, Sequential, Rng, setSeed,
  buildAutoencoder, buildClassifier, exportOnnx, saveModel, loadModel, toOnnx, decodeOnnx, type Layer, type Model, type Tensor,
  Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D,
  BatchNormalization, ZeroPadding2D, UpSampling2D, SpatialDropout2D, Add, Concatenate, Multiply, Average, Subtract, Maximum, Input, Lambda, Model as KerasModel,
} from '../src/index.js';
import { buildConvnet } from '../src/models/mnist-models.js';
import { assertClose, randomTensor } from './helpers.js';

async function runOrt(bytes: Uint8Array, x: Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  assert.deepEqual(session.inputNames, ['input']);
  assert.deepEqual(session.outputNames, ['output']);
  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x.values), [...x.shape]) });
  const y = out['output']!;
  return { data: y.data as Float32Array, dims: y.dims };
}

/** Runs the official checker (Debian's python3-onnx) on the file when it is installed; CI installs it. */
function pythonOnnxCheck(bytes: Uint8Array): void {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx'], { stdio: 'ignore' });
  } catch {
    return; // not installed here: ONNX Runtime's check above is the one that counts
  }
  const dir = mkdtempSync(join(tmpdir(), 'deepts-onnx-check-'));
  try {
    const file = join(dir, 'm.onnx');
    writeFileSync(file, bytes);
    const out = execFileSync('/usr/bin/python3', [join(import.meta.dirname, '..', '..', 'tools', 'onnx', 'check.py'), file]).toString();
    assert.match(out, /^ok /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function assertOrtMatches(model: Model, sample: number[], rng: Rng, lo = -1, hi = 1): Promise<void> {
  const bytes = toOnnx(model);
  pythonOnnxCheck(bytes);
  for (const batch of [1, 5]) {
    const x = randomTensor([batch, ...sample], rng, lo, hi);
    const ours = model.predict(x);
    const theirs = await runOrt(bytes, x);
    assert.deepEqual([...theirs.dims], [...ours.shape]);
    assertClose(theirs.data, ours.values, 1e-5, `ORT vs deepts (batch ${batch})`);
  }
}

/** A few optimizer steps, so the weights are not just their initial values. */
async function nudge(model: Model, sample: number[], outShape: number[], loss: 'mse' | 'categorical_crossentropy' = 'mse'): Promise<void> {
  const rng = new Rng(9);
  model.compile({ optimizer: 'adam', loss });
  const y = loss === 'mse' ? randomTensor([32, ...outShape], rng, 0, 1) : randomTensor([32, ...outShape], rng, 0, 1);
  await model.fit(randomTensor([32, ...sample], rng, 0, 1), y, { epochs: 2, batchSize: 16, verbose: 0 });
}

test('the lecture autoencoder exported to ONNX runs in ONNX Runtime with the same outputs', async () => {
  setSeed(1);
  const model = buildAutoencoder();
  await nudge(model, [28, 28], [28, 28]);
  await assertOrtMatches(model, [28, 28], new Rng(4), 0, 1);
});

test('the MNIST classifiers exported to ONNX give the same probabilities in ONNX Runtime', async () => {
  setSeed(2);
  for (const kind of ['course', 'default'] as const) {
    const model = buildClassifier(kind);
    await assertOrtMatches(model, [28, 28], new Rng(5), 0, 1);
  }
});

test('every activation, Activation/Dropout/Reshape/Flatten and Normalization (plain and inverted) export exactly', async () => {
  setSeed(3);
  const acts = ['relu', 'sigmoid', 'tanh', 'elu', 'selu', 'leakyRelu', 'softplus', 'softsign', 'relu6', 'swish', 'silu', 'gelu', 'hardSigmoid', 'linear'];
  const norm = new Normalization();
  norm.adapt(randomTensor([50, 6], new Rng(7), -3, 5));
  const layers: Layer[] = [new InputLayer({ shape: [2, 3] }), new Flatten(), norm];
  for (const a of acts) layers.push(new Dense(6, { activation: a }));
  layers.push(new Dropout(0.5), new Reshape([3, 2]), new Activation('softmax'), new Reshape([-1]), new Dense(4, { activation: 'exponential' }));
  layers.push(new Activation('logSoftmax'), new Normalization({ mean: [1, 2, 3, 4], variance: [1, 4, 9, 0], invert: true }));
  const model = new Sequential(layers);
  await assertOrtMatches(model, [2, 3], new Rng(6), -2, 2);
});

test('the CNN of `deepts cnn` (plain and with its augmentation layers) gives the same probabilities in ONNX Runtime', async () => {
  setSeed(4);
  const model = buildConvnet();
  await nudge(model, [28, 28, 1], [10]);
  await assertOrtMatches(model, [28, 28, 1], new Rng(8), 0, 1);
  // Augmentation layers are identity at inference, so they export as nothing.
  const augmented = buildConvnet({ augment: true, flip: true });
  await assertOrtMatches(augmented, [28, 28, 1], new Rng(9), 0, 1);
});

test('every conv, pool, padding, upsampling and BatchNormalization layer in a Sequential model exports exactly', async () => {
  setSeed(5);
  const model = new Sequential([
    new InputLayer({ shape: [11, 10, 3] }),
    new ZeroPadding2D([[1, 2], [0, 1]]),
    new Conv2D(4, [3, 2], { padding: 'same', strides: 2, activation: 'relu' }),
    new BatchNormalization(),
    new DepthwiseConv2D(3, { depthMultiplier: 2, padding: 'same', activation: 'tanh' }),
    new SeparableConv2D(5, 2, { depthMultiplier: 2, dilationRate: 2, padding: 'valid' }),
    new Conv2DTranspose(3, 3, { strides: 2, padding: 'same', activation: 'sigmoid' }),
    new Conv2DTranspose(2, [2, 3], { strides: [3, 2], padding: 'valid' }),
    new Conv2DTranspose(2, 1, { strides: 2, padding: 'same', useBias: false }),
    new UpSampling2D([2, 1]),
    new UpSampling2D([2, 3], { interpolation: 'bilinear' }),
    new SpatialDropout2D(0.3),
    new AveragePooling2D(3, { strides: 2, padding: 'same' }),
    new MaxPooling2D(2, { strides: 1, padding: 'same' }),
    new Conv2D(3, 1, { dilationRate: 1, activation: 'softmax' }),
    new MaxPooling2D([2, 3]),
    new Flatten(),
    new Dense(6, { activation: 'gelu' }),
    new BatchNormalization({ center: false }),
    new Dense(3, { activation: 'softmax' }),
  ]);
  await nudge(model, [11, 10, 3], [3]);
  await assertOrtMatches(model, [11, 10, 3], new Rng(10), -2, 2);
  const pooled = new Sequential([
    new InputLayer({ shape: [6, 7, 2] }), new Conv2D(3, 3), new GlobalMaxPooling2D({ keepdims: true }), new Conv2D(2, 1), new GlobalAveragePooling2D(),
  ]);
  await assertOrtMatches(pooled, [6, 7, 2], new Rng(11));
});

test('a functional model (two inputs, two outputs, residual Add, Concatenate, merges) exports with named inputs and outputs', async () => {
  setSeed(6);
  const image = Input({ shape: [8, 8, 2], name: 'image' });
  const extra = Input({ shape: [4], name: 'extra' });
  const a = new Conv2D(4, 3, { padding: 'same', activation: 'relu' }).apply(image);
  const b = new BatchNormalization().apply(new Conv2D(4, 1).apply(image));
  const sum = new Add().apply([a, b]);
  const both = new Concatenate().apply([sum, new Multiply().apply([a, b])]);
  const pooled = new GlobalAveragePooling2D().apply(new MaxPooling2D(2).apply(both));
  const mixed = new Concatenate({ name: 'mixed' }).apply([pooled, new Dense(3, { activation: 'tanh' }).apply(extra)]);
  const shared = new Dense(5, { activation: 'relu' });
  const h1 = shared.apply(mixed);
  const h2 = shared.apply(new Dense(11).apply(mixed));
  const merged = new Average().apply([h1, h2, new Maximum().apply([h1, h2]), new Subtract().apply([h1, h2])]);
  const probs = new Dense(3, { activation: 'softmax', name: 'probs' }).apply(merged);
  const map = new Conv2D(1, 2, { padding: 'same', name: 'map' }).apply(new Add().apply([sum, a, b]));
  const model = new KerasModel({ inputs: [image, extra], outputs: [probs, map], name: 'two_heads' });
  model.compile({ optimizer: 'adam', loss: ['mse', 'mse'] });
  const rng = new Rng(12);
  await model.fit([randomTensor([16, 8, 8, 2], rng), randomTensor([16, 4], rng)], [randomTensor([16, 3], rng, 0, 1), randomTensor([16, 8, 8, 1], rng)], { epochs: 2, batchSize: 8, verbose: 0 });
  const bytes = toOnnx(model as unknown as Model);
  pythonOnnxCheck(bytes);
  const session = await ort.InferenceSession.create(bytes);
  assert.deepEqual(session.inputNames, ['image', 'extra']);
  assert.deepEqual(session.outputNames, ['probs', 'map']);
  for (const batch of [1, 4]) {
    const xs = [randomTensor([batch, 8, 8, 2], rng), randomTensor([batch, 4], rng)];
    const ours = model.predict(xs) as Tensor[];
    const out = await session.run({
      image: new ort.Tensor('float32', Float32Array.from(xs[0]!.values), [...xs[0]!.shape]),
      extra: new ort.Tensor('float32', Float32Array.from(xs[1]!.values), [...xs[1]!.shape]),
    });
    for (const [i, name] of ['probs', 'map'].entries()) {
      assert.deepEqual([...out[name]!.dims], [...ours[i]!.shape]);
      assertClose(out[name]!.data as Float32Array, ours[i]!.values, 1e-5, `${name} (batch ${batch})`);
    }
  }
});

test('a fully convolutional model exports with symbolic height and width', async () => {
  setSeed(7);
  const model = new Sequential([new InputLayer({ shape: [null, null, 1] }), new Conv2D(2, 3, { padding: 'same', activation: 'relu' }), new MaxPooling2D(2), new UpSampling2D(2), new Conv2D(1, 1, { activation: 'sigmoid' })]);
  const bytes = toOnnx(model);
  pythonOnnxCheck(bytes);
  for (const size of [[6, 8], [10, 4]] as const) {
    const x = randomTensor([2, size[0], size[1], 1], new Rng(13));
    const theirs = await runOrt(bytes, x);
    const ours = model.predict(x);
    assert.deepEqual([...theirs.dims], [...ours.shape]);
    assertClose(theirs.data, ours.values, 1e-5, `ORT vs deepts ${size.join('×')}`);
  }
});

test('the ONNX file: opset 17, named input/output with a symbolic batch, weights as initializers; exportOnnx writes it', async () => {
  const model = new Sequential([new Dense(3, { inputShape: [4], activation: 'relu' }), new Dense(2)]);
  const decoded = decodeOnnx(toOnnx(model)) as {
    irVersion: number; opsetImport: { version: number }[];
    graph: { input: { name: string; type: { tensorType: { shape: { dim: { dimParam?: string; dimValue?: number }[] } } } }[]; output: { name: string }[]; initializer: { name: string; dims: number[] }[]; node: { opType: string }[] };
  };
  assert.equal(decoded.irVersion, 8);
  assert.equal(decoded.opsetImport[0]!.version, 17);
  assert.equal(decoded.graph.input[0]!.name, 'input');
  assert.deepEqual(decoded.graph.input[0]!.type.tensorType.shape.dim, [{ dimParam: 'batch' }, { dimValue: 4 }]);
  assert.equal(decoded.graph.output[0]!.name, 'output');
  assert.deepEqual(decoded.graph.initializer.map((t) => t.dims), [[4, 3], [3], [3, 2], [2]]);
  assert.deepEqual(decoded.graph.node.map((n) => n.opType), ['MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Identity']);

  const dir = mkdtempSync(join(tmpdir(), 'deepts-onnx-'));
  try {
    await exportOnnx(model, join(dir, 'm.onnx'));
    const x = randomTensor([3, 4], new Rng(1));
    assertClose((await runOrt(readFileSync(join(dir, 'm.onnx')), x)).data, model.predict(x).values, 1e-5);

    // the CLI: deepts export --format onnx MODEL_DIR out.onnx
    await saveModel(model, join(dir, 'saved'));
    const cli = join(import.meta.dirname, '..', 'src', 'cli', 'main.js');
    const out = execFileSync(process.execPath, [cli, 'export', '--format', 'onnx', join(dir, 'saved'), join(dir, 'cli.onnx')]).toString();
    assert.match(out, /cli\.onnx/);
    assertClose((await runOrt(readFileSync(join(dir, 'cli.onnx')), x)).data, model.predict(x).values, 1e-5, 'CLI export');
    // --format tfjs (a folder) and --format keras (a .keras file) load back and predict the same
    for (const [format, target] of [['tfjs', 'tfjs-out'], ['keras', 'm.keras']] as const) {
      const said = execFileSync(process.execPath, [cli, 'export', '--format', format, join(dir, 'saved'), join(dir, target)]).toString();
      assert.match(said, new RegExp(`${target.replace('.', '\\.')} \\(${format}`));
      assertClose((await loadModel(join(dir, target))).predict(x).values, model.predict(x).values, 1e-6, `CLI export --format ${format}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('layers without an ONNX mapping and models without an input shape are refused with the reason', () => {
  assert.throws(() => toOnnx(new Sequential([new Dense(2)])), /no known input shape/);
  const lambda = new Sequential([new InputLayer({ shape: [3] }), new Lambda((x) => x as Tensor, { name: 'custom' })]);
  assert.throws(() => toOnnx(lambda), /layer 'custom' \(Lambda\) has no ONNX mapping/);
});
