/**
 * The optimizer's state in .keras files (/optimizer/vars of model.weights.h5, Keras 3's
 * BaseOptimizer.save_own_variables): training resumed from a saved file continues exactly as
 * the uninterrupted run, for every optimizer; the variables are in Keras' order; a file whose
 * optimizer variables do not fit is skipped with a warning, as Keras does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import h5wasm, { type Dataset, type Group } from 'h5wasm';
import {
  Adagrad, Adam, AdamW, Adamax, Dense, Lion, Nadam, RMSprop, Rng, SGD, Sequential, Tensor, loadModel, optimizers, setSeed, type Optimizer,
} from '../src/index.js';
import { randomTensor } from './helpers.js';

const x = randomTensor([16, 3], new Rng(1), -1, 1);
const y = randomTensor([16, 2], new Rng(2), -1, 1);

function makeModel(optimizer: Optimizer): Sequential {
  setSeed(7);
  const model = new Sequential([new Dense(4, { inputShape: [3], activation: 'tanh' }), new Dense(2)]);
  model.compile({ optimizer, loss: 'mse' });
  return model;
}

async function withDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-keras-opt-'));
  try {
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The h5 file inside a .keras archive, opened with h5wasm, handed to `f`. */
async function withWeightsH5<T>(path: string, f: (file: Group) => T): Promise<T> {
  const bytes = unzipSync(readFileSync(path))['model.weights.h5']!;
  const { FS } = (await h5wasm.ready) as unknown as { FS: { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void } };
  FS.writeFile('/opt-check.h5', bytes);
  const file = new h5wasm.File('/opt-check.h5', 'r');
  try {
    return f(file);
  } finally {
    file.close();
    FS.unlink('/opt-check.h5');
  }
}

const weightsOf = (m: Sequential): number[] => m.weights.flatMap((w) => Array.from(w.values));

const OPTIMIZERS: [string, () => Optimizer][] = [
  ['SGD with momentum', () => new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
  ['SGD without momentum', () => new SGD(0.05)],
  ['Adam', () => new Adam(0.01)],
  ['Adam amsgrad', () => new Adam({ learningRate: 0.01, amsgrad: true })],
  ['AdamW', () => new AdamW({ learningRate: 0.01, weightDecay: 0.01 })],
  ['Adamax', () => new Adamax(0.01)],
  ['RMSprop centered with momentum', () => new RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true })],
  ['RMSprop', () => new RMSprop(0.01)],
  ['Adagrad', () => new Adagrad(0.1)],
  ['Nadam', () => new Nadam(0.01)],
  ['Lion', () => new Lion(0.001)],
  ['Adam on a CosineDecay schedule', () => new Adam({ learningRate: new optimizers.schedules.CosineDecay({ initialLearningRate: 0.01, decaySteps: 20 }) })],
];

for (const [name, make] of OPTIMIZERS) {
  test(`.keras keeps the ${name} state: training resumed from the file matches the uninterrupted run`, async () => {
    const straight = makeModel(make());
    await straight.fit(x, y, { epochs: 5, batchSize: 4, shuffle: false, verbose: 0 });
    await withDir(async (dir) => {
      const first = makeModel(make());
      await first.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
      const path = join(dir, 'm.keras');
      await first.save(path);
      const resumed = (await loadModel(path)) as unknown as Sequential;
      assert.equal(resumed.optimizer!.iterations, 12);
      await resumed.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
      assert.deepEqual(weightsOf(resumed), weightsOf(straight));
    });
  });
}

