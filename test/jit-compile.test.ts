/**
 * Compiled training steps (model.compile({ jitCompile })): every model the CLI trains gives the
 * same losses and weights compiled and eager, on every backend; models the trace cannot handle
 * fall back to eager with a reason; a plan whose replay would differ is caught; memory stays
 * bounded over many steps and batch shapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import {
  Adam, Dense, Input, Lambda, Model, Sequential, Tensor, getBackend, listBackends, ops, setBackend, setSeed,
} from '../src/index.js';
import { buildAutoencoder, buildClassifier, buildConvnet } from '../src/models/mnist-models.js';
import { buildRegressionNetwork } from '../src/tasks/tabular-regression.js';
import { buildDenoiser } from '../src/tasks/denoise-model.js';
import { CompiledTrainStep, MAX_PLANS, MAX_UNUSED_PLANS, type JitModel } from '../src/train/compiled-step.js';
import { checkTrace } from '../src/train/trace-checks.js';
import { CompiledForward } from '../src/train/compiled-forward.js';
import { traceStep } from '../src/tensor/step-trace.js';
import { kernels } from '../src/backend/registry.js';
import { Rng } from '../src/tensor/random.js';
import type { CompileArgs } from '../src/models/model.js';
import { assertClose, randomTensor } from './helpers.js';

interface Case {
  name: string;
  build: () => Model;
  /** A function: each run needs its own optimizer (optimizers keep state). */
  compile: () => Omit<CompileArgs, 'jitCompile'>;
  x: Tensor;
  y: Tensor;
  batchSize: number;
}

const rng = new Rng(11);
const labels = (n: number, k: number): Tensor => new Tensor(Float32Array.from({ length: n }, () => rng.int(k)), [n]);
const images = (shape: number[]): Tensor => randomTensor(shape, rng, 0, 1);

/** The CLI's models at small sizes, compiled as the CLI compiles them. */
const CASES: Case[] = [
  { name: 'autoencoder', build: buildAutoencoder, compile: () => ({ optimizer: 'adamax', loss: 'mse' }), x: images([40, 28, 28]), y: new Tensor(new Float32Array(0), [0]), batchSize: 16 },
  {
    name: 'classifier (default, dropout)', build: () => buildClassifier('default'),
    compile: () => ({ optimizer: new Adam({ learningRate: 1e-3 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] }),
    x: images([40, 28, 28]), y: labels(40, 10), batchSize: 16,
  },
  {
    name: 'classifier (course, categorical)', build: () => buildClassifier('course'),
    compile: () => ({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] }),
    x: images([40, 28, 28]), y: ops.oneHot(labels(40, 10), 10), batchSize: 16,
  },
  {
    name: 'regression network', build: () => buildRegressionNetwork(5),
    compile: () => ({ optimizer: 'rmsprop', loss: 'mse', metrics: ['mae'] }), x: randomTensor([50, 5], rng), y: randomTensor([50, 1], rng), batchSize: 16,
  },
  {
    name: 'convnet (deepts cnn)', build: () => buildConvnet(),
    compile: () => ({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] }), x: images([20, 28, 28, 1]), y: labels(20, 10), batchSize: 8,
  },
  {
    name: 'convnet --batch-norm (moving averages as host writes)', build: () => buildConvnet({ batchNorm: true }),
    compile: () => ({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] }), x: images([20, 28, 28, 1]), y: labels(20, 10), batchSize: 8,
  },
  { name: 'denoiser', build: () => buildDenoiser(1), compile: () => ({ optimizer: 'adamax', loss: 'mae' }), x: images([12, 12, 12, 1]), y: images([12, 12, 12, 1]), batchSize: 4 },
];

interface Trained { model: Model; loss: number[]; valLoss: number[]; evaluated: number[]; predicted: Float32Array[]; weights: Tensor[] }

