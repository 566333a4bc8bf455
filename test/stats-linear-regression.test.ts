import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  fitOLS, simpleLinearRegression, r2Score, meanSquaredError, meanAbsoluteError,
} from '../src/stats/linear-regression.js';

function close(actual: number, expected: number, tolerance: number, label = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label} expected ${expected}, got ${actual}`);
}

test('OLS recovers y = 3·x1 − 2·x2 + 1 from exact data', () => {
  const X = [[0, 0], [1, 0], [0, 1], [2, 3], [-1, 5], [4, -2]];
  const y = X.map(([a, b]) => 3 * a! - 2 * b! + 1);
  const fit = fitOLS(X, y);
  close(fit.coef[0]!, 3, 1e-13, 'coef[0]');
  close(fit.coef[1]!, -2, 1e-13, 'coef[1]');
  close(fit.intercept, 1, 1e-13, 'intercept');
  close(fit.r2, 1, 1e-15, 'r2');
  close(fit.predict([[10, 10]])[0]!, 11, 1e-12, 'predict');
});

test('OLS without intercept', () => {
  const fit = fitOLS([[1], [2], [3]], [2, 4, 6], { fitIntercept: false });
  close(fit.coef[0]!, 2, 1e-15);
  assert.equal(fit.intercept, 0);
  // Through the origin the best slope for y = x + 1 on x = 1, 2 is Σxy/Σx² = 8/5.
  close(fitOLS([[1], [2]], [2, 3], { fitIntercept: false }).coef[0]!, 8 / 5, 1e-15);
});

test('OLS on noisy data: a hand-computed three-point fit', () => {
  // x = 1, 2, 3; y = 1, 2, 2: slope Σ(x−2)(y−5/3)/Σ(x−2)² = 1/2, intercept 5/3 − 1 = 2/3.
  const fit = fitOLS([[1], [2], [3]], [1, 2, 2]);
  close(fit.coef[0]!, 0.5, 1e-15);
  close(fit.intercept, 2 / 3, 1e-15);
  // SS_res = 1/6, SS_tot = 2/3.
  close(fit.r2, 0.75, 1e-15);
  const line = simpleLinearRegression([1, 2, 3], [1, 2, 2]);
  close(line.a, 0.5, 1e-15);
  close(line.b, 2 / 3, 1e-15);
});

test('residuals are orthogonal to every column (the defining property of least squares)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true })), { minLength: 8, maxLength: 30 }),
      (rows) => {
        const X = rows.map(([a, b]) => [a, b]);
        const y = rows.map(([, , c]) => c);
        let fit;
        try {
          fit = fitOLS(X, y);
        } catch (e) {
          // Random columns can be (nearly) collinear; that must be reported as such.
          assert.match(String(e), /collinear|rank deficient|constant/);
          return;
        }
        const residuals = fit.predict(X).map((p, i) => y[i]! - p);
        const scale = Math.max(1, ...y.map(Math.abs));
        close(residuals.reduce((s, r) => s + r, 0), 0, 1e-9 * scale * rows.length, 'Σr');
        for (let j = 0; j < 2; j++) {
          const colScale = Math.max(1e-12, ...X.map((r) => Math.abs(r[j]!)));
          const dot = residuals.reduce((s, r, i) => s + r * X[i]![j]!, 0);
          close(dot / colScale, 0, 1e-8 * scale * rows.length, `Xᵀr[${j}]`);
        }
      },
    ),
    { numRuns: 200, seed: 5 },
  );
});

test('one-feature OLS equals the simple closed form', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 })), { minLength: 3, maxLength: 20 }),
      (points) => {
        const x = points.map(([a]) => a);
        const y = points.map(([, b]) => b);
        if (new Set(x).size < 2) return;
        const line = simpleLinearRegression(x, y);
        const fit = fitOLS(x.map((v) => [v]), y);
        close(fit.coef[0]!, line.a, 1e-10 * Math.max(1, Math.abs(line.a)));
        close(fit.intercept, line.b, 1e-9 * Math.max(1, Math.abs(line.b)));
      }),
    { numRuns: 200, seed: 9 },
  );
});

test('badly scaled columns are solved accurately', () => {
  // Columns differ by 12 orders of magnitude; the normal equations would lose ~24 digits.
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 50; i++) {
    const a = Math.sin(i) * 1e-6;
    const b = Math.cos(3 * i) * 1e6;
    X.push([a, b]);
    y.push(4e6 * a + 2.5e-6 * b - 7);
  }
  const fit = fitOLS(X, y);
  close(fit.coef[0]! / 4e6, 1, 1e-9, 'coef[0]');
  close(fit.coef[1]! / 2.5e-6, 1, 1e-9, 'coef[1]');
  close(fit.intercept, -7, 1e-8, 'intercept');
});

test('a singular design is reported, naming the problem', () => {
  const x1 = [1, 2, 3, 4, 5];
  const x2 = [2, 1, 0, 1, 3];
  assert.throws(() => fitOLS(x1.map((v) => [v, 2 * v]), [1, 2, 3, 4, 6]), /columns 0 and 1 are collinear/);
  assert.throws(() => fitOLS(x1.map((v, i) => [v, x2[i]!, v + x2[i]!]), [1, 2, 3, 4, 6]),
    /design matrix is rank deficient \(rank 3 < 4, counting the intercept\)/);
  assert.throws(() => fitOLS(x1.map((v) => [v, 7]), [1, 2, 3, 4, 6]), /column 1 is constant, so it is collinear with the intercept/);
  assert.throws(() => fitOLS(x1.map((v) => [v, 0]), [1, 2, 3, 4, 6], { fitIntercept: false }), /column 1 is all zeros/);
  assert.throws(() => fitOLS([[1, 2], [3, 5]], [1, 2]), /rank deficient \(rank ≤ 2 < 3\): 2 rows cannot determine 3 parameters/);
  assert.throws(() => simpleLinearRegression([2, 2, 2], [1, 2, 3]), /every x equals 2/);
});

test('bad input to OLS gives clear errors', () => {
  assert.throws(() => fitOLS([[1, 2], [3]], [1, 2]), /ragged/);
  assert.throws(() => fitOLS([[1], [2], [3]], [1, 2]), /X has 3 rows but y has 2 values/);
  assert.throws(() => fitOLS([[1], [2], [3]], [1, NaN, 2]), /y\[1\] is NaN/);
  const fit = fitOLS([[1], [2], [3]], [1, 2, 2]);
  assert.throws(() => fit.predict([[1, 2]]), /X has 2 columns but the model was fitted on 1/);
});

test('metrics at hand-computed values', () => {
  const yTrue = [3, -0.5, 2, 7];
  const yPred = [2.5, 0, 2, 8];
  close(meanSquaredError(yTrue, yPred), 0.375, 1e-15);
  close(meanAbsoluteError(yTrue, yPred), 0.5, 1e-15);
  // scikit-learn's documented example: r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.948...
  close(r2Score(yTrue, yPred), 0.9486081370449679, 1e-15);
  assert.equal(r2Score([1, 2, 3], [2, 2, 2]), 0);
  assert.equal(r2Score([5, 5], [5, 5]), 1);
  assert.equal(r2Score([5, 5], [5, 6]), 0);
  assert.throws(() => meanSquaredError([1, 2], [1]), /yTrue has 2 values but yPred has 1/);
});
