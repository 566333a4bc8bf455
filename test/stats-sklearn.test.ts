// Compares deepts with scikit-learn 1.2.1 outputs stored in
// tools/sklearn-check/reference.json (regenerate with tools/sklearn-check/gaussian_nb.py).
// Python is not needed to run this test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GaussianNB, type ClassLabel } from '../src/stats/naive-bayes.js';
import { fitOLS } from '../src/stats/linear-regression.js';

interface NBCase {
  name: string;
  params: { var_smoothing?: number; priors?: number[] };
  X: number[][];
  y: ClassLabel[];
  X_test: number[][];
  classes: ClassLabel[];
  class_count: number[];
  class_prior: number[];
  theta: number[][];
  var: number[][];
  epsilon: number;
  predict: ClassLabel[];
  predict_proba: number[][];
  predict_log_proba: number[][];
  score: number;
}
interface OLSCase {
  name: string;
  fit_intercept: boolean;
  X: number[][];
  y: number[];
  X_test: number[][];
  coef: number[];
  intercept: number;
  r2: number;
  predict: number[];
}
const reference = JSON.parse(
  readFileSync(new URL('../../tools/sklearn-check/reference.json', import.meta.url), 'utf8'),
) as { sklearn_version: string; gaussian_nb: NBCase[]; linear_regression: OLSCase[] };

function relativeError(actual: number, expected: number): number {
  if (actual === expected) return 0;
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
}

function assertAllClose(actual: number[][], expected: number[][], check: (a: number, e: number) => boolean, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: row count`);
  expected.forEach((row, i) => {
    assert.equal(actual[i]!.length, row.length, `${label}: row ${i} length`);
    row.forEach((e, j) => {
      const a = actual[i]![j]!;
      assert.ok(check(a, e), `${label}[${i}][${j}]: scikit-learn ${e}, deepts ${a}`);
    });
  });
}

test('reference data was produced by scikit-learn 1.2', () => {
  assert.match(reference.sklearn_version, /^1\.2\./);
  assert.ok(reference.gaussian_nb.length >= 5 && reference.linear_regression.length >= 4);
});

for (const c of reference.gaussian_nb) {
  test(`GaussianNB matches scikit-learn on "${c.name}"`, () => {
    const options = {
      ...(c.params.var_smoothing !== undefined ? { varSmoothing: c.params.var_smoothing } : {}),
      ...(c.params.priors !== undefined ? { priors: c.params.priors } : {}),
    };
    const nb = new GaussianNB(options).fit(c.X, c.y);
    assert.deepEqual(nb.classes_, c.classes);
    assert.deepEqual(nb.classCount, c.class_count);
    assertAllClose([nb.classPrior], [c.class_prior], (a, e) => relativeError(a, e) < 1e-15, 'classPrior');
    assert.ok(relativeError(nb.epsilon, c.epsilon) < 1e-12, `epsilon ${nb.epsilon} vs ${c.epsilon}`);
    assertAllClose(nb.theta, c.theta, (a, e) => relativeError(a, e) < 1e-12 || Math.abs(a - e) < 1e-15, 'theta');
    assertAllClose(nb.var, c.var, (a, e) => relativeError(a, e) < 1e-12, 'var');
    assert.deepEqual(nb.predict(c.X_test), c.predict);
    assertAllClose(nb.predictProba(c.X_test), c.predict_proba, (a, e) => Math.abs(a - e) < 1e-9, 'predictProba');
    // Log probabilities: 1e-9 relative, or 1e-9 absolute near 0 (where relative error is meaningless).
    assertAllClose(nb.predictLogProba(c.X_test), c.predict_log_proba,
      (a, e) => relativeError(a, e) < 1e-9 || Math.abs(a - e) < 1e-9, 'predictLogProba');
    assert.equal(nb.score(c.X, c.y), c.score);
  });
}

for (const c of reference.linear_regression) {
  test(`fitOLS matches scikit-learn LinearRegression on "${c.name}"`, () => {
    const fit = fitOLS(c.X, c.y, { fitIntercept: c.fit_intercept });
    c.coef.forEach((e, j) => {
      assert.ok(relativeError(fit.coef[j]!, e) < 1e-6, `coef[${j}]: scikit-learn ${e}, deepts ${fit.coef[j]}`);
    });
    if (c.fit_intercept) {
      assert.ok(relativeError(fit.intercept, c.intercept) < 1e-6, `intercept: ${c.intercept} vs ${fit.intercept}`);
    } else {
      assert.equal(fit.intercept, 0);
    }
    assert.ok(relativeError(fit.r2, c.r2) < 1e-9, `r2: ${c.r2} vs ${fit.r2}`);
    fit.predict(c.X_test).forEach((v, i) => {
      assert.ok(relativeError(v, c.predict[i]!) < 1e-6, `predict[${i}]: ${c.predict[i]} vs ${v}`);
    });
  });
}