/** fit with validation on the training data (evaluate's test steps each epoch), then evaluate and predict twice (so predict's plans replay). */
async function train(c: Case, jitCompile: boolean | 'auto', epochs = 2): Promise<Trained> {
  setSeed(5);
  const model = c.build();
  model.compile({ ...c.compile(), jitCompile });
  const y = c.y.size === 0 ? c.x : c.y;
  const h = await model.fit(c.x, y, { epochs, batchSize: c.batchSize, verbose: 0, validationData: [c.x, y] });
  const evaluated = [await model.evaluate(c.x, y, { batchSize: c.batchSize, verbose: 0 })].flat();
  const predicted = [0, 1].map(() => Float32Array.from((model.predict(c.x, { batchSize: c.batchSize }) as Tensor).values));
  return { model, loss: h.history['loss']!, valLoss: h.history['val_loss']!, evaluated, predicted, weights: model.getWeights() };
}

for (const backend of listBackends().map((b) => b.name)) {
  test(`compiled steps give eager's losses and weights for every CLI model (${backend})`, async () => {
    const before = getBackend().name;
    setBackend(backend);
    try {
      for (const c of backend === 'js' ? CASES.filter((k) => !k.name.startsWith('conv')) : CASES) {
        const eager = await train(c, false);
        const compiled = await train(c, 'auto');
        const status = compiled.model.jitCompileStatus();
        assert.equal(status.mode, 'compiled', `${c.name}: ${status.reason}`);
        assert.ok(status.replayedSteps > 0, `${c.name}: no step was replayed`);
        assert.ok((status.replayedForwardBatches ?? 0) > 0, `${c.name}: no evaluate/predict batch was replayed`);
        assert.equal(eager.model.jitCompileStatus().mode, 'eager');
        assert.equal(eager.model.jitCompileStatus().replayedForwardBatches, 0);
        assertClose(compiled.loss, eager.loss, 1e-6, `${c.name} losses`);
        assertClose(compiled.valLoss, eager.valLoss, 1e-6, `${c.name} validation losses`);
        assertClose(compiled.evaluated, eager.evaluated, 1e-6, `${c.name} evaluate`);
        compiled.predicted.forEach((p, i) => assertClose(p, eager.predicted[i]!, 1e-6, `${c.name} predict ${i}`));
        compiled.weights.forEach((w, i) => assertClose(w.values, eager.weights[i]!.values, 1e-6, `${c.name} weight ${i}`));
      }
    } finally {
      setBackend(before);
    }
  });
}

test('regularizers, a constraint, clipnorm, weight decay and a callback that sets weights agree compiled and eager', async () => {
  const x = randomTensor([48, 6], rng);
  const y = randomTensor([48, 2], rng);
  const run = async (jitCompile: boolean): Promise<Tensor[]> => {
    setSeed(9);
    const m = new Sequential([
      new Dense(8, { activation: 'tanh', inputShape: [6], kernelRegularizer: 'l2', activityRegularizer: 'l1', kernelConstraint: 'maxNorm' }),
      new Dense(2, { biasRegularizer: 'l1' }),
    ]);
    m.compile({
      optimizer: new Adam({ learningRate: 0.01, clipnorm: 0.5, weightDecay: 0.01 }), loss: 'huber', jitCompile,
    });
    await m.fit(x, y, {
      epochs: 3, batchSize: 16, verbose: 0,
      callbacks: [{ onBatchEnd: (step: number) => { if (step === 1) m.setWeights(m.getWeights().map((w) => ops.mul(w, 0.9))); } }],
    });
    assert.equal(m.jitCompileStatus().mode, jitCompile ? 'compiled' : 'eager', String(m.jitCompileStatus().reason));
    return m.getWeights();
  };
  const eager = await run(false);
  const compiled = await run(true);
  compiled.forEach((w, i) => assertClose(w.values, eager[i]!.values, 1e-6, `weight ${i}`));
});

test('freezing a layer between fits traces the step again', async () => {
  const x = randomTensor([32, 4], rng);
  const y = randomTensor([32, 1], rng);
  const run = async (jitCompile: boolean): Promise<Tensor[]> => {
    setSeed(2);
    const m = buildRegressionNetwork(4);
    m.compile({ optimizer: 'sgd', loss: 'mse', jitCompile });
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    m.layers[0]!.trainable = false;
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    return m.getWeights();
  };
  const eager = await run(false);
  const compiled = await run(true);
  compiled.forEach((w, i) => assertClose(w.values, eager[i]!.values, 1e-6, `weight ${i}`));
});

