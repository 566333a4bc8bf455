/**
 * Compiled plans (training steps, evaluate's test steps, predict's batches) follow the model when
 * it changes between or during fits: a layer or a single weight frozen or unfrozen, a layer added
 * or popped. A replayed step does not walk the layer tree to find out (nn/weight-structure.ts
 * says when something changed); every case agrees with eager execution.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Activation, Dense, InputLayer, Sequential, Tensor, setSeed } from '../src/index.js';
import { weightStructureVersion } from '../src/nn/weight-structure.js';
import { Rng } from '../src/tensor/random.js';
import { withBufferScope } from '../src/tensor/buffer-pool.js';
import type { Logs } from '../src/train/callbacks/callback.js';
import { assertClose, randomTensor } from './helpers.js';

const rng = new Rng(21);
const x = randomTensor([48, 5], rng);
const y = randomTensor([48, 2], rng);

function build(): Sequential {
  setSeed(3);
  return new Sequential([new InputLayer({ shape: [5] }), new Dense(6, { activation: 'tanh' }), new Dense(2)]);
}

interface Run { weights: Tensor[]; loss: number[]; evaluated: number; predicted: Float32Array; mode: string }

/** Trains with `jitCompile`, changing the model with `change` after the first fit; then evaluates and predicts twice. */
async function run(jitCompile: boolean, change: (m: Sequential) => void, callbacks: { onBatchEnd?: (step: number, logs?: Logs) => void }[] = []): Promise<Run & { model: Sequential }> {
  const m = build();
  m.compile({ optimizer: 'adam', loss: 'mse', jitCompile });
  await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
  await m.evaluate(x, y, { batchSize: 16, verbose: 0 });
  m.predict(x, { batchSize: 16 });
  change(m);
  const h = await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, callbacks });
  const evaluated = (await m.evaluate(x, y, { batchSize: 16, verbose: 0 })) as number;
  m.predict(x, { batchSize: 16 });
  const predicted = Float32Array.from((m.predict(x, { batchSize: 16 }) as Tensor).values);
  return { model: m, weights: m.getWeights(), loss: h.history['loss']!, evaluated, predicted, mode: m.jitCompileStatus().mode };
}

async function agree(what: string, change: (m: Sequential) => void): Promise<Run & { model: Sequential }> {
  const eager = await run(false, change);
  const compiled = await run(true, change);
  assert.equal(compiled.mode, 'compiled', `${what}: ${compiled.model.jitCompileStatus().reason}`);
  assertClose(compiled.loss, eager.loss, 1e-6, `${what}: losses`);
  assertClose([compiled.evaluated], [eager.evaluated], 1e-6, `${what}: evaluate`);
  assertClose(compiled.predicted, eager.predicted, 1e-6, `${what}: predict`);
  assert.equal(compiled.weights.length, eager.weights.length);
  compiled.weights.forEach((w, i) => assertClose(w.values, eager.weights[i]!.values, 1e-6, `${what}: weight ${i}`));
  return compiled;
}

test('a replayed step does not walk the model for its trainable weights until something changes', () => {
  const m = build();
  m.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: true });
  const walks = { n: 0 };
  let proto = Sequential.prototype as object;
  while (!Object.getOwnPropertyDescriptor(proto, 'trainableWeights')) proto = Object.getPrototypeOf(proto) as object;
  const getter = Object.getOwnPropertyDescriptor(proto, 'trainableWeights')!.get!;
  Object.defineProperty(m, 'trainableWeights', { get() { walks.n++; return getter.call(m) as unknown; }, configurable: true });
  const xs = [randomTensor([16, 5], rng)], ys = [randomTensor([16, 2], rng)];
  const step = (): void => { withBufferScope(() => m.runTrainStep({ x: xs, y: ys })); };
  for (let i = 0; i < 3; i++) step(); // trace, check, replay
  assert.equal(m.jitCompileStatus().mode, 'compiled');
  walks.n = 0;
  const replayed = m.jitCompileStatus().replayedSteps;
  for (let i = 0; i < 20; i++) step();
  assert.equal(m.jitCompileStatus().replayedSteps, replayed + 20);
  assert.equal(walks.n, 0, 'replayed steps walked the layer tree');
  // A change anywhere moves the version; the next step compares the lists once, finds them equal and replays on.
  const version = weightStructureVersion();
  m.layers[1]!.trainable = true;
  assert.ok(weightStructureVersion() > version);
  step();
  step();
  assert.equal(walks.n, 1);
  assert.equal(m.jitCompileStatus().replayedSteps, replayed + 22);
  // Freezing really changes the list: the step is traced again (and not replayed).
  const frozen = Float32Array.from(m.layers[0]!.weights[0]!.values);
  m.layers[0]!.trainable = false;
  step();
  assert.equal(m.jitCompileStatus().replayedSteps, replayed + 22);
  for (let i = 0; i < 3; i++) step();
  assert.ok(m.jitCompileStatus().replayedSteps > replayed + 22);
  assertClose(m.layers[0]!.weights[0]!.values, frozen, 0, 'frozen kernel');
});

test('freezing a layer in the middle of an epoch: compiled steps stop updating it, as eager ones do', async () => {
  const freezeAt = (m: Sequential) => [{ onBatchEnd: (step: number) => { if (step === 1) m.layers[0]!.trainable = false; } }];
  const go = async (jitCompile: boolean): Promise<Tensor[]> => {
    const m = build();
    m.compile({ optimizer: 'adam', loss: 'mse', jitCompile });
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, callbacks: freezeAt(m) });
    assert.equal(m.jitCompileStatus().mode, jitCompile ? 'compiled' : 'eager');
    return m.getWeights();
  };
  const eager = await go(false);
  const compiled = await go(true);
  compiled.forEach((w, i) => assertClose(w.values, eager[i]!.values, 1e-6, `weight ${i}`));
});

test('freezing one weight, then unfreezing the layer, between fits agrees with eager', async () => {
  let bias: Float32Array | null = null;
  const r = await agree('one weight frozen', (m) => {
    const b = m.layers[1]!.weights[1]!;
    b.trainable = false;
    bias = Float32Array.from(b.values);
  });
  assertClose(r.model.layers[1]!.weights[1]!.values, bias!, 0, 'the frozen bias moved');
  await agree('frozen, then trainable again', (m) => {
    m.layers[0]!.trainable = false;
    m.layers[0]!.trainable = true;
  });
});

test('a layer added to a Sequential model after compiled fits is trained, evaluated and predicted with', async () => {
  // Activation has no weights: the trainable weights alone do not show the change.
  const r = await agree('Activation added', (m) => m.add(new Activation('sigmoid')));
  for (const v of r.predicted) assert.ok(v > 0 && v < 1, `predict ignored the added sigmoid: ${v}`);
  await agree('Dense added', (m) => m.add(new Dense(2)));
});

test('a layer popped and replaced after compiled fits agrees with eager', async () => {
  await agree('pop, then Dense(2, sigmoid)', (m) => {
    m.pop();
    m.add(new Dense(2, { activation: 'sigmoid' }));
  });
  await agree('the same output layer put back behind a new one', (m) => {
    const out = m.pop();
    m.add(new Activation('relu'));
    m.add(out);
  });
});
