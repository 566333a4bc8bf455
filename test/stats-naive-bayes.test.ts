import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GaussianNB } from '../src/stats/naive-bayes.js';

// One feature, two classes: a = {1, 2, 3}, b = {6, 7, 8}.
const X = [[1], [2], [3], [6], [7], [8]];
const y = ['a', 'a', 'a', 'b', 'b', 'b'];

test('fit on a hand-computable set', () => {
  const nb = new GaussianNB().fit(X, y);
  assert.deepEqual(nb.classes_, ['a', 'b']);
  assert.deepEqual(nb.classCount, [3, 3]);
  assert.deepEqual(nb.classPrior, [0.5, 0.5]);
  assert.deepEqual(nb.theta, [[2], [7]]);
  // Variance of all of X: mean 4.5, Σ(x − 4.5)² = 41.5, ÷ 6.
  const epsilon = 1e-9 * (41.5 / 6);
  assert.ok(Math.abs(nb.epsilon - epsilon) < 1e-24);
  // Per-class MLE variance (÷ n): (1 + 0 + 1) / 3, plus epsilon.
  assert.ok(Math.abs(nb.var[0]![0]! - (2 / 3 + epsilon)) < 1e-15);
  assert.ok(Math.abs(nb.var[1]![0]! - (2 / 3 + epsilon)) < 1e-15);
});

test('probabilities on a hand-computable set', () => {
  const nb = new GaussianNB().fit(X, y);
  const v = 2 / 3 + 1e-9 * (41.5 / 6);
  // At x = 3: equal priors and variances, so log P(a)/P(b) = ((3−7)² − (3−2)²) / (2v) = 15/(2v).
  const pA = 1 / (1 + Math.exp(-15 / (2 * v)));
  const [proba] = nb.predictProba([[3]]);
  assert.ok(Math.abs(proba![0]! - pA) < 1e-15, `P(a | 3) = ${proba![0]}, expected ${pA}`);
  assert.ok(Math.abs(proba![0]! + proba![1]! - 1) < 1e-15);
  // Half way between the means both classes are equally likely.
  const [middle] = nb.predictProba([[4.5]]);
  assert.ok(Math.abs(middle![0]! - 0.5) < 1e-15 && Math.abs(middle![1]! - 0.5) < 1e-15);
  assert.deepEqual(nb.predict([[0], [4], [5], [100]]), ['a', 'a', 'b', 'b']);
  assert.equal(nb.score(X, y), 1);
  assert.equal(nb.score([[1], [8]], ['b', 'b']), 0.5);
});

test('priors shift the decision', () => {
  const nb = new GaussianNB({ priors: [0.999999, 0.000001] }).fit(X, y);
  assert.deepEqual(nb.classPrior, [0.999999, 0.000001]);
  // Without priors x = 5 is closer to b; a strong prior on a wins.
  assert.deepEqual(nb.predict([[5]]), ['a']);
  assert.deepEqual(new GaussianNB().fit(X, y).predict([[5]]), ['b']);
});

test('log probabilities stay finite far from every class', () => {
  const nb = new GaussianNB().fit(X, y);
  const [logP] = nb.predictLogProba([[1e6]]);
  // A naive exp/normalise would compute 0/0 here.
  assert.ok(logP!.every(Number.isFinite), `log probabilities ${logP}`);
  assert.equal(logP![1], 0);
  // log P(a) − log P(b) = ((1e6 − 7)² − (1e6 − 2)²) / (2v) ≈ −7.5e6.
  assert.ok(Math.abs(logP![0]! + 7499966.17) < 0.1, `log P(a) = ${logP![0]}`);
  const [p] = nb.predictProba([[1e6]]);
  assert.deepEqual(p, [0, 1]);
});

test('numeric labels are sorted numerically, not as strings', () => {
  const nb = new GaussianNB().fit([[0], [0.1], [5], [5.2], [9], [9.1]], [10, 10, 9, 9, 100, 100]);
  assert.deepEqual(nb.classes_, [9, 10, 100]);
  assert.deepEqual(nb.predict([[0.05], [5.1], [9.05]]), [10, 9, 100]);
});

test('var smoothing keeps a feature that is constant within a class usable', () => {
  // Feature 1 is constant inside each class: its variance is only epsilon.
  const Xc = [[0.1, 1], [0.4, 1], [0.2, 1], [0.3, 2], [0.5, 2], [0.6, 2]];
  const yc = [0, 0, 0, 1, 1, 1];
  const nb = new GaussianNB().fit(Xc, yc);
  assert.ok(nb.var.every((row) => row.every((v) => v > 0)));
  assert.ok(Math.abs(nb.var[0]![1]! - nb.epsilon) < 1e-25);
  assert.deepEqual(nb.predict([[0.5, 1], [0.1, 2]]), [0, 1]);
  assert.throws(() => new GaussianNB({ varSmoothing: -1 }), /varSmoothing must be a finite number ≥ 0/);
});

test('bad input gives clear errors', () => {
  const nb = new GaussianNB();
  assert.throws(() => nb.predict([[1]]), /call fit\(X, y\) first/);
  assert.throws(() => nb.fit([[1, 2], [3]], [0, 1]), /ragged: row 1 has 1 values but row 0 has 2/);
  assert.throws(() => nb.fit([[1], [NaN]], [0, 1]), /X\[1\]\[0\] is NaN/);
  assert.throws(() => nb.fit([[1], [2]], [0]), /X has 2 rows but y has 1 labels/);
  assert.throws(() => nb.fit([[1], [2]], [0, 0]), /single class/);
  assert.throws(() => nb.fit([[1], [2]], [0, 'b']), /mixes numbers and strings/);
  assert.throws(() => nb.fit([], []), /X has no rows/);
  assert.throws(() => nb.fit([[1], [1]], [0, 1]), /every feature of X is constant/);
  assert.throws(() => new GaussianNB({ priors: [1] }).fit(X, y), /priors has 1 entries but y has 2 classes/);
  assert.throws(() => new GaussianNB({ priors: [0.5, 0.6] }).fit(X, y), /priors sum to 1.1/);
  assert.throws(() => new GaussianNB({ priors: [1.5, -0.5] }).fit(X, y), /priors\[1\] is -0.5/);
  const fitted = new GaussianNB().fit(X, y);
  assert.throws(() => fitted.predict([[1, 2]]), /X has 2 columns but the model was fitted on 1/);
  assert.throws(() => fitted.score([[1]], ['a', 'b']), /X has 1 rows but y has 2 labels/);
});

test('classConditional gives the fitted normal of one feature in one class', () => {
  const nb = new GaussianNB().fit(X, y);
  const curve = nb.classConditional('b', 0);
  assert.equal(curve.mu, 7);
  assert.ok(Math.abs(curve.sigma - Math.sqrt(nb.var[1]![0]!)) < 1e-15);
  assert.throws(() => nb.classConditional('c', 0), /unknown class "c"/);
  assert.throws(() => nb.classConditional('a', 1), /feature must be an integer in \[0, 1\), got 1/);
});

test('returned arrays are copies: mutating them does not change the model', () => {
  const nb = new GaussianNB().fit(X, y);
  nb.theta[0]![0] = 1000;
  nb.classes_.reverse();
  assert.deepEqual(nb.theta, [[2], [7]]);
  assert.deepEqual(nb.predict([[2]]), ['a']);
});
