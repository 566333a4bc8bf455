import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Normal, logLikelihood } from '../src/stats/normal.js';
import { erf, erfc, logSumExp } from '../src/stats/special.js';
import { Rng } from '../src/tensor/random.js';

interface Reference {
  erf: [number, number, number][];
  normal: { mu: number; sigma: number; x: number; pdf: number; logPdf: number; cdf: number }[];
}
const reference = JSON.parse(
  readFileSync(new URL('../../tools/sklearn-check/reference.json', import.meta.url), 'utf8'),
) as Reference;

function assertRelative(actual: number, expected: number, tolerance: number, label = ''): void {
  const scale = Math.max(Math.abs(expected), Number.MIN_VALUE);
  const error = Math.abs(actual - expected) / scale;
  assert.ok(error <= tolerance, `${label} expected ${expected}, got ${actual} (relative error ${error})`);
}

test('standard normal at hand-computed points', () => {
  const n = new Normal();
  assert.equal(n.pdf(0), 0.3989422804014327);
  assertRelative(n.logPdf(0), -0.9189385332046728, 1e-15);
  assert.equal(n.cdf(0), 0.5);
  assertRelative(n.cdf(1.96), 0.9750021048517795, 1e-15);
  assertRelative(n.cdf(-1.96), 1 - 0.9750021048517795, 1e-13);
  assertRelative(n.sf(1.96), n.cdf(-1.96), 1e-15);
  // N(2, 3²) at x = 5 is one sigma out: e^(−½) / (3·√(2π)).
  const m = new Normal(2, 3);
  assertRelative(m.pdf(5), Math.exp(-0.5) / (3 * Math.sqrt(2 * Math.PI)), 1e-15);
  assertRelative(m.logPdf(5), -0.5 - Math.log(3) - 0.5 * Math.log(2 * Math.PI), 1e-15);
  assertRelative(m.cdf(5), 0.8413447460685429, 1e-15);
  assert.equal(m.variance, 9);
});

test('logPdf stays finite where pdf underflows', () => {
  const n = new Normal();
  assert.equal(n.pdf(40), 0);
  assertRelative(n.logPdf(40), -800 - 0.9189385332046728, 1e-15);
});

test('erf and erfc match 40-digit mpmath values to 1e-14 relative', () => {
  for (const [x, e, c] of reference.erf) {
    if (e === 0) assert.equal(erf(x), 0);
    else assertRelative(erf(x), e, 1e-14, `erf(${x})`);
    assertRelative(erfc(x), c, 1e-14, `erfc(${x})`);
  }
  assert.ok(Number.isNaN(erf(NaN)));
  assert.equal(erfc(30), 0);
  assert.equal(erf(-30), -1);
});

test('Normal pdf, logPdf and cdf match mpmath, including deep tails', () => {
  for (const r of reference.normal) {
    const n = new Normal(r.mu, r.sigma);
    const where = `N(${r.mu}, ${r.sigma}) at ${r.x}`;
    if (r.pdf > 1e-300) assertRelative(n.pdf(r.x), r.pdf, 1e-13, `pdf ${where}`);
    assertRelative(n.logPdf(r.x), r.logPdf, 1e-14, `logPdf ${where}`);
    // Below 1e-300 the doubles are subnormal and carry fewer digits.
    if (r.cdf > 1e-300) assertRelative(n.cdf(r.x), r.cdf, 1e-12, `cdf ${where}`);
    else assert.ok(Math.abs(n.cdf(r.x) - r.cdf) < 1e-310, `cdf ${where}`);
  }
});

test('MLE fit of mu and sigma, biased and unbiased', () => {
  const data = [2, 4, 4, 4, 5, 5, 7, 9];
  const mle = Normal.fit(data);
  assert.equal(mle.mu, 5);
  assert.equal(mle.sigma, 2);
  const unbiased = Normal.fit(data, { unbiased: true });
  assert.equal(unbiased.mu, 5);
  assertRelative(unbiased.sigma, Math.sqrt(32 / 7), 1e-15);
  // Works on typed arrays and survives a large common offset.
  const shifted = Normal.fit(Float64Array.from(data, (v) => v + 1e9));
  assertRelative(shifted.mu, 1e9 + 5, 1e-15);
  assertRelative(shifted.sigma, 2, 1e-6);
});

