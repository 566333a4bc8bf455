/**
 * fit / evaluate / predict check their data for NaN and ±Infinity once per array: a tensor that
 * passed is not read again by a later call (data-adapter.ts checkedArrays). A NaN later written
 * into a checked array in place still gets the clear error, found when the loss turns non-finite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Adam, Dense, Sequential, Tensor, setSeed } from '../src/core.js';
import { kernels } from '../src/backend/registry.js';
import { withBufferScope } from '../src/tensor/buffer-pool.js';
import { assertFinite } from '../src/train/data-adapter.js';
import { Rng } from '../src/tensor/random.js';
import { randomTensor } from './helpers.js';

function model(): Sequential {
  setSeed(4);
  const m = new Sequential([new Dense(5, { inputShape: [6], activation: 'relu' }), new Dense(6)]);
  m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'mse' });
  return m;
}

/** Runs fn counting the backend's whole-array sums over arrays of `size` elements (the finiteness check's pass). */
function countingSums<T>(size: number, fn: () => T): { result: T; sums: number } {
  const table = kernels() as unknown as { reduce: (...a: unknown[]) => unknown };
  const reduce = table.reduce;
  let sums = 0;
  table.reduce = (...a: unknown[]) => {
    const shape = a[2] as number[];
    if (shape.length === 1 && shape[0] === size) sums++;
    return reduce.apply(table, a);
  };
  try {
    return { result: fn(), sums };
  } finally {
    table.reduce = reduce;
  }
}

test('evaluate reads a tensor for the NaN check once: later calls with it skip the pass', async () => {
  const m = model();
  const x = randomTensor([64, 6], new Rng(1));
  const first = countingSums(x.size, () => m.evaluate(x, x, { verbose: 0 }));
  const a = await first.result;
  assert.equal(first.sums, 1, 'the first evaluate checks x (once: y is x)');
  const again = countingSums(x.size, () => m.evaluate(x, x, { verbose: 0 }));
  assert.equal(await again.result, a);
  assert.equal(again.sums, 0, 'the second evaluate read x again');
  // A new tensor over other values is checked.
  const y = randomTensor([64, 6], new Rng(2));
  const other = countingSums(y.size, () => m.evaluate(y, y, { verbose: 0 }));
  await other.result;
  assert.equal(other.sums, 1);
});

test('a NaN written in place into a checked tensor still gets the clear error from evaluate and fit', async () => {
  const m = model();
  const x = randomTensor([40, 6], new Rng(3));
  await m.evaluate(x, x, { verbose: 0 });
  x.values[13] = Number.NaN;
  await assert.rejects(m.evaluate(x, x, { verbose: 0 }), /evaluate inputs contain NaN at flat index 13 \(sample 2\)/);
  const t = randomTensor([40, 6], new Rng(5));
  await m.fit(t, t, { epochs: 1, verbose: 0 });
  t.values[7] = Number.POSITIVE_INFINITY;
  await assert.rejects(m.fit(t, t, { epochs: 1, verbose: 0 }), /fit inputs contain Infinity at flat index 7 \(sample 1\)/);
});

test('a fresh tensor with a NaN fails before any step, and arrays checked inside a step scope are not remembered', async () => {
  const m = model();
  const bad = randomTensor([16, 6], new Rng(6));
  bad.values[0] = Number.NaN;
  await assert.rejects(m.evaluate(bad, bad, { verbose: 0 }), /evaluate inputs contain NaN at flat index 0/);
  const pooled = new Tensor(new Float32Array(64), [8, 8]);
  withBufferScope(() => assertFinite(pooled, 'x', true));
  pooled.values[5] = Number.NaN;
  assert.throws(() => assertFinite(pooled, 'x', true), /x contain NaN at flat index 5/);
});