test('.keras optimizer variables are in Keras order: iteration, learning_rate, then per build() call interleaved by variable', async () => {
  await withDir(async (dir) => {
    const model = makeModel(new RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true }));
    await model.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    const path = join(dir, 'm.keras');
    await model.save(path);
    const state = new Map(model.optimizer!.getState().slots.map((s) => [s.name, s.values]));
    const vars = model.trainableWeights;
    await withWeightsH5(path, (f) => {
      const group = f.get('optimizer/vars') as Group;
      // 4 variables × (velocity, momentum, average_gradient) + iteration + learning_rate
      assert.equal(group.keys().length, 2 + 3 * vars.length);
      const value = (i: number): number[] => Array.from((group.get(String(i)) as Dataset).value as ArrayLike<number | bigint>, Number);
      const ds0 = group.get('0') as Dataset;
      assert.equal(ds0.dtype, '<q');
      assert.equal(Number(ds0.value as bigint), 2);
      assert.ok(Math.abs(Number((group.get('1') as Dataset).value) - 0.01) < 1e-9);
      // RMSprop's build(): all velocities, then all momentums, then all average gradients.
      for (let slot = 0; slot < 3; slot++) {
        vars.forEach((v, j) => {
          const i = 2 + slot * vars.length + j;
          assert.deepEqual((group.get(String(i)) as Dataset).shape, [...v.shape]);
          assert.deepEqual(value(i), Array.from(state.get(v.name)![slot]!), `optimizer/vars/${i}`);
        });
      }
    });
    // Adam's build() makes momentum and velocity in one call: m0 v0 m1 v1 ...
    const adam = makeModel(new Adam(0.01));
    await adam.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    const adamPath = join(dir, 'adam.keras');
    await adam.save(adamPath);
    const adamState = new Map(adam.optimizer!.getState().slots.map((s) => [s.name, s.values]));
    await withWeightsH5(adamPath, (f) => {
      const group = f.get('optimizer/vars') as Group;
      const kernel = adam.trainableWeights[0]!;
      assert.deepEqual(Array.from((group.get('2') as Dataset).value as Float32Array), Array.from(adamState.get(kernel.name)![0]!));
      assert.deepEqual(Array.from((group.get('3') as Dataset).value as Float32Array), Array.from(adamState.get(kernel.name)![1]!));
    });
  });
});

test('an untrained compiled model saves only iteration and learning_rate, and a Nadam file carries its momentum product', async () => {
  await withDir(async (dir) => {
    const fresh = makeModel(new Adam(0.01));
    const path = join(dir, 'fresh.keras');
    await fresh.save(path);
    await withWeightsH5(path, (f) => assert.deepEqual((f.get('optimizer/vars') as Group).keys().sort(), ['0', '1']));
    const loaded = (await loadModel(path)) as unknown as Sequential;
    assert.equal(loaded.optimizer!.iterations, 0);

    const nadam = makeModel(new Nadam(0.01));
    await nadam.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    const nadamPath = join(dir, 'nadam.keras');
    await nadam.save(nadamPath);
    await withWeightsH5(nadamPath, (f) => {
      const group = f.get('optimizer/vars') as Group;
      assert.equal(group.keys().length, 2 + 2 * 4 + 1);
      const u = (t: number): number => 0.9 * (1 - 0.5 * Math.pow(0.96, t));
      assert.ok(Math.abs(Number((group.get('10') as Dataset).value) - u(1) * u(2)) < 1e-7);
    });
  });
});

test('a .keras file whose optimizer variables do not fit is loaded with Keras\' warning and a fresh optimizer', async () => {
  await withDir(async (dir) => {
    const model = makeModel(new Adam(0.01));
    await model.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    const path = join(dir, 'adam.keras');
    await model.save(path);
    // The same file claimed for an RMSprop: 2 + 4 variables × 1 slot expected, 2 + 4 × 2 saved.
    const bytes = readFileSync(path);
    const files = unzipSync(bytes);
    const config = JSON.parse(new TextDecoder().decode(files['config.json']!));
    config.compile_config.optimizer = { module: 'keras.optimizers', class_name: 'RMSprop', config: { name: 'rmsprop', learning_rate: 0.01 }, registered_name: null };
    const other = join(dir, 'other.keras');
    writeFileSync(other, zipSync({ ...files, 'config.json': strToU8(JSON.stringify(config)) }));
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (m: unknown) => warnings.push(String(m));
    let loaded: Sequential;
    try {
      loaded = (await loadModel(other)) as unknown as Sequential;
    } finally {
      console.warn = warn;
    }
    assert.equal(loaded.optimizer!.name, 'RMSprop');
    assert.equal(loaded.optimizer!.iterations, 0);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /skipping variable loading for optimizer 'RMSprop', because it has 6 variables whereas the saved optimizer has 10 variables/);
    assert.deepEqual(Array.from((loaded.predict(x) as Tensor).values), Array.from((model.predict(x) as Tensor).values));
  });
});
