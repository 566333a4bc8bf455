/**
 * Each friction a Keras user met porting the course's notebooks (issue 9), written the way
 * the user wrote it. Every test here failed before the fix it covers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Adagrad, Adam, AdamW, Adamax, Dense, EarlyStopping, Input, InputLayer, Layer, Model, RMSprop, SGD, Sequential, Tensor, loadModel, losses, metrics, ops,
  setSeed, tensor, type CallArgs, type LayerShape, type TextOutput, type Variable,
} from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import { randomTensor } from './helpers.js';

const silent: TextOutput = { write: () => {}, isTTY: false };

function regressionData(n = 64, seed = 1): { x: Tensor; y1: Tensor; yCol: Tensor } {
  const rng = new Rng(seed);
  const x = randomTensor([n, 3], rng);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = 2 * x.values[i * 3]! - x.values[i * 3 + 1]! + 0.5;
  return { x, y1: new Tensor(y, [n]), yCol: new Tensor(Float32Array.from(y), [n, 1]) };
}

test('targets of shape (n,) train a model whose output is (n, 1), as Keras accepts', async () => {
  const { x, y1, yCol } = regressionData();
  const make = () => {
    setSeed(4);
    const m = new Sequential([new Dense(8, { inputShape: [3], activation: 'relu' }), new Dense(1)]);
    m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
    return m;
  };
  const a = make();
  const ha = await a.fit(x, y1, { epochs: 3, batchSize: 16, verbose: 0 });
  const b = make();
  const hb = await b.fit(x, yCol, { epochs: 3, batchSize: 16, verbose: 0 });
  assert.deepEqual(ha.history['loss'], hb.history['loss']);
  assert.deepEqual(await a.evaluate(x, y1, { verbose: 0 }), await b.evaluate(x, yCol, { verbose: 0 }));
  // and the loss functions themselves squeeze/expand the same way
  const pred = a.predict(x);
  assert.deepEqual(Array.from(losses.meanSquaredError(y1, pred).values), Array.from(losses.meanSquaredError(yCol, pred).values));
});

test('losses and metrics in Keras three forms: names, classes with new, functions', async () => {
  assert.equal(typeof losses.MeanSquaredError, 'function');
  const sce = new losses.SparseCategoricalCrossentropy({ fromLogits: true });
  const logits = tensor([[2, 0, -1], [0, 1, 3]]);
  const labels = tensor([0, 1]);
  const perSample = losses.sparseCategoricalCrossentropy(labels, logits, true);
  assert.deepEqual(perSample.shape, [2]);
  assert.ok(Math.abs(sce.call(labels, logits).item() - (perSample.values[0]! + perSample.values[1]!) / 2) < 1e-6);
  // Keras' mean_squared_error gives one value per sample
  const mse = losses.meanSquaredError(tensor([[1, 2], [3, 4]]), tensor([[1, 4], [3, 3]]));
  assert.deepEqual(Array.from(mse.values), [2, 0.5]);
  assert.ok(Math.abs(new losses.MeanSquaredError().call(tensor([[1, 2], [3, 4]]), tensor([[1, 4], [3, 3]])).item() - 1.25) < 1e-6);

  const acc = new metrics.SparseCategoricalAccuracy();
  acc.updateState(labels, logits);
  assert.equal(acc.result(), 0.5);
  acc.resetState();
  assert.equal(acc.result(), 0);
  assert.deepEqual(Array.from(metrics.categoricalAccuracy(tensor([[1, 0], [0, 1]]), tensor([[0.9, 0.1], [0.8, 0.2]])).values), [1, 0]);

  setSeed(1);
  const model = new Sequential([new Dense(3, { inputShape: [2] })]);
  model.compile({ optimizer: 'adam', loss: new losses.SparseCategoricalCrossentropy({ fromLogits: true }), metrics: [new metrics.SparseCategoricalAccuracy(), 'accuracy'] });
  const h = await model.fit(tensor([[0, 1], [1, 0], [1, 1]]), tensor([0, 1, 2]), { epochs: 1, verbose: 0 });
  assert.deepEqual(Object.keys(h.history), ['loss', 'sparse_categorical_accuracy', 'accuracy']);
  // a loss function works in compile too (fit averages its per-sample values)
  model.compile({ optimizer: 'sgd', loss: losses.meanSquaredError });
  await model.fit(tensor([[0, 1]]), tensor([[0, 1, 0]]), { verbose: 0 });
  assert.throws(() => model.compile({ optimizer: 'sgd', loss: losses.MeanSquaredError as never }), /pass an instance, new MeanSquaredError\(\)/);
});

test('every optimizer takes the learning rate as its first argument, or an options object', () => {
  assert.equal(new RMSprop(0.001).learningRate, 0.001);
  assert.equal(new SGD(0.1).learningRate, 0.1);
  assert.equal(new Adam(0.02).learningRate, 0.02);
  assert.equal(new Adamax(0.003).learningRate, 0.003);
  assert.equal(new Adagrad(0.5).learningRate, 0.5);
  assert.equal(new RMSprop({ learningRate: 0.01, rho: 0.8 }).rho, 0.8);
  assert.equal(new SGD().learningRate, 0.01);
});

test("Keras' shape, inputShape and batchSize are accepted where Keras accepts them", () => {
  const a = new Sequential([new InputLayer({ inputShape: [4] }), new Dense(2)]);
  const b = new Sequential([new InputLayer({ shape: [4], batchSize: 8 }), new Dense(2)]);
  const c = new Sequential([new Dense(2, { inputShape: [4], batchSize: 8 })]);
  const lines: string[] = [];
  for (const m of [a, b, c]) m.summary((l) => lines.push(l));
  assert.match(lines[0]!, /\(None, 2\)/);
  assert.match(lines[1]!, /\(8, 2\)/);
  assert.match(lines[2]!, /\(8, 2\)/);
  assert.deepEqual(Input({ shape: [3], batchSize: 5 }).shape, [5, 3]);
  assert.deepEqual(Input({ inputShape: [3] }).shape, [null, 3]);
  assert.throws(() => new InputLayer({}), /give the sample shape/);
});

test('evaluate: { returnDict: true } gives a typed record; lists destructure', async () => {
  const { x, yCol } = regressionData(32);
  const m = new Sequential([new Dense(1, { inputShape: [3] })]);
  m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
  const { loss, mae } = await m.evaluate(x, yCol, { verbose: 0, returnDict: true });
  assert.ok(loss! > 0 && mae! > 0);
  const [l2, mae2] = (await m.evaluate(x, yCol, { verbose: 0 })) as number[];
  assert.equal(l2, loss);
  assert.equal(mae2, mae);
});

test('layer.trainable = false after building freezes it: fit leaves its weights bit-identical', async () => {
  const { x, yCol } = regressionData();
  setSeed(2);
  const base = new Dense(8, { activation: 'relu' });
  const head = new Dense(1);
  const model = new Sequential([new InputLayer({ shape: [3] }), base, head]);
  model.compile({ optimizer: 'adam', loss: 'mse' });
  await model.fit(x, yCol, { epochs: 1, verbose: 0 });
  base.trainable = false; // transfer learning: freeze the base, after it was built and trained
  const frozen = base.getWeights().map((w) => Array.from(w.values));
  const headBefore = Array.from(head.kernel!.values);
  const lines: string[] = [];
  model.summary((l) => lines.push(l));
  assert.match(lines.join('\n'), /Trainable params: 9 \(/);
  assert.match(lines.join('\n'), /Non-trainable params: 32 \(/);
  model.compile({ optimizer: 'adam', loss: 'mse' }); // the Keras way to apply it; works without too
  await model.fit(x, yCol, { epochs: 2, verbose: 0 });
  assert.deepEqual(base.getWeights().map((w) => Array.from(w.values)), frozen);
  assert.notDeepEqual(Array.from(head.kernel!.values), headBefore);
  base.trainable = true;
  await model.fit(x, yCol, { epochs: 1, verbose: 0 });
  assert.notDeepEqual(base.getWeights().map((w) => Array.from(w.values)), frozen);
  // a model with every layer frozen trains nothing, and says no error
  model.trainable = false;
  const all = model.getWeights().map((w) => Array.from(w.values));
  await model.fit(x, yCol, { epochs: 1, verbose: 0 });
  assert.deepEqual(model.getWeights().map((w) => Array.from(w.values)), all);
});

test('loadModel restores the compiled model and optimizer state: training resumes exactly', async () => {
  const { x, yCol } = regressionData();
  const dir = mkdtempSync(join(tmpdir(), 'deepts-resume-'));
  try {
    setSeed(7);
    const model = new Sequential([new Dense(6, { inputShape: [3], activation: 'tanh' }), new Dense(1)]);
    model.compile({ optimizer: new Adam(0.01), loss: 'mse', metrics: ['mae'] });
    await model.fit(x, yCol, { epochs: 2, batchSize: 16, verbose: 0, shuffle: false });
    await model.save(join(dir, 'm'));
    const loaded = await loadModel(join(dir, 'm'));
    assert.equal(loaded.optimizer?.name, 'Adam');
    assert.equal(loaded.optimizer?.learningRate, 0.01);
    assert.equal(loaded.optimizer?.iterations, model.optimizer!.iterations);
    assert.deepEqual(loaded.metricNames, ['loss', 'mae']);
    await model.fit(x, yCol, { epochs: 1, batchSize: 16, verbose: 0, shuffle: false });
    await loaded.fit(x, yCol, { epochs: 1, batchSize: 16, verbose: 0, shuffle: false });
    assert.deepEqual(loaded.getWeights().map((w) => Array.from(w.values)), model.getWeights().map((w) => Array.from(w.values)));

    // A model saved before compile configs existed (no compileConfig, no optimizer state) still loads.
    const file = JSON.parse(readFileSync(join(dir, 'm', 'model.json'), 'utf8')) as Record<string, unknown>;
    delete file['trainingConfig'];
    delete file['userDefinedMetadata'];
    writeFileSync(join(dir, 'm', 'model.json'), JSON.stringify(file));
    const old = await loadModel(join(dir, 'm'));
    assert.equal(old.optimizer, null);
    assert.deepEqual(Array.from(old.predict(x).values), Array.from((await loadModel(join(dir, 'm'), { compile: false })).predict(x).values));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The user's custom layer: build() forgets super.build(), as in the notebook. */
