/**
 * Keras 3 `.keras` files of functional models and conv layers, and compile_config: deepts reads
 * a compiled two-input functional CNN laid out as Keras writes one (built with h5py by
 * tools/keras/make-functional-fixture.py, not by deepts, expected outputs from numpy), in
 * Keras' layer order; functional and Sequential conv models saved by deepts read back with
 * identical predictions and compiled as they were saved.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import h5wasm, { type Group } from 'h5wasm';
import * as ort from 'onnxruntime-node';
import {
  Add, AveragePooling2D, BatchNormalization, Concatenate, Conv2D, Conv2DTranspose, Dense, DepthwiseConv2D, Dropout, Flatten,
  GlobalAveragePooling2D, GlobalMaxPooling2D, Input, InputLayer, MaxPooling2D, Model, Rng, SeparableConv2D, Sequential, Tensor,
  UpSampling2D, ZeroPadding2D, loadModel, saveModel, setSeed, Adam, losses,
} from '../src/index.js';
import { kerasGraphOf, kerasLayerOrder } from '../src/io/keras-graph.js';
import { assertClose, randomTensor } from './helpers.js';

const { CategoricalCrossentropy } = losses;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = join(root, 'test', 'fixtures', 'keras');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'deepts-keras-fn-'));

test('reads a compiled functional CNN laid out as Keras writes it, in Keras\' layer order, and compiles it as load_model does', async () => {
  const expected = JSON.parse(readFileSync(join(fixtures, 'functional_cnn.expected.json'), 'utf8')) as { image: number[][][][]; extra: number[][]; y: number[][] };
  const model = (await loadModel(join(fixtures, 'functional_cnn.keras'))) as unknown as Model<never>;
  // Keras' map_graph order: conv_b (made second) comes first, so its weights are layers/conv2d.
  assert.deepEqual(kerasLayerOrder(kerasGraphOf(model)).map((l) => l.name), ['image', 'conv_b', 'conv_a', 'bn', 'add', 'pool', 'gap', 'extra', 'concat', 'probs']);
  const x = [new Tensor(Float32Array.from(expected.image.flat(3)), [3, 6, 6, 2]), new Tensor(Float32Array.from(expected.extra.flat()), [3, 2])];
  const y = model.predict(x) as unknown as Tensor;
  assertClose(y.values, expected.y.flat(), 1e-5, 'deepts vs numpy');

  assert.ok(model.isCompiled, 'compile_config compiles the model');
  assert.equal(model.optimizer!.name, 'Adam');
  const config = model.optimizer!.getConfig();
  assert.equal(config.learningRate, 0.002);
  assert.equal(config['beta1'], 0.85);
  assert.deepEqual(model.compileConfig!.loss, ['categorical_crossentropy']);
  assert.deepEqual(model.metricNames, ['loss', 'accuracy']);
  const history = await model.fit(x, new Tensor(Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]), [3, 4]), { epochs: 1, verbose: 0 });
  assert.ok(Number.isFinite(history.history['loss']![0]!));
});

/** Every conv-family layer, merges, a shared layer, two inputs and two outputs. */
function functionalCnn(): Model<never> {
  const image = Input({ shape: [8, 7, 3], name: 'image' });
  const side = Input({ shape: [4], name: 'side' });
  const padded = new ZeroPadding2D([[1, 0], [0, 1]]).apply(image);
  const a = new Conv2D(4, 3, { padding: 'same', activation: 'relu' }).apply(padded);
  const b = new BatchNormalization().apply(new DepthwiseConv2D(3, { depthMultiplier: 2, padding: 'same' }).apply(padded));
  const c = new SeparableConv2D(4, 2, { padding: 'same', activation: 'tanh' }).apply(b);
  const merged = new Add().apply([a, c]);
  const up = new Conv2DTranspose(2, 3, { strides: 2, padding: 'same' }).apply(new MaxPooling2D(2).apply(merged));
  const map = new Conv2D(1, 1, { activation: 'sigmoid', name: 'map' }).apply(new UpSampling2D(1).apply(up));
  const pooled = new Concatenate().apply([new GlobalAveragePooling2D().apply(merged), new GlobalMaxPooling2D().apply(new AveragePooling2D(2, { padding: 'same' }).apply(merged))]);
  const shared = new Dense(6, { activation: 'relu' });
  const h = new Add().apply([shared.apply(new Dense(6).apply(side)), shared.apply(new Dropout(0.2).apply(new Dense(6).apply(pooled)))]);
  const probs = new Dense(3, { activation: 'softmax', name: 'probs' }).apply(h);
  return new Model({ inputs: [image, side], outputs: [probs, map], name: 'cnn_two_heads' }) as unknown as Model<never>;
}

