/**
 * Nadam and Lion against references made outside deepts (tools/optimizers/make-reference.py:
 * torch.optim.NAdam configured as Keras 3's Nadam, and Lion from Keras 3's update rule),
 * Keras 3's defaults, and their state surviving save/load so training resumes exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dense, InputLayer, Lion, Nadam, Sequential, Tensor, getOptimizer, loadModel, optimizers, setSeed, type Optimizer } from '../src/index.js';
import { Variable } from '../src/nn/variable.js';
import { Rng } from '../src/tensor/random.js';
import { assertClose, randomTensor } from './helpers.js';

interface Reference {
  w0: number[];
  grads: number[][];
  [key: string]: number[][] | number[] | string;
}
const ref = JSON.parse(readFileSync(new URL('../../tools/optimizers/reference.json', import.meta.url), 'utf8')) as Reference;

function trajectory(opt: Optimizer): number[][] {
  const v = new Variable(Float32Array.from(ref.w0), [ref.w0.length], 'w');
  return ref.grads.map((g) => {
    opt.applyGradients([[new Tensor(Float32Array.from(g), [g.length]), v]]);
    return Array.from(v.values);
  });
}

function compare(opt: Optimizer, key: string): void {
  const expected = ref[key] as number[][];
  trajectory(opt).forEach((row, i) => assertClose(row, expected[i]!, 2e-6, `${key} step ${i + 1}`));
}

test('Nadam follows Keras 3 (= torch NAdam with momentum_decay=1, eps=1e-7)', () => {
  compare(new Nadam(), 'nadam_default');
  compare(new Nadam({ learningRate: 0.1, beta1: 0.8, beta2: 0.95 }), 'nadam_lr0.1_b0.8_0.95');
  compare(new Nadam({ learningRate: 0.1, weightDecay: 0.05 }), 'nadam_lr0.1_wd0.05');
});

test('Lion follows Keras 3: w −= lr·sign(β1·m + (1 − β1)·g), m = β2·m + (1 − β2)·g', () => {
  compare(new Lion(), 'lion_default');
  compare(new Lion({ learningRate: 0.1, beta1: 0.5, beta2: 0.9 }), 'lion_lr0.1_b0.5_0.9');
  compare(new Lion({ learningRate: 0.1, weightDecay: 0.05 }), 'lion_lr0.1_wd0.05');
  assert.throws(() => new Lion({ beta1: 0 }), /beta1 must be in \(0, 1\]/);
});

test('Keras 3 defaults, names and the learning rate as first argument', () => {
  const n = new Nadam();
  assert.deepEqual([n.learningRate, n.beta1, n.beta2, n.epsilon], [0.001, 0.9, 0.999, 1e-7]);
  const l = new Lion(0.0003);
  assert.deepEqual([l.learningRate, l.beta1, l.beta2], [0.0003, 0.9, 0.99]);
  assert.ok(getOptimizer('nadam') instanceof Nadam);
  assert.ok(getOptimizer('Lion') instanceof Lion);
  assert.ok(new optimizers.Nadam(0.01) instanceof optimizers.Optimizer);
  assert.deepEqual(new Lion({ learningRate: 0.01, clipnorm: 1 }).getConfig(), { clipnorm: 1, learningRate: 0.01, beta1: 0.9, beta2: 0.99 });
});

test('Nadam and Lion state is saved with the model: training resumes exactly where it stopped', async () => {
  for (const make of [() => new Nadam(0.01), () => new Lion(0.001)]) {
    setSeed(3);
    const rng = new Rng(4);
    const x = randomTensor([32, 3], rng);
    const y = randomTensor([32, 1], rng);
    const build = (): Sequential => {
      setSeed(5);
      const m = new Sequential([new InputLayer({ shape: [3] }), new Dense(4, { activation: 'relu' }), new Dense(1)]);
      m.compile({ optimizer: make(), loss: 'mse' });
      return m;
    };
    const straight = build();
    await straight.fit(x, y, { epochs: 4, batchSize: 8, shuffle: false, verbose: 0 });
    const resumed = build();
    await resumed.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'deepts-opt-'));
    try {
      await resumed.save(dir);
      const loaded = await loadModel(dir);
      assert.equal(loaded.optimizer!.name, make().name);
      assert.equal(loaded.optimizer!.iterations, 8);
      await loaded.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
      assert.deepEqual(loaded.getWeights().map((w) => Array.from(w.values)), straight.getWeights().map((w) => Array.from(w.values)), make().name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('Nadam and Lion train a small regression below the mean-prediction baseline', async () => {
  const rng = new Rng(9);
  const x = randomTensor([128, 2], rng);
  const y = new Tensor(Float32Array.from({ length: 128 }, (_, i) => 2 * x.values[i * 2]! - x.values[i * 2 + 1]!), [128, 1]);
  const mean = y.values.reduce((a, b) => a + b, 0) / 128;
  const baseline = y.values.reduce((a, b) => a + (b - mean) ** 2, 0) / 128;
  for (const opt of [new Nadam(0.02), new Lion(0.005)]) {
    setSeed(1);
    const m = new Sequential([new InputLayer({ shape: [2] }), new Dense(8, { activation: 'tanh' }), new Dense(1)]);
    m.compile({ optimizer: opt, loss: 'mse' });
    await m.fit(x, y, { epochs: 30, batchSize: 16, verbose: 0 });
    const mse = (await m.evaluate(x, y, { verbose: 0 })) as number;
    assert.ok(mse < baseline / 10, `${opt.name}: mse ${mse} vs baseline ${baseline}`);
  }
});