class MyDense extends Layer {
  readonly className = 'MyDense';
  w: Variable | null = null;
  b: Variable | null = null;
  constructor(readonly units: number) {
    super();
  }
  override build(inputShape: LayerShape): void {
    this.w = this.addWeight({ name: 'w', shape: [inputShape[inputShape.length - 1] as number, this.units], initializer: 'randomNormal' });
    this.b = this.addWeight({ name: 'b', shape: [this.units], initializer: 'zeros' });
  }
  call(inputs: Tensor, { training }: CallArgs = {}): Tensor {
    void training;
    return ops.add(ops.matmul(inputs, this.w!), this.b!);
  }
}

test('a custom layer whose build() skips super.build() is built once: no duplicated weights', async () => {
  const { x, yCol } = regressionData();
  const model = new Sequential([new InputLayer({ shape: [3] }), new MyDense(16), new Dense(1)]);
  const lines: string[] = [];
  model.summary((l) => lines.push(l));
  model.summary((l) => lines.push(l));
  assert.match(lines[1]!, /Total params: 81 \(/);
  assert.equal(model.weights.length, 4);
  model.compile({ optimizer: 'adam', loss: 'mse' });
  const h = await model.fit(x, yCol, { epochs: 3, verbose: 0 });
  assert.equal(model.weights.length, 4);
  assert.ok(h.history['loss']![2]! < h.history['loss']![0]!);
  // the output shape is traced when the layer does not say it
  assert.match(lines[0]!, /my_dense(_\d+)? \(MyDense\)\s+│ \(None, 16\)/);
});

test('subclassing errors name the problem', () => {
  class NoCall extends Model {}
  assert.throws(() => new NoCall().predict(tensor([[1]])), /implement call\(inputs, \{ training \}\)/);
  const layer = new MyDense(2);
  assert.throws(() => layer.apply({ not: 'a tensor' } as unknown as Tensor), /expects a Tensor or a list of Tensors, got a plain object/);
  assert.throws(() => layer.addWeight({ shape: [2.5] }), /shape must be a list of non-negative integers/);
});

test('fit given a generator or an unknown object says what fit accepts', async () => {
  const model = new Sequential([new Dense(1, { inputShape: [2] })]);
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  function* batches() {
    yield [tensor([[1, 2]]), tensor([[1]])];
  }
  await assert.rejects(model.fit(batches() as never, undefined, { verbose: 0 }), /fit: x must be a Tensor, nested arrays of numbers, a list of those .*; got a generator/);
  await assert.rejects(model.fit(new Map() as never, tensor([[1]]), { verbose: 0 }), /got a Map/);
  await assert.rejects(model.fit(tensor([[1, 2]]), undefined, { verbose: 0 }), /the targets y are missing/);
});

test('EarlyStopping on a metric that is not logged warns and training goes on, as in Keras', async () => {
  const { x, yCol } = regressionData(16);
  const model = new Sequential([new Dense(1, { inputShape: [3] })]);
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (m: string) => warnings.push(m);
  try {
    const h = await model.fit(x, yCol, { epochs: 3, verbose: 0, callbacks: [new EarlyStopping({ monitor: 'val_loss', patience: 0 })] });
    assert.equal(h.epoch.length, 3);
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /'val_loss' which is not available\. Available metrics are: loss/);
});

test('fit output goes where asked (silent stays silent)', async () => {
  const { x, yCol } = regressionData(8);
  const model = new Sequential([new Dense(1, { inputShape: [3] })]);
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  await model.fit(x, yCol, { epochs: 1, output: silent });
});

test('optimizers take clipnorm, clipvalue and weightDecay as Keras does; AdamW decays by default', () => {
  const w = (v: number[]) => {
    const model = new Sequential([new Dense(v.length, { inputShape: [1], useBias: false })]);
    const kernel = model.weights[0]!;
    kernel.assign(new Tensor(Float32Array.from(v), [1, v.length]));
    return kernel;
  };
  // SGD(lr=1, clipnorm=1): a gradient of norm 5 is scaled to norm 1
  const a = w([0, 0]);
  new SGD({ learningRate: 1, clipnorm: 1 }).applyGradients([[new Tensor(Float32Array.of(3, 4), [1, 2]), a]]);
  assert.deepEqual(Array.from(a.values), [-0.6000000238418579, -0.800000011920929]);
  // clipvalue clips each element
  const b = w([0, 0]);
  new SGD({ learningRate: 1, clipvalue: 0.5 }).applyGradients([[new Tensor(Float32Array.of(3, -0.25), [1, 2]), b]]);
  assert.deepEqual(Array.from(b.values), [-0.5, 0.25]);
  // weightDecay: w -= lr·wd·w before the step (zero gradient shows the decay alone)
  const c = w([2, -4]);
  new SGD({ learningRate: 0.1, weightDecay: 0.5 }).applyGradients([[new Tensor(Float32Array.of(0, 0), [1, 2]), c]]);
  assert.deepEqual(Array.from(c.values), [1.899999976158142, -3.799999952316284]);
  const adamw = new AdamW(0.01);
  assert.equal(adamw.weightDecay, 0.004);
  assert.equal(adamw.getConfig()['weightDecay'], 0.004);
  assert.throws(() => new Adam({ clipnorm: -1 }), /clipnorm must be a finite number ≥ 0/);
});