test('models the trace cannot handle train eagerly and say why', async () => {
  const x = randomTensor([24, 3], rng);
  const y = randomTensor([24, 1], rng);
  class Scaled extends Dense {}
  const cases: [string, () => Model, RegExp][] = [
    ['a custom layer class', () => new Sequential([new Scaled(1, { inputShape: [3] })]), /layer 'scaled.*' \(Dense\)|not one compiled steps can trace/],
    ['Lambda', () => {
      const i = Input({ shape: [3] });
      return new Model({ inputs: i, outputs: new Dense(1).apply(new Lambda((t) => ops.mul(t as Tensor, 2)).apply(i)) });
    }, /Lambda/],
    ['a subclassed model', () => {
      class Net extends Model {
        readonly d = new Dense(1);
        override call(t: Tensor | Tensor[]): Tensor {
          return this.d.apply(t as Tensor) as Tensor;
        }
      }
      return new Net();
    }, /subclassed model/],
    ['an augmented convnet', () => buildConvnet({ augment: true }), /RandomRotation/],
  ];
  for (const [what, build, reason] of cases) {
    const m = build();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const isConv = what.includes('convnet');
    const xs = isConv ? images([4, 28, 28, 1]) : x;
    const ys = isConv ? randomTensor([4, 10], rng) : y;
    const h = await m.fit(xs, ys, { epochs: 2, batchSize: isConv ? 2 : 8, verbose: 0 });
    const s = m.jitCompileStatus();
    assert.equal(s.mode, 'eager', what);
    assert.match(String(s.reason), reason, what);
    assert.ok(h.history['loss']!.every(Number.isFinite), what);
  }
  const m = buildRegressionNetwork(3);
  m.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: false });
  await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
  assert.deepEqual([m.jitCompileStatus().mode, m.jitCompileStatus().reason, m.jitCompile], ['eager', 'jitCompile is false', false]);
  assert.throws(() => m.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: 'yes' as unknown as boolean }), /jitCompile must be true, false or 'auto'/);
});

test('a step that computes data in JavaScript behind the trace is caught by the first replay (negative control)', async () => {
  // A model whose forward pass scales by a factor computed in JS from the batch: the trace
  // records the factor of the first batch as a constant, so the replay must be rejected.
  setSeed(1);
  const inner = new Sequential([new Dense(1, { inputShape: [2] })]);
  inner.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: false });
  const c = (inner as unknown as { compiledState: ConstructorParameters<typeof CompiledTrainStep>[1] }).compiledState;
  const model: JitModel = {
    get trainableWeights() { return inner.trainableWeights; },
    inputNames: ['x'], outputNames: ['y'], layers: [], nonTrainableWeights: [], losses: [], stopTraining: false,
    jitBlocker: () => null,
    forwardAll: (xs: Tensor[], training: boolean) => {
      const scale = xs[0]!.values[0]! > 0 ? 2 : -3; // read in JS: invisible to the trace
      return [ops.mul(inner.forwardAll(xs, training)[0]!, scale)];
    },
    runTrainStep: () => ({}), runTestStep: () => ({}), resetMetrics: () => {},
  } as unknown as JitModel;
  const step = new CompiledTrainStep(model, c, 'auto');
  const batch = (v: number): { x: Tensor[]; y: Tensor[] } => ({ x: [new Tensor(new Float32Array([v, 1, v, 2]), [2, 2])], y: [new Tensor(new Float32Array([1, 2]), [2, 1])] });
  const eager = (): never => assert.fail('the eager step is only for models that cannot be traced at all');
  step.trainStep(batch(1), eager);
  assert.equal(step.status().mode, 'pending');
  step.trainStep(batch(-1), eager);
  assert.equal(step.status().mode, 'eager');
  assert.match(String(step.status().reason), /replayed step differed from the eager one/);
});

