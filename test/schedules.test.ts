/** keras.optimizers.schedules against hand-computed values, and an optimizer stepping with one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../src/tensor/tensor.js';
import { Variable } from '../src/nn/variable.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SGD, Adam, Dense, InputLayer, Sequential, optimizers, setSeed } from '../src/core.js';
import { loadModel, saveModel } from '../src/io/model-io.js';
import { ReduceLROnPlateau } from '../src/train/callbacks/reduce-lr.js';
import { assertClose } from './helpers.js';

const { ExponentialDecay, PiecewiseConstantDecay, CosineDecay } = optimizers.schedules;

test('ExponentialDecay: lr · rate^(step / decaySteps), staircase floors the exponent', () => {
  const s = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
  assertClose([0, 5, 10, 15, 20].map((k) => s.call(k)), [0.1, 0.1 * Math.SQRT1_2, 0.05, 0.025 * Math.SQRT2, 0.025], 1e-12);
  const st = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
  assertClose([0, 9, 10, 19, 20].map((k) => st.call(k)), [0.1, 0.1, 0.05, 0.05, 0.025], 1e-12);
  assert.throws(() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 }), /decaySteps must be a positive number/);
});

test('PiecewiseConstantDecay: values[i] up to and including boundaries[i]', () => {
  const s = new PiecewiseConstantDecay({ boundaries: [100, 200], values: [1, 0.5, 0.1] });
  assert.deepEqual([0, 100, 101, 200, 201, 1e6].map((k) => s.call(k)), [1, 1, 0.5, 0.5, 0.1, 0.1]);
  assert.throws(() => new PiecewiseConstantDecay({ boundaries: [100], values: [1] }), /one more entry/);
  assert.throws(() => new PiecewiseConstantDecay({ boundaries: [200, 100], values: [1, 2, 3] }), /increasing/);
});

test('CosineDecay: half a cosine from the initial rate down to alpha, clamped; linear warmup to a target', () => {
  const s = new CosineDecay({ initialLearningRate: 1, decaySteps: 100 });
  assertClose([0, 25, 50, 100, 150].map((k) => s.call(k)), [1, 0.5 * (1 + Math.SQRT1_2), 0.5, 0, 0], 1e-12);
  const a = new CosineDecay({ initialLearningRate: 2, decaySteps: 100, alpha: 0.1 });
  assertClose([0, 50, 100, 500].map((k) => a.call(k)), [2, 2 * (0.9 * 0.5 + 0.1), 0.2, 0.2], 1e-12);
  const w = new CosineDecay({ initialLearningRate: 0, decaySteps: 100, warmupTarget: 1, warmupSteps: 10 });
  assertClose([0, 5, 10, 60, 110, 300].map((k) => w.call(k)), [0, 0.5, 1, 0.5, 0, 0], 1e-12);
});

test('an optimizer asks its schedule with the updates made so far (schedule(0) for the first update)', () => {
  const schedule = new PiecewiseConstantDecay({ boundaries: [0, 1], values: [0.5, 0.25, 0.125] });
  const opt = new SGD({ learningRate: schedule });
  const v = new Variable(new Float32Array([1]), [1], 'w');
  const g = new Tensor(new Float32Array([1]), [1]);
  assert.equal(opt.learningRate, 0.5);
  const values: number[] = [];
  for (let k = 0; k < 4; k++) {
    opt.applyGradients([[g, v]]);
    values.push(v.values[0]!);
  }
  // w -= lr(k) · 1 with lr = 0.5, 0.25, 0.125, 0.125
  assertClose(values, [0.5, 0.25, 0.125, 0], 1e-7);
  assert.equal(opt.learningRate, 0.125);
  assert.throws(() => { opt.learningRate = 0.1; }, /PiecewiseConstantDecay schedule and cannot be set/);
  const adam = new Adam(new ExponentialDecay({ initialLearningRate: 0.01, decaySteps: 1, decayRate: 0.5 }));
  adam.applyGradients([[g, new Variable(new Float32Array([0]), [1], 'u')]]);
  assertClose([adam.learningRate], [0.005], 1e-12);
});

test('ReduceLROnPlateau refuses an optimizer driven by a schedule, with a clear error', () => {
  const cb = new ReduceLROnPlateau({ patience: 0 });
  const opt = new SGD({ learningRate: new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10 }) });
  cb.setModel({ stopTraining: false, optimizer: opt, getWeights: () => [], setWeights: () => {}, save: async () => {} });
  assert.throws(() => { cb.onEpochEnd(0, { val_loss: 1 }); cb.onEpochEnd(1, { val_loss: 2 }); }, /cannot be set/);
});

test('a schedule is saved in the optimizer config, not the rate of the moment: getConfig and save/load round trips', async () => {
  const schedule = new CosineDecay({ initialLearningRate: 0.01, decaySteps: 7, alpha: 0.1, warmupTarget: 0.02, warmupSteps: 2 });
  const config = new Adam({ learningRate: schedule, beta1: 0.8 }).getConfig();
  assert.deepEqual(config.learningRate, { className: 'CosineDecay', config: schedule.getConfig() });
  const rebuilt = optimizers.optimizerFromConfig('Adam', config);
  assert.ok(rebuilt.learningRateSchedule instanceof CosineDecay);
  assert.deepEqual(rebuilt.learningRateSchedule.getConfig(), schedule.getConfig());
  assert.equal(new SGD(0.05).getConfig().learningRate, 0.05);

  setSeed(3);
  const model = new Sequential([new InputLayer({ shape: [2] }), new Dense(1)]);
  model.compile({ optimizer: new Adam(new PiecewiseConstantDecay({ boundaries: [2, 5], values: [0.1, 0.01, 0.001] })), loss: 'mse' });
  const x = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [4, 2]);
  const y = new Tensor(Float32Array.from([1, 0, 1, 0]), [4, 1]);
  await model.fit(x, y, { epochs: 3, batchSize: 1, verbose: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'deepts-schedule-'));
  try {
    await saveModel(model, join(dir, 'm'));
    const loaded = await loadModel(join(dir, 'm'));
    const opt = loaded.optimizer!;
    assert.ok(opt.learningRateSchedule instanceof PiecewiseConstantDecay, 'the schedule comes back');
    assert.deepEqual(opt.learningRateSchedule.getConfig(), model.optimizer!.learningRateSchedule!.getConfig());
    assert.equal(opt.iterations, 12);
    assert.equal(opt.learningRate, 0.001, 'and continues from the saved step (12 updates: past both boundaries)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
