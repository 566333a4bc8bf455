/**
 * Keras 3 `.keras` files: deepts reads archives laid out exactly as Keras' saving_lib writes
 * them (fixtures built with h5py by tools/keras/make-fixtures.py, expected outputs from numpy),
 * and a model saved to .keras by deepts reads back with identical predictions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import h5wasm, { type Dataset, type Group } from 'h5wasm';
import {
  Activation, Dense, Dropout, Flatten, InputLayer, Normalization, Reshape, Sequential, Rng, Tensor, loadModel, setSeed, type Layer,
} from '../src/index.js';
import { kerasLayerPaths, kerasSnakeCase } from '../src/io/keras-format.js';
import { assertClose, randomTensor } from './helpers.js';

const fixtures = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'test', 'fixtures', 'keras');

test('Keras naming: to_snake_case and class-numbered layer groups', () => {
  assert.equal(kerasSnakeCase('Dense'), 'dense');
  assert.equal(kerasSnakeCase('BatchNormalization'), 'batch_normalization');
  assert.equal(kerasSnakeCase('Conv2D'), 'conv2d');
  assert.equal(kerasSnakeCase('MaxPooling2D'), 'max_pooling2d');
  const layers = [new Dense(2), new Dropout(0.1), new Dense(3), new Dense(1)];
  assert.deepEqual(kerasLayerPaths(layers), ['layers/dense', 'layers/dropout', 'layers/dense_1', 'layers/dense_2']);
});

for (const name of ['classifier', 'normalized']) {
  test(`reads a Keras-layout .keras file it did not write (${name}) and predicts as numpy does`, async () => {
    const expected = JSON.parse(readFileSync(join(fixtures, `${name}.expected.json`), 'utf8')) as { x: number[][]; shape: number[]; y: number[][] };
    const model = await loadModel(join(fixtures, `${name}.keras`));
    const y = model.predict(new Tensor(Float32Array.from(expected.x.flat()), expected.shape)) as Tensor;
    assertClose(y.values, expected.y.flat(), 1e-5, `${name} vs numpy`);
  });
}

test('the fixture layer names survive, weights are matched by class order, not by name', async () => {
  const model = (await loadModel(join(fixtures, 'classifier.keras'))) as unknown as Sequential;
  assert.deepEqual(model.layers.map((l) => `${l.className}:${l.name}`), ['Dense:hidden', 'Dropout:dropout', 'Dense:hidden_2', 'Dense:probs']);
});

test('a model saved as .keras reads back with identical predictions; the archive has Keras layout', async () => {
  setSeed(4);
  const adapted = new Normalization();
  adapted.adapt(randomTensor([40, 6], new Rng(2), -2, 7));
  const layers: Layer[] = [
    new InputLayer({ shape: [2, 3] }), new Flatten(), adapted, new Dense(8, { activation: 'gelu', kernelInitializer: 'heNormal' }), new Dropout(0.3),
    new Dense(6, { activation: 'leakyRelu', useBias: false }), new Normalization({ mean: [0, 1, 2, 3, 4, 5], variance: [1, 1, 4, 4, 9, 0] }),
    new Reshape([3, 2]), new Activation('softmax'), new Flatten(), new Dense(3, { activation: 'sigmoid' }),
  ];
  const model = new Sequential(layers, { name: 'roundtrip' });
  const x = randomTensor([5, 2, 3], new Rng(3), -3, 3);
  const before = model.predict(x) as Tensor;
  const dir = mkdtempSync(join(tmpdir(), 'deepts-keras-'));
  try {
    const path = join(dir, 'model.keras');
    await model.save(path);
    const loaded = await loadModel(path);
    assert.deepEqual(Array.from((loaded.predict(x) as Tensor).values), Array.from(before.values));

    const files = unzipSync(readFileSync(path));
    assert.deepEqual(Object.keys(files).sort(), ['config.json', 'metadata.json', 'model.weights.h5']);
    const config = JSON.parse(strFromU8(files['config.json']!));
    assert.equal(config.class_name, 'Sequential');
    assert.equal(config.config.layers[0].class_name, 'InputLayer');
    assert.deepEqual(config.config.layers[0].config.batch_shape, [null, 2, 3]);
    assert.deepEqual(config.config.layers[3].build_config, { input_shape: [null, 6] });
    assert.equal(config.config.layers[3].config.kernel_initializer.class_name, 'HeNormal');
    assert.match(JSON.parse(strFromU8(files['metadata.json']!)).keras_version, /^3\./);

    const { FS } = (await h5wasm.ready) as unknown as { FS: { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void } };
    FS.writeFile('/check.h5', files['model.weights.h5']!);
    const f = new h5wasm.File('/check.h5', 'r');
    try {
      assert.deepEqual(f.keys().sort(), ['layers', 'vars']);
      assert.deepEqual((f.get('layers') as Group).keys().sort(),
        ['dense', 'dense_1', 'dense_2', 'dropout', 'flatten', 'flatten_1', 'normalization', 'normalization_1', 'reshape', 'activation'].sort());
      assert.deepEqual((f.get('layers/normalization/vars') as Group).keys(), ['0', '1', '2']);
      assert.equal((f.get('layers/normalization/vars/2') as Dataset).dtype, '<q');
      // a Normalization given mean/variance owns no variables in Keras
      assert.deepEqual((f.get('layers/normalization_1/vars') as Group).keys(), []);
      assert.deepEqual((f.get('layers/dense_1/vars') as Group).keys(), ['0']);
      assert.deepEqual((f.get('layers/dense/vars/0') as Dataset).shape, [6, 8]);
    } finally {
      f.close();
      FS.unlink('/check.h5');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('broken .keras files are refused with the reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-keras-bad-'));
  try {
    writeFileSync(join(dir, 'a.keras'), 'not a zip');
    await assert.rejects(loadModel(join(dir, 'a.keras')), /not a zip archive/);
    const { zipSync, strToU8 } = await import('fflate');
    writeFileSync(join(dir, 'b.keras'), zipSync({ 'metadata.json': strToU8('{}') }));
    await assert.rejects(loadModel(join(dir, 'b.keras')), /config\.json is missing/);
    await assert.rejects(new Sequential([new Dense(1)]).save(join(dir, 'c.keras')), /input shape is unknown/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
