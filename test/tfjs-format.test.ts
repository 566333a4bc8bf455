/**
 * deepts ↔ TensorFlow.js Layers format, checked with tfjs itself: tfjs' loadLayersModel
 * reads deepts' saves and predicts the same; deepts reads what tfjs' model.save writes,
 * and a Keras-converter-style model.json that neither wrote (model_config wrapper, InputLayer, sharded weights).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Activation, Dense, Dropout, Flatten, InputLayer, Reshape, Sequential, loadModel, saveModel, Rng, Tensor } from '../src/index.js';
import { assertClose, randomTensor } from './helpers.js';

tf.env().set('IS_NODE', true);
await tf.setBackend('cpu');

/** A tfjs IOHandler that reads a model directory from disk (what tfjs-node's file:// does). */
function fileLoader(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const buffers = manifest.flatMap((g) => g.paths.map((p) => {
          const b = readFileSync(join(dir, p));
          return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
        }));
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/** A tfjs IOHandler that writes model.json + weights.bin as tfjs-node's file:// handler does. */
function fileSaver(dir: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    mkdirSync(dir, { recursive: true });
    const manifest = [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs ?? [] }];
    const { modelTopology, format, generatedBy, convertedBy, trainingConfig } = artifacts;
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology, format, generatedBy, convertedBy, weightsManifest: manifest, trainingConfig }));
    const data = artifacts.weightData as ArrayBuffer;
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(data));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'deepts-tfjs-'));

