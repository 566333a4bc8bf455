import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/index.js';
import { fitOLS, Rng } from '../src/stats/index.js';
import { fitLinearByGradientDescent } from '../src/models/linear-model.js';
import { Dense } from '../src/nn/layers/dense.js';
import { trainTabularRegression } from '../src/tasks/tabular-regression.js';
import { confusionMatrix, formatConfusionMatrix } from '../src/train/classification.js';
import { Table } from '../src/data/table.js';

function relClose(actual: number, expected: number, tol: number, label: string): void {
  const err = Math.abs(actual - expected) / Math.max(1e-12, Math.abs(expected));
  assert.ok(err <= tol, `${label}: got ${actual}, expected ${expected} (rel. error ${err.toExponential(2)} > ${tol})`);
}

/** Two correlated features in very different units, plus noise: a fair test of the rescaling. */
function data(n: number, seed: number): { X: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.double() * 10;
    const b = 500 * a + 2000 * rng.double();
    X.push([a, b]);
    y.push(3 * a - 0.004 * b + 7 + 0.5 * rng.normal());
  }
  return { X, y };
}

test('gradient descent on a one-Dense-layer model finds the least-squares coefficients', async () => {
  const { X, y } = data(200, 3);
  const ols = fitOLS(X, y);
  const gd = await fitLinearByGradientDescent(X, y, { epochs: 400, momentum: 0.9 });
  relClose(gd.coef[0]!, ols.coef[0]!, 1e-4, 'coef[0]');
  relClose(gd.coef[1]!, ols.coef[1]!, 1e-4, 'coef[1]');
  relClose(gd.intercept, ols.intercept, 1e-4, 'intercept');
  // The training loss went down and settled.
  assert.ok(gd.history[gd.history.length - 1]! < gd.history[0]! / 2, `loss did not fall: ${gd.history[0]} → ${gd.history.at(-1)}`);
  // The model really is Dense(1): kernel [2, 1], bias [1].
  const dense = gd.model.layers[0] as Dense;
  assert.deepEqual(dense.kernel!.shape, [2, 1]);
  assert.deepEqual(dense.bias!.shape, [1]);
});

test('too few epochs do not reach the least-squares answer (the agreement test can fail)', async () => {
  const { X, y } = data(200, 3);
  const ols = fitOLS(X, y);
  const gd = await fitLinearByGradientDescent(X, y, { epochs: 1, learningRate: 0.01 });
  const err = Math.abs(gd.coef[0]! - ols.coef[0]!) / Math.abs(ols.coef[0]!);
  assert.ok(err > 1e-2, `one tiny step already matched OLS to ${err}`);
});

test('Adam and plain SGD both agree with OLS on one feature; without standardizing too', async () => {
  const rng = new Rng(5);
  const x = Array.from({ length: 100 }, () => rng.double() * 2 - 1);
  const y = x.map((v) => -1.5 * v + 0.25 + 0.1 * rng.normal());
  const ols = fitOLS(x.map((v) => [v]), y);
  for (const opts of [{ optimizer: 'sgd' as const }, { optimizer: 'adam' as const, epochs: 1500, learningRate: 0.01 }, { standardize: false, epochs: 600, learningRate: 0.3 }]) {
    const gd = await fitLinearByGradientDescent(x.map((v) => [v]), y, opts);
    relClose(gd.coef[0]!, ols.coef[0]!, 1e-3, `${JSON.stringify(opts)} slope`);
    relClose(gd.intercept, ols.intercept, 1e-3, `${JSON.stringify(opts)} intercept`);
  }
});

test('fitLinearByGradientDescent rejects bad input with clear messages', async () => {
  await assert.rejects(fitLinearByGradientDescent([[1]], [1]), /at least 2 rows/);
  await assert.rejects(fitLinearByGradientDescent([[1], [2]], [1]), /2 rows but y has 1/);
  await assert.rejects(fitLinearByGradientDescent([[1, 5], [2, 5], [3, 5]], [1, 2, 3]), /column 1 is constant/);
  await assert.rejects(fitLinearByGradientDescent([[1], [NaN], [3]], [1, 2, 3]), /X\[1\]\[0\] is NaN/);
});

test('tabular regression: one-hot category, network and OLS baseline on a nonlinear target', async () => {
  const rng = new Rng(11);
  const rows: (number | string)[][] = [];
  for (let i = 0; i < 240; i++) {
    const x = rng.double() * 4 - 2;
    const kind = ['a', 'b', 'c'][i % 3]!;
    rows.push([x, kind, x * x + (kind === 'b' ? 3 : 0) + 0.05 * rng.normal()]);
  }
  const table = Table.fromRows(['x', 'kind', 'y'], rows);
  const r = await trainTabularRegression(table, { target: 'y', features: ['x', 'kind'], scale: 'standard', testSize: 0.25, seed: 1, epochs: 60, batchSize: 16, learningRate: 0.01 });
  assert.deepEqual(r.featureNames, ['x', 'kind=a', 'kind=b', 'kind=c']);
  assert.equal(r.nTest, 60);
  assert.ok(!('error' in r.linear), 'the OLS baseline failed (dummy-trap column not dropped?)');
  // y = x² cannot be fitted by a line; the network bends.
  assert.ok(r.network.mae < 0.6 * (r.linear as { mae: number }).mae, `network MAE ${r.network.mae} not clearly below linear ${(r.linear as { mae: number }).mae}`);
  assert.equal(r.network.predictions.length, 60);
});

test('confusion matrix counts true rows × predicted columns', () => {
  const m = confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3);
  assert.deepEqual(m, [[1, 1, 0], [0, 1, 0], [1, 0, 2]]);
  assert.match(formatConfusionMatrix(m, ['a', 'b', 'c']), /^a\s+1\s+1\s+0$/m);
  assert.throws(() => confusionMatrix([0, 3], [0, 0], 3), /true label 3 at index 1 is outside the 3 classes/);
  assert.throws(() => confusionMatrix([0], [0, 1], 3), /1 true labels but 2 predictions/);
});
