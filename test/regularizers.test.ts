/**
 * Regularizers and constraints as Keras users write them: penalties join the training loss
 * (model.losses, the logged loss, evaluate), constraints project weights after each step,
 * and both survive saving in deepts' (tfjs) format and in .keras.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Conv2D, Dense, Input, InputLayer, Model, SGD, Sequential, Tensor, constraints, loadModel, ops, regularizers, setSeed, toKerasArchive, modelFromKerasArchive,
} from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import { assertClose, checkGradients, randomTensor } from './helpers.js';

const sumOf = (a: ArrayLike<number>, f: (v: number) => number): number => Array.from(a).reduce((s, v) => s + f(v), 0);

test('l1, l2 and l1l2 compute Keras 3 penalties, with Keras and tfjs names and defaults', () => {
  const x = new Tensor(Float32Array.from([1, -2, 3, -0.5]), [2, 2]);
  assertClose([regularizers.l1(0.1).apply(x).item()], [0.1 * 6.5]);
  assertClose([regularizers.l2().apply(x).item()], [0.01 * (1 + 4 + 9 + 0.25)]); // no ½, as Keras
  assertClose([new regularizers.L1L2({ l1: 0.2, l2: 0.3 }).apply(x).item()], [0.2 * 6.5 + 0.3 * 14.25]);
  assert.equal(new regularizers.L1L2().apply(x).item(), 0); // Keras 3: L1L2(l1=0.0, l2=0.0)
  const both = regularizers.l1l2(); // tfjs' l1l2 / Keras 2's l1_l2: 0.01 each
  assert.deepEqual([both.l1, both.l2], [0.01, 0.01]);
  for (const [name, l1, l2] of [['l1', 0.01, 0], ['l2', 0, 0.01], ['l1_l2', 0.01, 0.01], ['L2', 0, 0.01]] as const) {
    const r = regularizers.getRegularizer(name)!;
    assert.deepEqual([r.l1, r.l2], [l1, l2], name);
  }
  assert.throws(() => regularizers.getRegularizer('l3'), /unknown regularizer 'l3'/);
  assert.throws(() => regularizers.l2(-1), /l2 must be a finite number ≥ 0/);
  // gradients vs finite differences (away from 0, where |x| has no derivative)
  const rng = new Rng(3);
  const w = randomTensor([3, 4], rng, 0.2, 1);
  const signs = Float32Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? -1 : 1));
  const far = new Tensor(w.values.map((v, i) => v * signs[i]!), w.shape);
  checkGradients((t) => new regularizers.L1L2({ l1: 0.3, l2: 0.7 }).apply(t), [far], { eps: 1e-2, tol: 1e-2 });
});

function regressionData(n = 16): { x: Tensor; y: Tensor } {
  const rng = new Rng(11);
  const x = randomTensor([n, 3], rng);
  const y = new Tensor(Float32Array.from({ length: n }, (_, i) => x.values[i * 3]! - 0.5 * x.values[i * 3 + 2]!), [n, 1]);
  return { x, y };
}

test('kernel, bias and activity regularizers: model.losses, the trained and logged loss, evaluate (as Keras 3)', async () => {
  setSeed(4);
  const dense = new Dense(2, {
    activation: 'tanh', kernelRegularizer: regularizers.l2(0.05), biasRegularizer: 'l1', activityRegularizer: regularizers.l1(0.02), biasInitializer: 'ones',
  });
  const model = new Sequential([new InputLayer({ shape: [3] }), dense, new Dense(1)]);
  model.compile({ optimizer: new SGD(0.1), loss: 'mse' });
  const { x, y } = regressionData();
  const kernel = Float32Array.from(dense.kernel!.values);
  const bias = Float32Array.from(dense.bias!.values);
  const out = model.predict(x);
  const hidden = ops.tanh(ops.add(ops.matmul(x, dense.kernel!), dense.bias!));
  const mse = sumOf(out.values.map((v, i) => v - y.values[i]!), (d) => d * d) / 16;
  const weightPenalty = 0.05 * sumOf(kernel, (v) => v * v) + 0.01 * sumOf(bias, Math.abs);
  const penalty = weightPenalty + 0.02 * sumOf(hidden.values, Math.abs);

  // model.losses: the weight penalties, plus the activity penalty of the last forward pass
  model.predictOnBatch(x);
  assertClose([model.losses.reduce((s, l) => s + l.item(), 0)], [penalty], 1e-5, 'model.losses');
  // evaluate counts the penalties, as Keras 3's compute_loss does
  assertClose([(await model.evaluate(x, y, { batchSize: 16, verbose: 0 })) as number], [mse + penalty], 1e-5, 'evaluate');
  // the loss of a training step (and fit's progress line) includes them too
  const lines: string[] = [];
  const history = await model.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 1, output: { write: (s: string) => void lines.push(s), isTTY: false } });
  assertClose([history.history['loss']![0]!], [mse + penalty], 1e-5, 'fit loss');
  assert.match(lines.join(''), new RegExp(`loss: ${(mse + penalty).toFixed(4)}`));

  // a frozen layer's weights add no penalty (Keras regularizes trainable weights only)
  dense.trainable = false;
  model.predictOnBatch(x);
  const activity = model.losses.reduce((s, l) => s + l.item(), 0);
  const h2 = ops.tanh(ops.add(ops.matmul(x, dense.kernel!), dense.bias!));
  assertClose([activity], [0.02 * sumOf(h2.values, Math.abs)], 1e-5, 'frozen');
});

test("a training step forgets its model's call losses (activity penalties) and leaves other models' alone", () => {
  setSeed(4);
  const make = (): Sequential => {
    const m = new Sequential([new InputLayer({ shape: [3] }), new Dense(2, { activityRegularizer: regularizers.l1(0.02) }), new Dense(1)]);
    m.compile({ optimizer: new SGD(0.1), loss: 'mse' });
    return m;
  };
  const a = make();
  const b = make();
  const { x, y } = regressionData();
  a.predictOnBatch(x);
  b.predictOnBatch(x);
  assert.equal(a.losses.length, 1);
  assert.equal(b.losses.length, 1);
  a.trainOnBatch(x, y);
  assert.equal(a.losses.length, 0, "the step's tensors are recycled when it ends: its call losses go with them");
  assert.equal(b.losses.length, 1, 'another model keeps those of its last call');
  b.trainOnBatch(x, y);
  assert.equal(b.losses.length, 0);
  a.predictOnBatch(x);
  assert.equal(a.losses.length, 1, 'a new call adds them again');
  a.trainOnBatch(x, y);
  assert.equal(a.losses.length, 0);
});

test('the penalty gradient reaches the weights: one SGD step moves w by lr·(∂mse/∂w + 2·l2·w)', () => {
  const make = (reg: boolean): Sequential => {
    setSeed(9);
    const m = new Sequential([new InputLayer({ shape: [3] }), new Dense(2, reg ? { kernelRegularizer: regularizers.l2(0.3) } : {})]);
    m.compile({ optimizer: new SGD(0.1), loss: 'mse' });
    return m;
  };
  const { x } = regressionData(8);
  const y = new Tensor(new Float32Array(16).fill(0.5), [8, 2]);
  const plain = make(false);
  const regd = make(true);
  const w0 = Float32Array.from((regd.layers[0] as Dense).kernel!.values);
  assert.deepEqual(Array.from((plain.layers[0] as Dense).kernel!.values), Array.from(w0));
  plain.trainOnBatch(x, y);
  regd.trainOnBatch(x, y);
  const wPlain = (plain.layers[0] as Dense).kernel!.values;
  const wReg = (regd.layers[0] as Dense).kernel!.values;
  assertClose(Array.from(wReg), Array.from(wPlain, (v, i) => v - 0.1 * 2 * 0.3 * w0[i]!), 1e-5, 'regularized step');
});

test('constraints compute what Keras computes', () => {
  const w = Float32Array.from([3, 0, 4, 0.5]); // [2, 2]: columns (3, 4) norm 5 and (0, 0.5) norm 0.5
  const maxNorm = Float32Array.from(w);
  constraints.maxNorm({ maxValue: 2 }).apply(maxNorm, [2, 2]);
  assertClose(Array.from(maxNorm), [3 * 2 / 5, 0, 4 * 2 / 5, 0.5], 1e-5, 'maxNorm axis 0');
  const rows = Float32Array.from(w);
  constraints.maxNorm({ maxValue: 1, axis: 1 }).apply(rows, [2, 2]); // rows (3, 0) and (4, 0.5)
  const r2 = Math.hypot(4, 0.5);
  assertClose(Array.from(rows), [1, 0, 4 / r2, 0.5 / r2], 1e-5, 'maxNorm axis 1');
  const unit = Float32Array.from(w);
  constraints.unitNorm().apply(unit, [2, 2]);
  assertClose(Array.from(unit), [0.6, 0, 0.8, 1], 1e-5, 'unitNorm');
  const mm = Float32Array.from(w);
  constraints.minMaxNorm({ minValue: 1, maxValue: 2, rate: 0.5 }).apply(mm, [2, 2]);
  // column 0: desired 0.5·2 + 0.5·5 = 3.5; column 1: 0.5·1 + 0.5·0.5 = 0.75
  assertClose(Array.from(mm), [3 * 3.5 / 5, 0, 4 * 3.5 / 5, 0.75], 1e-5, 'minMaxNorm');
  const nn = Float32Array.from([-1, 2, -0.1, 0]);
  constraints.nonNeg().apply(nn, [4]);
  assert.deepEqual(Array.from(nn), [0, 2, 0, 0]);
  // a conv kernel [kH, kW, in, out] constrained per filter with axis [0, 1, 2]
  const k = Float32Array.from({ length: 2 * 2 * 1 * 2 }, (_, i) => i + 1);
  constraints.maxNorm({ maxValue: 1, axis: [0, 1, 2] }).apply(k, [2, 2, 1, 2]);
  for (const f of [0, 1]) assertClose([Math.hypot(...[0, 1, 2, 3].map((j) => k[j * 2 + f]!))], [1], 1e-5, `filter ${f}`);
  assert.equal(constraints.getConstraint('max_norm')!.className, 'MaxNorm');
  assert.throws(() => constraints.getConstraint('maxnorm2'), /unknown constraint 'maxnorm2'/);
  assert.throws(() => constraints.maxNorm({ axis: 5 }).apply(new Float32Array(4), [2, 2]), /axis 5 is out of range/);
});

test('constraints are applied after every optimizer step of fit', async () => {
  setSeed(2);
  const dense = new Dense(4, { kernelConstraint: constraints.maxNorm({ maxValue: 0.3 }), biasConstraint: constraints.nonNeg() });
  const model = new Sequential([new InputLayer({ shape: [3] }), dense, new Dense(1)]);
  model.compile({ optimizer: new SGD(0.5), loss: 'mse' });
  const { x, y } = regressionData(32);
  const seen: number[] = [];
  await model.fit(x, y, {
    epochs: 3, batchSize: 8, verbose: 0,
    callbacks: [{ onBatchEnd: () => {
      const kv = dense.kernel!.values;
      for (let u = 0; u < 4; u++) seen.push(Math.hypot(kv[u]!, kv[4 + u]!, kv[8 + u]!));
      assert.ok(dense.bias!.values.every((b) => b >= 0), 'bias stays non-negative');
    } }],
  });
  assert.ok(seen.every((n) => n <= 0.3 + 1e-6), `column norms ≤ 0.3, max ${Math.max(...seen)}`);
});

test('regularizers and constraints survive save/load (deepts = tfjs format, tfjs class names) and .keras', async () => {
  setSeed(6);
  const inp = Input({ shape: [5, 5, 1] });
  const conv = new Conv2D(2, 3, { kernelRegularizer: regularizers.l1l2({ l1: 0.01, l2: 0.02 }), kernelConstraint: constraints.maxNorm({ maxValue: 3, axis: [0, 1, 2] }) });
  const dense = new Dense(1, { kernelRegularizer: 'l2', biasConstraint: constraints.nonNeg(), activityRegularizer: regularizers.l1(0.001) });
  const { layers } = await import('../src/index.js');
  const functional = new Model({ inputs: inp, outputs: dense.apply(new layers.Flatten().apply(conv.apply(inp))) });
  functional.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = randomTensor([4, 5, 5, 1], new Rng(1));
  const y = randomTensor([4, 1], new Rng(2));
  const before = (await functional.evaluate(x, y, { verbose: 0 })) as number;
  const dir = mkdtempSync(join(tmpdir(), 'deepts-reg-'));
  try {
    await functional.save(dir);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } };
    const convJson = json.modelTopology.config.layers.find((l) => l.class_name === 'Conv2D')!.config;
    assert.deepEqual(convJson['kernel_regularizer'], { class_name: 'L1L2', config: { l1: 0.01, l2: 0.02 } });
    assert.deepEqual(convJson['kernel_constraint'], { class_name: 'MaxNorm', config: { max_value: 3, axis: [0, 1, 2] } });
    const loaded = await loadModel(dir);
    assertClose([(await loaded.evaluate(x, y, { verbose: 0 })) as number], [before], 1e-6, 'loaded loss');
    const d = loaded.layers.find((l) => l.className === 'Dense') as Dense;
    assert.equal(d.bias!.constraint?.className, 'NonNeg');
    assert.equal(d.activityRegularizer?.l1, 0.001);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // .keras (Keras 3 config: L1, L2, L1L2 classes with module keras.regularizers)
  setSeed(6);
  const seq = new Sequential([new InputLayer({ shape: [3] }), new Dense(2, { kernelRegularizer: regularizers.l2(0.1), kernelConstraint: constraints.unitNorm() })]);
  seq.compile({ optimizer: 'sgd', loss: 'mse' });
  const back = await modelFromKerasArchive(await toKerasArchive(seq));
  const k = (back.layers.find((l) => l.className === 'Dense') as Dense).kernel!;
  assert.equal(k.regularizer?.className, 'L2');
  assert.equal(k.regularizer?.l2, 0.1);
  assert.equal(k.constraint?.className, 'UnitNorm');
});

test('BatchNormalization takes beta/gamma regularizers and constraints: penalty in model.losses, projection after each step, kept by both save formats', async () => {
  const { BatchNormalization } = await import('../src/index.js');
  setSeed(3);
  const bn = new BatchNormalization({ gammaRegularizer: regularizers.l2(0.5), betaRegularizer: regularizers.l1(0.25), gammaConstraint: constraints.nonNeg() });
  const model = new Sequential([new InputLayer({ shape: [3] }), new Dense(4), bn, new Dense(1)]);
  model.compile({ optimizer: new SGD(0.5), loss: 'mse' });
  bn.setWeights([new Tensor(Float32Array.from([1, -2, 3, 0.5]), [4]), new Tensor(Float32Array.from([0.5, -1, 0, 2]), [4]), ...bn.getWeights().slice(2)]);
  // Keras: l2 · Σγ² + l1 · Σ|β| (moving statistics carry no penalty)
  const penalty = model.losses.reduce((s, t) => s + t.values[0]!, 0);
  assertClose([penalty], [0.5 * (1 + 4 + 9 + 0.25) + 0.25 * (0.5 + 1 + 0 + 2)], 1e-6, 'BN penalty');
  const { x, y } = regressionData();
  await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
  assert.ok(Array.from(bn.gamma!.values).every((g) => g >= 0), 'nonNeg projected gamma after the step');
  const dir = mkdtempSync(join(tmpdir(), 'deepts-bn-reg-'));
  try {
    await model.save(dir);
    const loaded = await loadModel(dir);
    const lbn = loaded.layers.find((l) => l.className === 'BatchNormalization') as InstanceType<typeof BatchNormalization>;
    // tfjs knows one class, L1L2, for all three (as the Dense test above shows)
    assert.equal(lbn.gamma!.regularizer?.l2, 0.5);
    assert.equal(lbn.beta!.regularizer?.l1, 0.25);
    assert.equal(lbn.gamma!.constraint?.className, 'NonNeg');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const back = await modelFromKerasArchive(await toKerasArchive(model));
  const kbn = back.layers.find((l) => l.className === 'BatchNormalization') as InstanceType<typeof BatchNormalization>;
  assert.equal(kbn.gamma!.regularizer?.l2, 0.5);
  assert.equal(kbn.beta!.regularizer?.l1, 0.25);
  assert.equal(kbn.gamma!.constraint?.className, 'NonNeg');
});