test('a functional CNN saved to .keras reads back identically, compiled as it was, in Keras 3\'s functional config form', async () => {
  setSeed(31);
  const model = functionalCnn();
  model.compile({ optimizer: new Adam({ learningRate: 0.003, beta2: 0.99 }), loss: [new CategoricalCrossentropy({ fromLogits: false }), 'mse'], lossWeights: [1, 0.5], metrics: [['accuracy'], []] });
  const rng = new Rng(32);
  const x = [randomTensor([6, 8, 7, 3], rng), randomTensor([6, 4], rng)];
  const targets = [new Tensor(Float32Array.from({ length: 18 }, (_, i) => (i % 3 === (Math.floor(i / 3) % 3) ? 1 : 0)), [6, 3]), randomTensor([6, 8, 8, 1], rng, 0, 1)];
  await model.fit(x, targets, { epochs: 2, batchSize: 3, verbose: 0 });
  const ours = model.predict(x) as unknown as Tensor[];
  const dir = tmp();
  try {
    const file = join(dir, 'm.keras');
    await model.save(file);
    const files = unzipSync(readFileSync(file));
    const config = JSON.parse(strFromU8(files['config.json']!));
    assert.equal(config.class_name, 'Functional');
    assert.equal(config.module, 'keras.src.models.functional');
    assert.deepEqual(config.config.input_layers, [['image', 0, 0], ['side', 0, 0]]);
    assert.deepEqual(config.config.output_layers, [['probs', 0, 0], ['map', 0, 0]]);
    const byName = new Map((config.config.layers as { name: string; inbound_nodes: unknown[] }[]).map((l) => [l.name, l]));
    // Keras 3's node form: { args: [keras tensor], kwargs: {} } with keras_history [layer, node, tensor].
    const upName = (config.config.layers as { name: string; class_name: string }[]).find((l) => l.class_name === 'UpSampling2D')!.name;
    assert.deepEqual(byName.get('map')!.inbound_nodes, [{
      args: [{ class_name: '__keras_tensor__', config: { shape: [null, 8, 8, 2], dtype: 'float32', keras_history: [upName, 0, 0] } }], kwargs: {},
    }]);
    assert.deepEqual(byName.get('image')!.inbound_nodes, []);
    const shared = [...byName.values()].find((l) => (l.inbound_nodes as unknown[]).length === 2)!;
    assert.ok(shared, 'the shared Dense has two calls');
    const add = (config.config.layers as { class_name: string; inbound_nodes: { args: unknown[][] }[] }[]).find((l) => l.class_name === 'Add')!;
    assert.equal(add.inbound_nodes[0]!.args.length, 1, 'merge layers get their inputs as one list argument');
    assert.equal(add.inbound_nodes[0]!.args[0]!.length, 2);
    assert.equal(config.compile_config.optimizer.class_name, 'Adam');
    assert.equal(config.compile_config.optimizer.config.learning_rate, 0.003);
    assert.equal(config.compile_config.optimizer.config.beta_2, 0.99);
    assert.deepEqual(config.compile_config.loss, ['categorical_crossentropy', 'mean_squared_error']);
    assert.deepEqual(config.compile_config.loss_weights, [1, 0.5]);
    assert.deepEqual(config.compile_config.metrics, [['accuracy'], []]);

    // The h5 groups follow Keras' layer order, InputLayers included.
    const { FS } = (await h5wasm.ready) as unknown as { FS: { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void } };
    FS.writeFile('/fn-check.h5', files['model.weights.h5']!);
    const h5 = new h5wasm.File('/fn-check.h5', 'r');
    const groups = (h5.get('layers') as Group).keys();
    h5.close();
    FS.unlink('/fn-check.h5');
    for (const g of ['input_layer', 'input_layer_1', 'conv2d', 'conv2d_1', 'depthwise_conv2d', 'separable_conv2d', 'conv2d_transpose', 'batch_normalization', 'dense_3', 'add_1']) {
      assert.ok(groups.includes(g), `model.weights.h5 has layers/${g} (has ${groups.join(', ')})`);
    }

    const back = (await loadModel(file)) as unknown as Model<never>;
    const theirs = back.predict(x) as unknown as Tensor[];
    theirs.forEach((t, i) => assert.deepEqual(Array.from(t.values), Array.from(ours[i]!.values), `output ${i} identical`));
    assert.ok(back.isCompiled);
    assert.equal(back.optimizer!.getConfig()['beta2'], 0.99);
    assert.deepEqual(back.compileConfig!.lossWeights, [1, 0.5]);
    assert.deepEqual(back.metricNames, model.metricNames);
    await back.fit(x, targets, { epochs: 1, batchSize: 3, verbose: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Sequential CNN (the layers of `deepts cnn`) round-trips through .keras with its compile_config; logits losses keep from_logits', async () => {
  setSeed(33);
  const model = new Sequential([
    new InputLayer({ shape: [10, 10, 1] }), new Conv2D(4, 3, { activation: 'relu' }), new BatchNormalization(), new MaxPooling2D(2),
    new Conv2D(3, 2, { padding: 'same' }), new Flatten(), new Dropout(0.5), new Dense(5),
  ]);
  model.compile({ optimizer: 'rmsprop', loss: new CategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
  const x = randomTensor([4, 10, 10, 1], new Rng(34));
  const dir = tmp();
  try {
    const file = join(dir, 'cnn.keras');
    await model.save(file);
    const config = JSON.parse(strFromU8(unzipSync(readFileSync(file))['config.json']!));
    assert.equal(config.class_name, 'Sequential');
    assert.deepEqual(config.compile_config.loss, {
      module: 'keras.losses', class_name: 'CategoricalCrossentropy', registered_name: null,
      config: { reduction: 'sum_over_batch_size', name: 'categorical_crossentropy', from_logits: true },
    });
    assert.deepEqual(config.compile_config.metrics, ['accuracy']);
    assert.equal(config.config.layers[1].config.kernel_initializer.class_name, 'GlorotUniform');
    assert.equal(config.config.layers[2].config.gamma_initializer.class_name, 'Ones');
    const back = await loadModel(file);
    assert.deepEqual(Array.from((back.predict(x) as Tensor).values), Array.from((model.predict(x) as Tensor).values));
    assert.ok(back.isCompiled);
    assert.equal(back.optimizer!.name, 'RMSprop');
    assert.deepEqual(back.compileConfig!.lossClasses, model.compileConfig!.lossClasses);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deepts export turns a saved functional CNN into .keras (checked with h5py as Keras walks it when installed), ONNX and tfjs', async () => {
  setSeed(35);
  const model = functionalCnn();
  const rng = new Rng(36);
  const x = [randomTensor([2, 8, 7, 3], rng), randomTensor([2, 4], rng)];
  const ours = model.predict(x) as unknown as Tensor[];
  const dir = tmp();
  try {
    await saveModel(model, join(dir, 'saved'));
    const cli = join(root, 'dist', 'src', 'cli', 'main.js');
    for (const [format, target] of [['keras', 'm.keras'], ['tfjs', 'tfjs-dir'], ['onnx', 'm.onnx']] as const) {
      const said = execFileSync(process.execPath, [cli, 'export', '--format', format, join(dir, 'saved'), join(dir, target)]).toString();
      assert.match(said, new RegExp(`\\(${format}, `));
      if (format === 'onnx') continue;
      const back = (await loadModel(join(dir, target))) as unknown as Model<never>;
      (back.predict(x) as unknown as Tensor[]).forEach((t, i) => assert.deepEqual(Array.from(t.values), Array.from(ours[i]!.values), `${format}: output ${i}`));
    }
    // The ONNX file runs in ONNX Runtime with deepts' answers, inputs and outputs named after the layers.
    const session = await ort.InferenceSession.create(readFileSync(join(dir, 'm.onnx')));
    assert.deepEqual(session.inputNames, ['image', 'side']);
    assert.deepEqual(session.outputNames, ['probs', 'map']);
    const out = await session.run({
      image: new ort.Tensor('float32', Float32Array.from(x[0]!.values), [...x[0]!.shape]),
      side: new ort.Tensor('float32', Float32Array.from(x[1]!.values), [...x[1]!.shape]),
    });
    assertClose(out['probs']!.data as Float32Array, ours[0]!.values, 1e-5, 'ORT probs');
    assertClose(out['map']!.data as Float32Array, ours[1]!.values, 1e-5, 'ORT map');
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import h5py'], { stdio: 'ignore' });
    } catch {
      return; // h5py not installed here: the walk above in deepts is what counts
    }
    const report = execFileSync('/usr/bin/python3', [join(root, 'tools', 'keras', 'check.py'), join(dir, 'm.keras')]).toString();
    assert.match(report, /\nok\n$/);
    assert.match(report, /SeparableConv2D .* layers\/separable_conv2d /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