test('compiled test steps and predict batches: a value read in JavaScript behind the trace is caught (negative control)', () => {
  setSeed(1);
  const inner = new Sequential([new Dense(1, { inputShape: [2] })]);
  inner.compile({ optimizer: 'sgd', loss: 'mse', jitCompile: false });
  const c = (inner as unknown as { compiledState: ConstructorParameters<typeof CompiledForward>[1] }).compiledState;
  let iterations = 0;
  const model = (readsWeight: boolean): JitModel => ({
    get trainableWeights() { return inner.trainableWeights; },
    get optimizer() { return { iterations }; },
    inputNames: ['x'], outputNames: ['y'], layers: [], nonTrainableWeights: [], losses: [], stopTraining: false,
    jitBlocker: () => null,
    forwardAll: (xs: Tensor[], training: boolean) => {
      // Read in JS, invisible to the trace: from the batch, or from a weight (which only changes with training).
      const scale = readsWeight ? inner.trainableWeights[0]!.values[0]! : xs[0]!.values[0]! > 0 ? 2 : -3;
      return [ops.mul(inner.forwardAll(xs, training)[0]!, scale)];
    },
  } as unknown as JitModel);
  const batch = (v: number): { x: Tensor[]; y: Tensor[] } => ({ x: [new Tensor(new Float32Array([v, 1, v, 2]), [2, 2])], y: [new Tensor(new Float32Array([1, 2]), [2, 1])] });
  const eager = (): never => assert.fail('the eager step is only for models that cannot be traced at all');
  // From the batch: the first replay differs.
  const test1 = new CompiledForward(model(false), c, 'auto');
  test1.testStep(batch(1), eager);
  test1.testStep(batch(-1), eager);
  assert.match(String(test1.reason), /replayed test step differed from the eager one/);
  const predict = new CompiledForward(model(false), null, 'auto');
  predict.predictBatch(batch(1).x);
  const expected = ops.mul(inner.forwardAll(batch(-1).x, false)[0]!, -3).values;
  assertClose(predict.predictBatch(batch(-1).x)![0]!.values, expected, 1e-6, 'the rejected replay returns the eager outputs');
  assert.equal(predict.predictBatch(batch(-1).x), null, 'later batches run eagerly');
  assert.match(String(predict.reason), /replayed forward pass differed/);
  // From a weight: replays agree until the weights change, then the check after the update catches it.
  const test2 = new CompiledForward(model(true), c, 'auto');
  for (let i = 0; i < 3; i++) test2.testStep(batch(1), eager);
  assert.equal(test2.reason, null);
  assert.equal(test2.replayed, 1);
  inner.trainableWeights[0]!.values[0]! += 0.5;
  iterations = 1;
  test2.testStep(batch(1), eager);
  assert.match(String(test2.reason), /differed/);
});

test('the trace check rejects a kernel that overwrites memory the step reads from outside', () => {
  const w = new Float32Array(4096).fill(1);
  const out = new Float32Array(4096);
  const { entries } = traceStep(() => {
    kernels().unary('relu', w, out, 0);
    kernels().unary('neg', out, w, 0); // writes into its own input "weight"
  });
  assert.match(String(checkTrace(entries)), /writes into memory the step reads from outside/);
  const ok = traceStep(() => {
    kernels().unary('relu', w, out, 0);
    kernels().unary('neg', out, out, 0);
  });
  assert.equal(checkTrace(ok.entries), null);
});

test('memory stays bounded: plans per batch shape are capped and replayed steps do not grow the heap', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setSeed(4);
  const m = buildRegressionNetwork(8);
  m.compile({ optimizer: 'adam', loss: 'mse' });
  // Many batch sizes: each is a plan, and only MAX_PLANS are kept.
  for (let n = 3; n < 3 + 2 * MAX_PLANS + 2; n++) m.trainOnBatch(randomTensor([n, 8], rng), randomTensor([n, 1], rng));
  assert.ok(m.jitCompileStatus().plans <= MAX_PLANS);
  const x = randomTensor([64, 8], rng);
  const y = randomTensor([64, 1], rng);
  await m.fit(x, y, { epochs: 5, batchSize: 16, verbose: 0 });
  gc();
  const before = process.memoryUsage();
  await m.fit(x, y, { epochs: 60, batchSize: 16, verbose: 0 });
  gc();
  const after = process.memoryUsage();
  assert.equal(m.jitCompileStatus().mode, 'compiled');
  const grown = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
  assert.ok(grown < 4e6, `memory grew by ${(grown / 1e6).toFixed(1)} MB over 240 compiled steps`);
});

