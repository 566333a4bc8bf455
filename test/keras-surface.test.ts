/**
 * The frictions of issue 9 about the everyday surface: printing and indexing tensors, the
 * public `ops`, what deepts/core exports, and the pandas operations the notebooks use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import * as core from '../src/core.js';
import { Table, Tensor, ops, tensor } from '../src/index.js';
import { checkGradients } from './helpers.js';

test('tensors print like NumPy / TensorFlow: aligned, summarised with ..., with shape and dtype', () => {
  assert.equal(String(tensor([[1, 2.5], [3, 4]])), 'Tensor(\n[[1.  2.5]\n [3.  4. ]], shape=(2, 2), dtype=float32)');
  assert.equal(String(tensor([1, 2, 3])), 'Tensor([1. 2. 3.], shape=(3,), dtype=float32)');
  assert.equal(String(tensor([7], undefined, 'int32')), 'Tensor([7], shape=(1,), dtype=int32)');
  const big = new Tensor(Float32Array.from({ length: 2000 }, (_, i) => i), [40, 50]);
  const text = String(big);
  assert.match(text, /^Tensor\(\n\[\[   0\.    1\.    2\. \.\.\.   47\.   48\.   49\.\]\n/);
  assert.match(text, /\n \.\.\.\n/);
  assert.match(text, /shape=\(40, 50\), dtype=float32\)$/);
  assert.equal(text.split('\n').length, 8, text);
  assert.equal(inspect(tensor([1, 2])), 'Tensor([1. 2.], shape=(2,), dtype=float32)');
});

test('indexing helpers: get(i, j), slice, gather, booleanMask, where, array/arraySync/dataSync', async () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.equal(x.get(1, 2), 6);
  assert.equal(x.get(-1, 0), 4);
  assert.throws(() => x.get(2, 0), /index 2 is out of range for axis 0 of size 2/);
  assert.throws(() => x.get(0), /1 indices for a rank-2 tensor/);
  assert.deepEqual(ops.slice(x, [0, 1], [2, 2]).arraySync(), [[2, 3], [5, 6]]);
  assert.deepEqual(ops.gather(x, [1, 0]).arraySync(), [[4, 5, 6], [1, 2, 3]]);
  assert.deepEqual(ops.booleanMask(x, [false, true]).arraySync(), [[4, 5, 6]]);
  assert.deepEqual(ops.booleanMask(x, [1, 0, 1], 1).arraySync(), [[1, 3], [4, 6]]);
  assert.deepEqual(ops.where(ops.greater(x, 3), x, 0).arraySync(), [[0, 0, 0], [4, 5, 6]]);
  // NaN on the side not chosen does not leak (np.where semantics)
  assert.deepEqual(ops.where(tensor([1, 0]), tensor([1, NaN]), tensor([NaN, 2])).arraySync(), [1, 2]);
  assert.deepEqual(await x.array(), [[1, 2, 3], [4, 5, 6]]);
  const d = x.dataSync();
  d[0] = 99;
  assert.equal(x.get(0, 0), 1, 'dataSync returns a copy');
  checkGradients((a, b) => ops.where(tensor([[1, 0, 1], [0, 1, 0]]), a, b), [tensor([[1, 2, 3], [4, 5, 6]]), tensor([[0.5, 1, 2], [3, 1, 0]])]);
});

test('ops exposes the Keras/tfjs ops and none of the internals', () => {
  for (const internal of ['binaryOp', 'unbroadcast', 'asTensor', 'unaryOp', 'unary', 'float', 'newTensor']) {
    assert.equal((ops as Record<string, unknown>)[internal], undefined, internal);
  }
  for (const op of ['add', 'matmul', 'softmax', 'where', 'booleanMask', 'gather', 'slice', 'concat', 'mean', 'argMax', 'clip']) {
    assert.equal(typeof (ops as Record<string, unknown>)[op], 'function', op);
  }
});

test('deepts/core exports the browser-safe Table, scalers, stats and viz its doc comment promises', () => {
  for (const name of ['Table', 'parseCsv', 'MinMaxScaler', 'StandardScaler', 'OneHotEncoder', 'LabelEncoder', 'trainTestSplit', 'TabularPreprocessor', 'dropMissing']) {
    assert.equal(typeof (core as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(typeof core.stats.Normal, 'function');
  assert.equal(typeof core.viz, 'object');
  assert.equal(typeof core.Model, 'function');
  assert.equal(typeof core.Input, 'function');
});

test('Table: rename, drop by column or row, assign, map and toTensor of chosen columns (pandas)', () => {
  const t = Table.fromColumns({ mpg: [18, 15, 36], weight: [3504, 3693, 2130], origin: ['USA', 'USA', 'Japan'] });
  const r = t.rename({ mpg: 'MPG' });
  assert.deepEqual(r.columns, ['MPG', 'weight', 'origin']);
  assert.deepEqual(t.rename({ columns: { weight: 'w' } }).columns, ['mpg', 'w', 'origin']);
  assert.throws(() => t.rename({ nope: 'x' }), /no column "nope"/);
  assert.deepEqual(t.drop('origin').columns, ['mpg', 'weight']);
  assert.deepEqual(t.drop({ columns: ['mpg'] }).columns, ['weight', 'origin']);
  const rows = t.drop({ index: [1] });
  assert.deepEqual(rows.numbers('mpg'), [18, 36]);
  assert.match(rows.toString(), /\n2\s+36/);
  const a = t.assign({ kpl: (d) => d.numbers('mpg').map((v) => v * 0.425), one: [1, 1, 1] });
  assert.deepEqual(a.columns, ['mpg', 'weight', 'origin', 'kpl', 'one']);
  assert.ok(Math.abs(a.numbers('kpl')[0]! - 7.65) < 1e-12);
  const m = t.map('origin', (v) => (v === 'USA' ? 1 : 0));
  assert.deepEqual(m.numbers('origin'), [1, 1, 0]);
  const x = t.toTensor(['mpg', 'weight']);
  assert.deepEqual(x.shape, [3, 2]);
  assert.deepEqual(x.arraySync(), [[18, 3504], [15, 3693], [36, 2130]]);
  assert.deepEqual(t.toTensor('mpg').shape, [3]);
  assert.throws(() => t.toTensor(['origin']), /holds strings/);
});