test('tfjs loadLayersModel reads a deepts save (tfjs format) and predicts the same', async () => {
  const model = new Sequential([
    new InputLayer({ shape: [4, 3] }), new Flatten(), new Dense(16, { activation: 'relu' }), new Dropout(0.25),
    new Dense(8, { activation: 'tanh', kernelInitializer: 'heNormal' }), new Reshape([2, 4]), new Flatten(),
    new Dense(5, { activation: 'sigmoid', useBias: false }), new Activation('softmax'),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const x = randomTensor([7, 4, 3], new Rng(3));
  const ours = model.predict(x);
  const dir = tmp();
  try {
    await model.save(dir, { format: 'tfjs' });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.equal(json.modelTopology.class_name, 'Sequential');
    assert.deepEqual(json.modelTopology.config.layers[0].config.batch_input_shape, [null, 4, 3]);
    assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
    assert.equal(json.trainingConfig.loss, 'categorical_crossentropy');
    assert.equal(json.trainingConfig.optimizer_config.class_name, 'Adam');

    const theirs = await tf.loadLayersModel(fileLoader(dir));
    assert.deepEqual(theirs.layers.map((l) => l.getClassName()), ['Flatten', 'Dense', 'Dropout', 'Dense', 'Reshape', 'Flatten', 'Dense', 'Activation']);
    const y = theirs.predict(tf.tensor(Array.from(x.values), [...x.shape])) as tf.Tensor;
    assert.deepEqual(y.shape, [7, 5]);
    assertClose(await y.data(), ours.values, 1e-5, 'tfjs vs deepts');
    // the training config came along: tfjs compiled the model with Adam
    assert.equal(theirs.optimizer?.getClassName(), 'Adam');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deepts loads a model saved by tfjs (model.save) and predicts the same', async () => {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 6, activation: 'relu', inputShape: [5] }));
  m.add(tf.layers.dropout({ rate: 0.3 }));
  m.add(tf.layers.reshape({ targetShape: [3, 2] }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 4, activation: 'elu', kernelInitializer: 'randomNormal' }));
  m.add(tf.layers.activation({ activation: 'softmax' }));
  m.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
  const dir = tmp();
  try {
    await m.save(fileSaver(dir), { includeOptimizer: true });
    const ours = await loadModel(dir);
    assert.deepEqual(ours.layers.map((l) => l.className), ['Dense', 'Dropout', 'Reshape', 'Flatten', 'Dense', 'Activation']);
    const x = randomTensor([9, 5], new Rng(8));
    const expected = await (m.predict(tf.tensor(Array.from(x.values), [...x.shape])) as tf.Tensor).data();
    assertClose(ours.predict(x).values, expected, 1e-5, 'deepts vs tfjs');
    // the loaded model trains on: compile and fit without complaint
    ours.compile({ optimizer: 'sgd', loss: 'mse' });
    await ours.fit(x, randomTensor([9, 4], new Rng(2)), { epochs: 1, verbose: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deepts reads a Keras-converter model.json it did not write: model_config, InputLayer, sharded weights', async () => {
  const dir = tmp();
  try {
    const kernel = Float32Array.from({ length: 6 }, (_, i) => (i - 2.5) / 3);
    const bias = Float32Array.of(0.5, -0.25);
    const topology = {
      keras_version: '2.15.0', backend: 'tensorflow',
      model_config: {
        class_name: 'Sequential',
        config: {
          name: 'sequential', layers: [
            { class_name: 'InputLayer', config: { batch_input_shape: [null, 3], dtype: 'float32', sparse: false, ragged: false, name: 'dense_input' } },
            { class_name: 'Dense', config: {
              name: 'dense', trainable: true, dtype: 'float32', units: 2, activation: 'sigmoid', use_bias: true,
              kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } },
              bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, bias_regularizer: null,
              activity_regularizer: null, kernel_constraint: null, bias_constraint: null } },
          ],
        },
      },
    };
    const all = new Uint8Array(32);
    all.set(new Uint8Array(kernel.buffer), 0);
    all.set(new Uint8Array(bias.buffer), 24);
    writeFileSync(join(dir, 'group1-shard1of2.bin'), all.subarray(0, 20));
    writeFileSync(join(dir, 'group1-shard2of2.bin'), all.subarray(20));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({
      format: 'layers-model', generatedBy: 'keras v2.15.0', convertedBy: 'TensorFlow.js Converter v4.22.0', modelTopology: topology,
      weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: [
        { name: 'dense/kernel', shape: [3, 2], dtype: 'float32' }, { name: 'dense/bias', shape: [2], dtype: 'float32' }] }],
    }));
    const model = await loadModel(dir);
    const x = new Tensor(Float32Array.of(1, 2, 3, -1, 0, 0.5), [2, 3]);
    const expected: number[] = [];
    for (let r = 0; r < 2; r++) {
      for (let j = 0; j < 2; j++) {
        let z = bias[j]!;
        for (let i = 0; i < 3; i++) z += x.values[r * 3 + i]! * kernel[i * 2 + j]!;
        expected.push(1 / (1 + Math.exp(-z)));
      }
    }
    assertClose(model.predict(x).values, expected, 1e-6);
    // tfjs agrees on the same files
    const theirs = await tf.loadLayersModel(fileLoader(dir));
    assertClose(await (theirs.predict(tf.tensor(Array.from(x.values), [2, 3])) as tf.Tensor).data(), expected, 1e-6, 'tfjs');

    // damaged or foreign files are refused with a clear message before anything is built
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: {} }));
    await assert.rejects(loadModel(dir), /format 'graph-model'/);
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ['../x.bin'], weights: [] }] }));
    await assert.rejects(loadModel(dir), /plain file name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('models saved by deepts 0.1 (format deepts-model) still load', async () => {
  const { saveLegacyModel } = await import('../src/io/model-io.js');
  const model = new Sequential([new Dense(3, { inputShape: [2], activation: 'relu' }), new Dense(1)]);
  const dir = tmp();
  try {
    await saveLegacyModel(model, dir);
    assert.equal(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).format, 'deepts-model');
    const x = randomTensor([4, 2], new Rng(1));
    assert.deepEqual(Array.from((await loadModel(dir)).predict(x).values), Array.from(model.predict(x).values));
    // saving again writes the tfjs format
    await saveModel(model, dir);
    assert.equal(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).format, 'layers-model');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tfjs loads deepts Embedding, LayerNormalization, GlobalAveragePooling1D, regularizers and constraints, and predicts the same', async () => {
  const { Embedding, LayerNormalization, GlobalAveragePooling1D, regularizers, constraints, setSeed } = await import('../src/index.js');
  setSeed(4);
  const model = new Sequential([
    new InputLayer({ shape: [5] }),
    new Embedding(12, 4, { embeddingsRegularizer: regularizers.l1(0.001) }),
    new LayerNormalization({ gammaRegularizer: regularizers.l2(0.01) }),
    new GlobalAveragePooling1D(),
    new Dense(3, { activation: 'softmax', kernelRegularizer: regularizers.l1l2({ l1: 0.01, l2: 0.02 }), kernelConstraint: constraints.maxNorm({ maxValue: 1.5 }), biasConstraint: constraints.nonNeg() }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  // give LayerNormalization's gamma/beta values other than 1/0, so the comparison sees them
  model.layers[1]!.setWeights([randomTensor([4], new Rng(1), 0.5, 1.5), randomTensor([4], new Rng(2))]);
  const x = new Tensor(Float32Array.from([1, 5, 7, 11, 2, 3, 3, 9, 10, 4]), [2, 5]);
  const ours = model.predict(x);
  const dir = tmp();
  try {
    await model.save(dir);
    const theirs = await tf.loadLayersModel(fileLoader(dir));
    assert.deepEqual(theirs.layers.map((l) => l.getClassName()), ['Embedding', 'LayerNormalization', 'GlobalAveragePooling1D', 'Dense']);
    const y = theirs.predict(tf.tensor(Array.from(x.values), [2, 5])) as tf.Tensor;
    assertClose(await y.data(), ours.values, 1e-5, 'tfjs vs deepts');
    const dense = theirs.layers[3]!.getConfig();
    assert.deepEqual(dense['kernelRegularizer'], { className: 'L1L2', config: { l1: 0.01, l2: 0.02 } });
    assert.deepEqual(dense['kernelConstraint'], { className: 'MaxNorm', config: { maxValue: 1.5, axis: 0 } });
    assert.equal((theirs.layers[0]!.getConfig()['embeddingsRegularizer'] as { className: string }).className, 'L1L2');
    // and back: tfjs' save of that model loads in deepts with the same regularizers and constraints
    const again = tmp();
    try {
      await theirs.save(fileSaver(again));
      const back = await loadModel(again);
      const d = back.layers.find((l) => l.className === 'Dense') as Dense;
      assert.deepEqual([d.kernel!.regularizer?.l1, d.kernel!.regularizer?.l2], [0.01, 0.02]);
      assert.equal(d.kernel!.constraint?.className, 'MaxNorm');
      assert.equal(d.bias!.constraint?.className, 'NonNeg');
      assertClose(back.predict(x).values, ours.values, 1e-6, 'round trip through tfjs');
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