test('on the native addon a replayed autoencoder step, its optimizer update included, is one call into C++', async (t) => {
  const native = listBackends().find((b) => b.name === 'native') as { addon?: { runPlan?: (p: unknown) => void } } | undefined;
  const addon = native?.addon;
  if (!addon?.runPlan) {
    t.skip('the native addon (with plans) is not built');
    return;
  }
  const before = getBackend().name;
  setBackend('native');
  const original = addon.runPlan;
  let calls = 0;
  let lastPlan: unknown = null;
  addon.runPlan = (p: unknown) => {
    calls++;
    lastPlan = p;
    original.call(addon, p);
  };
  const prof = addon as unknown as {
    setPlanProfiling?: (on: boolean) => void;
    planProfile?: (p: unknown) => { name: string; seconds: number; cpuSeconds: number; runs: number; flops: number }[];
  };
  const a = addon as unknown as { optimizerStep: (...args: unknown[]) => void };
  const originalStep = a.optimizerStep;
  let stepCalls = 0;
  a.optimizerStep = (...args: unknown[]) => {
    stepCalls++;
    originalStep.apply(addon, args);
  };
  try {
    setSeed(1);
    const m = buildAutoencoder();
    m.compile({ optimizer: 'adamax', loss: 'mse' });
    const x = images([8, 28, 28]);
    m.trainOnBatch(x, x); // traced
    m.trainOnBatch(x, x); // first replay, checked against eager
    calls = 0;
    stepCalls = 0;
    prof.setPlanProfiling?.(true);
    for (let i = 0; i < 5; i++) m.trainOnBatch(x, x);
    prof.setPlanProfiling?.(false);
    assert.equal(m.jitCompileStatus().mode, 'compiled');
    assert.equal(calls, 5, 'one runPlan call per replayed step');
    if (prof.planProfile) {
      // Profiling: every item of the plan timed on each of the 5 replays, named, GEMMs with their work.
      const items = prof.planProfile(lastPlan);
      assert.ok(items.length > 10 && items.every((it) => it.runs === 5 && it.seconds >= 0 && it.cpuSeconds >= 0 && it.name.length > 0));
      const first = items.find((it) => it.name.startsWith('matmul'))!;
      // The Dense layer's bias and relu run in the GEMM's epilogue (one plan op).
      assert.equal(first.name, 'matmul+biasAct relu 8x128x784');
      assert.ok(!items.some((it) => it.name.startsWith('biasAct relu')), 'every Dense forward is fused');
      assert.equal(first.flops, 2 * 8 * 128 * 784);
      assert.ok(items.some((it) => it.name === 'optimizerStep adamax'));
    }
    assert.equal(stepCalls, 0, 'the optimizer update runs inside the plan');
    assert.equal(m.optimizer!.iterations, 7);
  } finally {
    addon.runPlan = original;
    a.optimizerStep = originalStep;
    setBackend(before);
  }
});

test('a model fed a new batch shape every step stops tracing and says why', () => {
  setSeed(6);
  const m = buildRegressionNetwork(3);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  for (let n = 2; n < 2 + MAX_PLANS + MAX_UNUSED_PLANS + 1; n++) m.trainOnBatch(randomTensor([n, 3], rng), randomTensor([n, 1], rng));
  const s = m.jitCompileStatus();
  assert.equal(s.mode, 'eager');
  assert.match(String(s.reason), /batch shapes keep changing/);
  assert.equal(s.plans, 0);
});

test("restoring the optimizer's state mid-training (setState) re-reads its slots, compiled as eager", async () => {
  const x = randomTensor([32, 4], rng);
  const y = randomTensor([32, 1], rng);
  const run = async (jitCompile: boolean): Promise<Tensor[]> => {
    setSeed(8);
    const m = buildRegressionNetwork(4);
    m.compile({ optimizer: 'adam', loss: 'mse', jitCompile });
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    const o = m.optimizer!;
    const saved = o.getState();
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    o.setState(saved, m.trainableWeights); // back to the moments of two epochs ago (new slot arrays)
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    return m.getWeights();
  };
  const eager = await run(false);
  const compiled = await run(true);
  compiled.forEach((w, i) => assertClose(w.values, eager[i]!.values, 1e-6, `weight ${i}`));
});
