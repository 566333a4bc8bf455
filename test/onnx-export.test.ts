/**
 * ONNX export checked with ONNX Runtime (onnxruntime-node, CPU): for the lecture's autoencoder,
 * both classifiers and a model using every activation and shape layer, ORT's outputs equal
 * deepts' predictions within 1e-5, at two batch sizes (the batch dimension is symbolic).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import {
  Activation, Dense, Dropout, Flatten, InputLayer, Normalization, Reshape, Sequential, Rng, setSeed,
  buildAutoencoder, buildClassifier, exportOnnx, saveModel, toOnnx, decodeOnnx, type Layer, type Model, type Tensor,
} from '../src/index.js';
import { assertClose, randomTensor } from './helpers.js';

async function runOrt(bytes: Uint8Array, x: Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  assert.deepEqual(session.inputNames, ['input']);
  assert.deepEqual(session.outputNames, ['output']);
  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x.values), [...x.shape]) });
  const y = out['output']!;
  return { data: y.data as Float32Array, dims: y.dims };
}

async function assertOrtMatches(model: Model, sample: number[], rng: Rng, lo = -1, hi = 1): Promise<void> {
  const bytes = toOnnx(model);
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('layers without an ONNX mapping and models without an input shape are refused with the reason', () => {
  assert.throws(() => toOnnx(new Sequential([new Dense(2)])), /no known input shape/);
});
