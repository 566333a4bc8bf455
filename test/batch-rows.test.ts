/**
 * Batches of rows of tensor data (fit's and evaluate's tensor feed): gathered only when read, and
 * copied by a compiled step straight into its plan's buffers, so a replayed step never gathers the
 * batch itself; the rows it copies are the ones an eager step would have gathered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, getBackend, setSeed } from '../src/index.js';
import { buildAutoencoder } from '../src/models/mnist-models.js';
import { copyRows, tensorFeed } from '../src/train/batch-feed.js';
import { rowsOf, rowRange } from '../src/train/data-adapter.js';
import type { StepData } from '../src/train/trainer.js';
import { withBufferScope } from '../src/tensor/buffer-pool.js';
import { Rng } from '../src/tensor/random.js';
import { randomTensor } from './helpers.js';

const rng = new Rng(3);

test('copyRows copies the rows rowsOf / rowRange give, for float32 and int32 tensors', () => {
  const f = randomTensor([30, 4, 3], rng);
  const i = new Tensor(Int32Array.from({ length: 30 * 5 }, (_, k) => k * 7 - 50), [30, 5]);
  const indices = Int32Array.from([29, 0, 7, 7, 13]);
  for (const t of [f, i]) {
    const rowSize = t.size / 30;
    const gathered = t.dtype === 'int32' ? new Int32Array(indices.length * rowSize) : new Float32Array(indices.length * rowSize);
    copyRows(t, { source: { x: [t], y: [t] }, indices, begin: 0, count: indices.length }, gathered);
    assert.deepEqual(Array.from(gathered), Array.from(rowsOf(t, indices).data));
    const range = t.dtype === 'int32' ? new Int32Array(6 * rowSize) : new Float32Array(6 * rowSize);
    copyRows(t, { source: { x: [t], y: [t] }, indices: null, begin: 24, count: 6 }, range);
    assert.deepEqual(Array.from(range), Array.from(rowRange(t, 24, 6).data));
  }
});

test("a tensor feed's batch gathers its rows only when read, once, keeping an autoencoder's targets its inputs", () => {
  const x = randomTensor([10, 3], rng);
  const feed = tensorFeed({ x: [x], y: [x] }, 4, Int32Array.from([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]));
  assert.equal(feed.steps, 3);
  const batch = (feed.next(2) as () => StepData)();
  assert.deepEqual({ indices: Array.from(batch.rows!.indices!), count: batch.rows!.count }, { indices: [1, 0], count: 2 });
  assert.equal(batch.sw, undefined);
  assert.equal(batch.x, batch.x, 'gathered once');
  assert.equal(batch.y[0], batch.x[0]);
  assert.deepEqual(Array.from(batch.x[0]!.values), [...x.values.slice(3, 6), ...x.values.slice(0, 3)]);
});

test('a replayed compiled step reads the rows, never the gathered batch, and trains as eager steps on the same rows do', () => {
  const x = randomTensor([64, 28, 28], rng);
  const order = Int32Array.from({ length: 64 }, (_, k) => (k * 37) % 64);
  const run = (lazy: boolean): Float32Array[] => {
    setSeed(9);
    const model = buildAutoencoder();
    model.compile({ optimizer: 'adamax', loss: 'mse', jitCompile: lazy ? 'auto' : false });
    const feed = tensorFeed({ x: [x], y: [x] }, 16, order);
    for (let epoch = 0; epoch < 2; epoch++) {
      for (let step = 0; step < 4; step++) {
        const batch = (feed.next(step) as () => StepData)();
        // After the plan's first replay (its check against an eager step) the batch must not be read
        // (on WASM the plan takes its inputs from JavaScript arrays through its own feed instead).
        const guarded: StepData = lazy && epoch === 1 && getBackend().name !== 'wasm'
          ? { get x(): Tensor[] { throw new Error('x read'); }, get y(): Tensor[] { throw new Error('y read'); }, rows: batch.rows }
          : batch;
        withBufferScope(() => model.runTrainStep(guarded));
      }
    }
    if (lazy) assert.equal(model.jitCompileStatus().mode, 'compiled');
    return model.getWeights().map((w) => Float32Array.from(w.values));
  };
  const compiled = run(true);
  const eager = run(false);
  compiled.forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - eager[i]![j]!) <= 1e-6 * (1 + Math.abs(eager[i]![j]!)), `weight ${i}[${j}]: ${v} vs ${eager[i]![j]}`)));
});