test('the MLE maximises the likelihood: nearby parameters score lower', () => {
  const data = new Normal(3, 0.5).sample(200, 11);
  const best = Normal.fit(data);
  const ll = logLikelihood(data, best);
  for (const [dm, ds] of [[1e-3, 0], [-1e-3, 0], [0, 1e-3], [0, -1e-3]] as const) {
    assert.ok(logLikelihood(data, new Normal(best.mu + dm, best.sigma + ds)) < ll);
  }
});

test('logLikelihood at hand-computed values', () => {
  assertRelative(logLikelihood([0], new Normal()), -0.9189385332046728, 1e-15);
  // Data [1, 2] under N(1, 2²): 2·(−½ log 2π − log 2) − (0 + 1)/(2·4).
  const expected = 2 * (-0.5 * Math.log(2 * Math.PI) - Math.log(2)) - 1 / 8;
  assertRelative(logLikelihood([1, 2], new Normal(1, 2)), expected, 1e-15);
  assert.throws(() => logLikelihood([], new Normal()), /data is empty/);
});

test('bad parameters and data give clear errors', () => {
  assert.throws(() => new Normal(0, 0), /sigma must be a finite number > 0, got 0/);
  assert.throws(() => new Normal(0, -1), /sigma must be a finite number > 0/);
  assert.throws(() => new Normal(0, NaN), /sigma must be a finite number > 0, got NaN/);
  assert.throws(() => new Normal(0, Infinity), /sigma must be a finite number > 0/);
  assert.throws(() => new Normal(NaN, 1), /mu must be a finite number/);
  assert.throws(() => Normal.fit([]), /data is empty/);
  assert.throws(() => Normal.fit([1, NaN, 3]), /data\[1\] is NaN/);
  assert.throws(() => Normal.fit([4, 4, 4]), /all 3 values equal 4; σ would be 0/);
  assert.throws(() => Normal.fit([4], { unbiased: true }), /at least 2 values/);
  assert.throws(() => new Normal().sample(-1), /non-negative integer/);
});

test('sampling is reproducible by seed and has the right moments', () => {
  const model = new Normal(10, 2);
  const a = model.sample(20000, 7);
  assert.deepEqual(model.sample(20000, new Rng(7)), a);
  assert.notDeepEqual(model.sample(10, 8), a.subarray(0, 10));
  const fitted = Normal.fit(a);
  // Standard errors: 2/√20000 ≈ 0.014 for the mean, ≈ 0.01 for sigma.
  assert.ok(Math.abs(fitted.mu - 10) < 0.06, `mean ${fitted.mu}`);
  assert.ok(Math.abs(fitted.sigma - 2) < 0.05, `sigma ${fitted.sigma}`);
  const belowOneSigma = a.filter((v) => v < 12).length / a.length;
  assert.ok(Math.abs(belowOneSigma - 0.8413) < 0.015, `fraction below mu + sigma: ${belowOneSigma}`);
});

test('Rng gives floats in [0, 1) and integers in range', () => {
  const rng = new Rng(123);
  let sum = 0;
  for (let i = 0; i < 10000; i++) {
    const u = rng.double();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    const k = rng.int(6);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 6);
  }
  assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
  assert.throws(() => new Rng(NaN), /seed must be a finite number/);
});

test('logSumExp does not overflow', () => {
  assertRelative(logSumExp([1000, 1000]), 1000 + Math.log(2), 1e-15);
  assertRelative(logSumExp([-1000, -1000 + Math.log(3)]), -1000 + Math.log(4), 1e-15);
  assert.equal(logSumExp([-Infinity, -Infinity]), -Infinity);
});
