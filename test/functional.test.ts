/**
 * Keras' functional API, subclassed models and custom training loops, written as a Keras
 * user ports them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Add, Average, Concatenate, Dense, Dropout, GradientTape, Input, Lambda, Maximum, Model, Multiply, Sequential, Subtract, Tensor, losses, loadModel,
  ops, setSeed, tensor, valueAndGrad, Adam, type CallArgs, type Logs, type SymbolicTensor, type TrainStepData,
} from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import { assertClose, randomTensor } from './helpers.js';

function twoInputData(n: number, seed: number): { a: Tensor; b: Tensor; price: Tensor; cls: Tensor } {
  const rng = new Rng(seed);
  const a = randomTensor([n, 4], rng);
  const b = randomTensor([n, 3], rng);
  const price = new Float32Array(n);
  const cls = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    price[i] = a.values[i * 4]! + 2 * b.values[i * 3 + 1]!;
    cls[i] = a.values[i * 4 + 2]! - b.values[i * 3]! > 0 ? 1 : 0;
  }
  return { a, b, price: new Tensor(price, [n, 1]), cls: new Tensor(cls, [n]) };
}

function buildTwoByTwo(): Model<SymbolicTensor[]> {
  const title = Input({ shape: [4], name: 'title' });
  const body = Input({ shape: [3], name: 'body' });
  const shared = new Dense(8, { activation: 'relu', name: 'shared' });
  const h = new Concatenate().apply([shared.apply(new Dense(8, { name: 'title_proj' }).apply(title)), shared.apply(new Dense(8, { name: 'body_proj' }).apply(body))]);
  const price = new Dense(1, { name: 'price' }).apply(h);
  const department = new Dense(2, { name: 'department' }).apply(new Dropout(0.1).apply(h));
  return new Model({ inputs: [title, body], outputs: [price, department], name: 'two_by_two' });
}

test('a functional model with two inputs and two outputs trains, saves, loads and predicts identically', async () => {
  setSeed(5);
  const model = buildTwoByTwo();
  const { a, b, price, cls } = twoInputData(96, 2);
  model.compile({
    optimizer: new Adam(0.01),
    loss: { price: 'mse', department: new losses.SparseCategoricalCrossentropy({ fromLogits: true }) },
    lossWeights: { price: 1, department: 0.5 },
    metrics: { department: ['accuracy'] },
  });
  const h = await model.fit([a, b], { price, department: cls }, { epochs: 8, batchSize: 16, verbose: 0, validationSplit: 0.25 });
  assert.deepEqual(Object.keys(h.history), ['loss', 'price_loss', 'department_loss', 'department_accuracy', 'val_loss', 'val_price_loss', 'val_department_loss', 'val_department_accuracy']);
  const first = h.history['loss']![0]!;
  const last = h.history['loss']![7]!;
  assert.ok(last < first * 0.8, `loss ${first} → ${last}`);
  // the total is the weighted sum of the outputs' losses
  const logs = await model.evaluate({ title: a, body: b }, [price, cls], { verbose: 0, returnDict: true });
  assertClose([logs['loss']!], [logs['price_loss']! + 0.5 * logs['department_loss']!], 1e-5, 'weighted total');

  const [p1, d1] = model.predict([a, b]);
  assert.deepEqual(p1!.shape, [96, 1]);
  assert.deepEqual(d1!.shape, [96, 2]);
  const dir = mkdtempSync(join(tmpdir(), 'deepts-functional-'));
  try {
    await model.save(join(dir, 'm'));
    const loaded = await loadModel<SymbolicTensor[]>(join(dir, 'm'));
    const [p2, d2] = loaded.predict([a, b]);
    assert.deepEqual(Array.from(p2!.values), Array.from(p1!.values));
    assert.deepEqual(Array.from(d2!.values), Array.from(d1!.values));
    assert.deepEqual(loaded.layers.map((l) => l.name), model.layers.map((l) => l.name));
    // the shared layer comes back shared (one set of weights, two calls)
    assert.equal(loaded.weights.length, model.weights.length);
    // and training resumes identically from the saved optimizer state
    setSeed(9); // the same dropout masks for both
    await model.fit([a, b], [price, cls], { epochs: 1, batchSize: 32, verbose: 0, shuffle: false });
    setSeed(9);
    await loaded.fit([a, b], [price, cls], { epochs: 1, batchSize: 32, verbose: 0, shuffle: false });
    assert.deepEqual(loaded.getWeights().map((w) => Array.from(w.values)), model.getWeights().map((w) => Array.from(w.values)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('summary of a functional model has Keras\' "Connected to" column', () => {
  const model = buildTwoByTwo();
  const lines: string[] = [];
  model.summary((l) => lines.push(...l.split('\n')));
  const text = lines.join('\n');
  assert.match(text, /Layer \(type\)\s+┃ Output Shape\s+┃\s+Param # ┃ Connected to\s+┃/);
  assert.match(text, /title \(InputLayer\)\s+│ \(None, 4\)\s+│\s+0 │ -/);
  assert.match(text, /shared \(Dense\)\s+│ \(None, 8\)\s+│\s+72 │ title_proj\[0\]\[0\]/);
  assert.match(text, /│\s+│\s+│\s+│ body_proj\[0\]\[0\]/);
  assert.match(text, /concatenate(_\d+)? \(Concatenate\)\s+│ \(None, 16\)\s+│\s+0 │ shared\[0\]\[0\]/);
  assert.match(text, /shared\[1\]\[0\]/);
});

test('merge layers and Lambda compute what Keras computes, with gradients', () => {
  const x = Input({ shape: [3] });
  const y = Input({ shape: [3] });
  const outs = [new Add(), new Subtract(), new Multiply(), new Average(), new Maximum()].map((l) => l.apply([x, y]));
  const lam = new Lambda((t) => ops.mul(t as Tensor, 2), { name: 'double' }).apply(x);
  const model = new Model({ inputs: [x, y], outputs: [...outs, lam] });
  const a = tensor([[1, -2, 3]]);
  const b = tensor([[4, 5, -6]]);
  const got = model.predict([a, b]).map((t) => Array.from(t.values));
  assert.deepEqual(got, [[5, 3, -3], [-3, -7, 9], [4, -10, -18], [2.5, 1.5, -1.5], [4, 5, 3], [2, -4, 6]]);
  assert.throws(() => new Concatenate().apply([Input({ shape: [2, 3] }), Input({ shape: [4, 3] })]), /same shape except along axis -1/);
  assert.throws(() => new Model({ inputs: x, outputs: new Dense(1).apply(Input({ shape: [3] })) }), /not among the model's inputs/);
});

test('a functional model is a layer: nest it in another model', async () => {
  setSeed(3);
  const inner = Input({ shape: [2] });
  const encoder = new Model({ inputs: inner, outputs: new Dense(3, { activation: 'tanh' }).apply(inner), name: 'encoder' });
  const outer = Input({ shape: [2] });
  const model = new Model({ inputs: outer, outputs: new Dense(1).apply(encoder.apply(outer)) });
  assert.equal(model.weights.length, 4);
  model.compile({ optimizer: 'adam', loss: 'mse' });
  await model.fit(tensor([[0, 1], [1, 0]]), tensor([1, 0]), { epochs: 2, verbose: 0 });
  encoder.trainable = false;
  assert.equal(model.trainableWeights.length, 2);
});

class TwoLayerNet extends Model {
  readonly hidden = new Dense(16, { activation: 'relu' });
  readonly dropout = new Dropout(0.2);
  readonly out = new Dense(1);
  override call(inputs: Tensor, { training }: CallArgs = {}): Tensor {
    return this.out.apply(this.dropout.apply(this.hidden.apply(inputs), { training }));
  }
}

test('a subclassed model fits, evaluates, predicts and summarises', async () => {
  setSeed(8);
  const { a, price } = twoInputData(64, 4);
  const model = new TwoLayerNet();
  model.compile({ optimizer: new Adam(0.01), loss: 'mse', metrics: ['mae'] });
  const h = await model.fit(a, price, { epochs: 10, batchSize: 16, verbose: 0 });
  assert.ok(h.history['loss']![9]! < h.history['loss']![0]! * 0.7);
  const [loss, mae] = (await model.evaluate(a, price, { verbose: 0 })) as number[];
  assert.ok(loss! > 0 && mae! > 0);
  assert.deepEqual(model.predict(a).shape, [64, 1]);
  assert.equal(model.weights.length, 4);
  const lines: string[] = [];
  model.summary((l) => lines.push(l));
  assert.match(lines[0]!, /Model: "two_layer_net(_\d+)?"/);
  assert.match(lines[0]!, /dense(_\d+)? \(Dense\)\s+│ \(None, 16\)\s+│\s+80 │/);
  assert.match(lines[0]!, /Total params: 97 /);
});

test('custom training loop: GradientTape, valueAndGrad and optimizer.applyGradients', () => {
  setSeed(1);
  const { a, price } = twoInputData(64, 6);
  const model = new Sequential([new Dense(8, { inputShape: [4], activation: 'tanh' }), new Dense(1)]);
  const optimizer = new Adam(0.02);
  const lossFn = new losses.MeanSquaredError();
  const first = lossFn.call(price, model.forward(a)).item();
  for (let step = 0; step < 60; step++) {
    const tape = new GradientTape();
    const loss = lossFn.call(price, model.forward(a, true));
    const grads = tape.gradient(loss, model.trainableWeights);
    optimizer.applyGradients(grads.map((g, i) => [g, model.trainableWeights[i]!] as const));
  }
  const { value, grads } = valueAndGrad(() => lossFn.call(price, model.forward(a, true)), model.trainableWeights);
  assert.ok(value.item() < first * 0.7, `${first} → ${value.item()}`);
  assert.equal(grads.length, 4);
  assert.equal(optimizer.iterations, 60);
});

test('trainOnBatch, testOnBatch, predictOnBatch', () => {
  setSeed(2);
  const { a, price } = twoInputData(32, 7);
  const model = new Sequential([new Dense(1, { inputShape: [4] })]);
  model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
  const before = model.testOnBatch(a, price) as number[];
  const trained = model.trainOnBatch(a, price, { returnDict: true }) as Logs;
  assert.equal(trained['loss'], before[0]); // the loss of the batch before the update, as Keras
  const after = model.testOnBatch(a, price) as number[];
  assert.ok(after[0]! < before[0]!);
  assert.deepEqual(Array.from(model.predictOnBatch(a).values), Array.from(model.predict(a).values));
});

class CustomStep extends Model {
  readonly dense = new Dense(1);
  steps = 0;
  override call(x: Tensor): Tensor {
    return this.dense.apply(x);
  }
  override trainStep([x, y]: TrainStepData): Logs {
    this.steps++;
    const tape = new GradientTape();
    const yPred = this.call(x as Tensor);
    const loss = this.computeLoss(y, yPred);
    const grads = tape.gradient(loss, this.trainableWeights);
    this.optimizer!.applyGradients(grads.map((g, i) => [g, this.trainableWeights[i]!] as const));
    return this.computeMetrics(y, yPred, loss);
  }
}

test('an overridden trainStep drives fit, as Keras 3 allows', async () => {
  setSeed(4);
  const { a, price } = twoInputData(40, 8);
  const model = new CustomStep();
  model.compile({ optimizer: new Adam(0.05), loss: 'mse', metrics: ['mae'] });
  const h = await model.fit(a, price, { epochs: 5, batchSize: 10, verbose: 0 });
  assert.equal(model.steps, 20);
  assert.deepEqual(Object.keys(h.history), ['loss', 'mae']);
  assert.ok(h.history['loss']![4]! < h.history['loss']![0]!);
});
