/** model.fit / evaluate / predict fed by a Dataset, against the same model fed by tensors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Adam, Dense, Sequential, Tensor, setSeed, type TextOutput } from '../src/core.js';
import { Dataset } from '../src/data/dataset/index.js';
import { Rng } from '../src/tensor/random.js';
import { assertClose, countInferencePasses, randomTensor } from './helpers.js';
import { vouchFinite } from '../src/train/data-adapter.js';

const silent: TextOutput = { write: () => {}, isTTY: false };

function regressionData(n: number): { x: Tensor; y: Tensor } {
  const rng = new Rng(5);
  const x = randomTensor([n, 3], rng);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = 2 * x.values[i * 3]! - x.values[i * 3 + 1]! + 0.5 * x.values[i * 3 + 2]! + 0.3;
  return { x, y: new Tensor(y, [n, 1]) };
}

function model(): Sequential {
  setSeed(1);
  const m = new Sequential([new Dense(8, { inputShape: [3], activation: 'tanh' }), new Dense(1)]);
  m.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'mse', metrics: ['mae'] });
  return m;
}

test('fit on an infinite dataset with stepsPerEpoch learns (beats predicting the mean) and reports val_loss', async () => {
  const { x, y } = regressionData(256);
  const m = model();
  const train = Dataset.fromTensorSlices([x, y]).repeat().shuffle(256, { seed: 2 }).batch(16).prefetch();
  const val = Dataset.fromTensorSlices([x, y]).batch(64);
  const h = await m.fit(train, { epochs: 6, stepsPerEpoch: 40, validationData: val, verbose: 0 });
  const losses = h.history.loss!;
  assert.equal(losses.length, 6);
  const yMean = y.values.reduce((s, v) => s + v, 0) / y.size;
  const baseline = y.values.reduce((s, v) => s + (v - yMean) ** 2, 0) / y.size;
  assert.ok(losses[5]! < 0.1 * baseline, `final loss ${losses[5]} vs mean-baseline ${baseline}`);
  assert.equal(h.history.val_loss!.length, 6);
  assert.ok(h.history.val_loss![5]! < 0.1 * baseline);
  assert.ok('val_mae' in h.history);
});

test('evaluate(dataset) and predict(dataset) give what the tensor versions give', async () => {
  const { x, y } = regressionData(100);
  const m = model();
  const ds = Dataset.fromTensorSlices([x, y]).batch(7);
  const fromDs = await m.evaluateLogs(ds);
  const fromTensors = await m.evaluateLogs(x, y, { batchSize: 32, verbose: 0 });
  assertClose([fromDs.loss!, fromDs.mae!], [fromTensors.loss!, fromTensors.mae!], 1e-5, 'evaluate');
  assert.deepEqual(await m.evaluate(ds, { verbose: 0 }), [fromTensors.loss, fromTensors.mae].map((v, i) => [fromDs.loss, fromDs.mae][i]));
  const p = await m.predict(ds);
  assert.deepEqual(p.shape, [100, 1]);
  assertClose(p.values, m.predict(x).values, 1e-6, 'predict');
  const onlyX = await m.predict(Dataset.fromTensorSlices(x).batch(30));
  assertClose(onlyX.values, p.values, 0, 'predict on input-only batches');
  assert.equal((await m.predict(Dataset.fromTensorSlices(x).batch(30).repeat(), { steps: 2 })).shape[0], 60);
});

test('a finite dataset: one pass per epoch, a fresh shuffle each epoch; unknown sizes are counted', async () => {
  const { x, y } = regressionData(50);
  const m = model();
  let steps = 0;
  const ds = Dataset.fromTensorSlices([x, y]).shuffle(50).batch(10);
  const h = await m.fit(ds, { epochs: 3, verbose: 0, callbacks: [{ onBatchEnd: () => void steps++ }] });
  assert.equal(steps, 15);
  assert.equal(h.history.loss!.length, 3);
  const lines: string[] = [];
  const out: TextOutput = { write: (s) => void lines.push(s), isTTY: false };
  await m.fit(Dataset.fromTensorSlices([x, y]).filter(() => true).batch(10), { epochs: 2, output: out });
  assert.match(lines.join(''), /5\/5 ━+ \d+s/, 'after the first epoch the step count is known');
});

test('stepsPerEpoch continues one iterator across epochs; running out stops training with a warning', async () => {
  const { x, y } = regressionData(40);
  const m = model();
  const seenFirst: number[] = [];
  const ds = Dataset.fromTensorSlices([x, y]).batch(10).map((b, i) => {
    seenFirst.push(i);
    return b;
  });
  const lines: string[] = [];
  const h = await m.fit(ds, { epochs: 5, stepsPerEpoch: 3, verbose: 0, output: { write: (s) => void lines.push(s), isTTY: false } });
  assert.deepEqual(seenFirst, [0, 1, 2, 3], 'epoch 2 continued where epoch 1 stopped');
  assert.equal(h.history.loss!.length, 2);
  assert.match(lines.join(''), /ran out of data after 1 of 3 steps in epoch 2/);
});

test('fit with a dataset: clear errors for an infinite dataset without stepsPerEpoch, wrong elements and batchSize', async () => {
  const { x, y } = regressionData(20);
  const m = model();
  const ds = Dataset.fromTensorSlices([x, y]).batch(5);
  await assert.rejects(m.fit(ds.repeat(), { verbose: 0 }), /infinite.*pass stepsPerEpoch/);
  await assert.rejects(m.fit(ds, { batchSize: 5, verbose: 0 }), /batchSize does not apply to a dataset/);
  await assert.rejects(m.fit(Dataset.fromTensorSlices(x).batch(5), { verbose: 0 }), /dataset element 0 is a tensor of shape \[5, 3\], expected an \[inputs, targets\] pair/);
  await assert.rejects(m.fit(Dataset.fromTensorSlices([x, x]).batch(5), { verbose: 0 }), /per-sample shape \[3\] but the model outputs \[1\]/);
  await assert.rejects(m.fit(ds.take(0), { verbose: 0 }), /got no batches/);
  await assert.rejects(m.fit(ds, { validationData: ds.repeat(), verbose: 0 }), /validationData: the dataset is infinite.*validationSteps/);
  const bad = ds.map(([a, b], i) => {
    if (i === 2) throw new Error('corrupt record');
    return [a, b] as [Tensor, Tensor];
  });
  await assert.rejects(m.fit(bad, { epochs: 1, verbose: 0, output: silent }), /Dataset map failed on element 2 \(pipeline: fromTensorSlices → batch\(5\) → map\): corrupt record/);
});

test('the one-sample forward pass that shapes the target check runs once per input signature, not once per fit', async () => {
  const { x, y } = regressionData(20);
  const m = model();
  const inference = countInferencePasses(m);
  const ds = Dataset.fromTensorSlices([x, y]).batch(5);
  for (let i = 0; i < 3; i++) await m.fit(ds, { epochs: 2, verbose: 0 });
  assert.equal(inference(), 1);
  // Targets are still checked against the remembered output shape in later fits.
  await assert.rejects(m.fit(Dataset.fromTensorSlices([x, x]).batch(5), { verbose: 0 }), /per-sample shape \[3\] but the model outputs \[1\]/);
});

test('every batch of a dataset is checked: a later batch with targets of another shape, or (for a probability loss) values outside [0, 1], is named', async () => {
  const { x, y } = regressionData(16);
  // Inputs gathered from a checked source and targets vouched finite: after the first batch only shapes could differ.
  const labels = (i: number): Tensor => {
    const t = new Tensor(new Float32Array(i < 2 ? 4 : 8), [4, i < 2 ? 1 : 2]);
    vouchFinite(t);
    return t;
  };
  const pairs = Dataset.fromTensorSlices(x).batch(4).map((b, i) => [b, labels(i)] as [Tensor, Tensor]);
  await assert.rejects(model().fit(pairs, { verbose: 0 }), /dataset batch 2: .*per-sample shape \[2\] but the model outputs \[1\]|per-sample shape \[2\] but the model outputs \[1\]/);
  assert.equal(y.shape[0], 16);
  setSeed(1);
  const m = new Sequential([new Dense(1, { inputShape: [3], activation: 'sigmoid' })]);
  m.compile({ optimizer: 'adam', loss: 'binary_crossentropy' });
  const probs = new Tensor(new Float32Array(16).fill(0.5), [16, 1]);
  const outside = new Tensor(new Float32Array(16).fill(0.5).map((v, i) => (i === 5 ? 1.5 : v)), [16, 1]);
  await assert.rejects(m.fit(Dataset.fromGenerator(function* () {
    yield [x, probs] as [Tensor, Tensor];
    yield [x, outside] as [Tensor, Tensor];
  }), { verbose: 0 }), /target 1.5 at index 5 is not a probability in \[0, 1\]/);
});

test('fit with a dataset reports NaN/Infinity in a batch, whether the batch is gathered from its source or computed by a map', async () => {
  const { x, y } = regressionData(40);
  // The fast path (rows of x gathered into a batch) checks x once; a source with a NaN is checked batch by batch.
  const clean = x.values.slice();
  const dirty = clean.slice();
  dirty[17 * 3 + 1] = Number.NaN;
  const xd = new Tensor(dirty, [40, 3]);
  const ds = (xs: Tensor) => Dataset.fromTensorSlices([xs, y]).shuffle(40, { seed: 3 }).batch(8);
  await assert.rejects(model().fit(ds(xd), { verbose: 0 }), /inputs contain NaN at flat index \d+ \(sample \d+\)/);
  // Rows of a tensor that is a view into a larger buffer (the infinity lies in x's own rows).
  const big = new Float32Array(3 * 50);
  big.set(clean, 3 * 5);
  big[3 * 5 + 3 * 33] = Number.POSITIVE_INFINITY;
  const inner = new Tensor(big.subarray(3 * 5, 3 * 45), [40, 3]);
  await assert.rejects(model().fit(Dataset.fromTensorSlices([inner, y]).batch(8), { verbose: 0 }), /inputs contain Infinity at flat index 3 \(sample 1\)/);
  // NaN made by a map on clean rows is reported too (the map's tensors are not rows of the checked source).
  const poisoned = Dataset.fromTensorSlices([x, y]).map(([a, b], i) => [i === 9 ? new Tensor(new Float32Array([0, Number.NaN, 0]), [3]) : a, b] as [Tensor, Tensor]).batch(8);
  await assert.rejects(model().fit(poisoned, { verbose: 0 }), /inputs contain NaN at flat index 4 \(sample 1\)/);
  // A clean source: training runs, and NaN outside the rows it slices (in the same buffer) does not matter.
  big.fill(Number.NaN, 0, 3 * 5);
  big[3 * 5 + 3 * 33] = clean[3 * 33]!;
  const h = await model().fit(Dataset.fromTensorSlices([inner, y]).shuffle(40, { seed: 1 }).batch(8), { epochs: 2, verbose: 0 });
  assert.ok(h.history.loss!.every((v) => Number.isFinite(v)));
});

test('a compiled step copies a fused batch straight from the source rows, never gathering the batch itself, and trains as the gathered batch does', async () => {
  const { kernels } = await import('../src/backend/registry.js');
  const x = randomTensor([64, 6], new Rng(11));
  const train = async (ds: Dataset<[Tensor, Tensor]>): Promise<{ weights: number[][]; gathers: number; copies: number; mode: string }> => {
    setSeed(7);
    const m = new Sequential([new Dense(4, { inputShape: [6], activation: 'relu' }), new Dense(6)]);
    m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'mse' });
    const table = kernels() as unknown as { gather: (...a: unknown[]) => void };
    const gather = table.gather;
    const set = Float32Array.prototype.set;
    let counting = false;
    let [gathers, copies] = [0, 0];
    table.gather = (...a: unknown[]) => {
      if (counting && a[0] === x.data) gathers++;
      gather.apply(table, a);
    };
    Float32Array.prototype.set = function (this: Float32Array, src: ArrayLike<number>, offset?: number) {
      if (counting && src.length === 16 * 6) copies++;
      return set.call(this, src, offset);
    };
    try {
      await m.fit(ds, { epochs: 3, verbose: 0, callbacks: [{ onEpochBegin: (epoch: number) => { counting = epoch === 2; } }] });
    } finally {
      table.gather = gather;
      Float32Array.prototype.set = set;
    }
    return { weights: m.getWeights().map((w) => Array.from(w.values)), gathers, copies, mode: m.jitCompileStatus().mode };
  };
  const fused = await train(Dataset.fromTensorSlices(x).map((r) => [r, r] as [Tensor, Tensor]).shuffle(64, { seed: 3 }).batch(16));
  // The same rows as tensors of their own (not views of x): stacked by copying, then fed to the step.
  const copied = await train(Dataset.fromTensorSlices(x).map((r) => {
    const own = new Tensor(r.values.slice(), r.shape);
    return [own, own] as [Tensor, Tensor];
  }).shuffle(64, { seed: 3 }).batch(16));
  assert.deepEqual(fused.weights, copied.weights);
  assert.equal(fused.mode, 'compiled');
  assert.equal(fused.gathers, 4, 'one gather of each batch of the third epoch, from x into the plan');
  assert.equal(fused.copies, 0, 'no batch copied into the plan');
  assert.ok(copied.copies >= 4, 'the general path copies its stacked batch into the plan');
});

test('the batches of a fused dataset name one row source for the whole fit, so a compiled step finds its plan key in its memo', async () => {
  const x = randomTensor([48, 5], new Rng(12));
  setSeed(8);
  const m = new Sequential([new Dense(3, { inputShape: [5], activation: 'relu' }), new Dense(5)]);
  m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'mse' });
  const sources = new Set<unknown>();
  let withRows = 0;
  const run = m.runTrainStep.bind(m);
  m.runTrainStep = (data) => {
    if (data.rows) {
      withRows++;
      sources.add(data.rows.source);
    }
    return run(data);
  };
  await m.fit(Dataset.fromTensorSlices(x).map((r) => [r, r] as [Tensor, Tensor]).shuffle(48, { seed: 1 }).batch(16), { epochs: 3, verbose: 0 });
  assert.equal(withRows, 3 * 3 - 1, 'every batch after the first (which is checked in full) hands its rows over');
  assert.equal(sources.size, 1, 'one source object for all of them');
});
