import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianRegressionNLL, mleVsLeastSquares } from '../src/stats/mle.js';
import { nelderMead } from '../src/stats/optimize.js';
import { Normal, logLikelihood } from '../src/stats/normal.js';
import { Rng } from '../src/tensor/random.js';

function close(actual: number, expected: number, tolerance: number, label = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label} expected ${expected}, got ${actual}`);
}

function noisyLine(n: number, a: number, b: number, noise: number, seed: number, xOffset = 0, xScale = 1) {
  const rng = new Rng(seed);
  const x = Array.from({ length: n }, () => xOffset + xScale * 10 * rng.double());
  const y = x.map((v) => a * v + b + noise * rng.normal());
  return { x, y };
}

test('NLL of a tiny set, computed by hand', () => {
  // x = 0, 1, 2; y = 1, 3, 4; line y = x + 1 leaves residuals 0, 1, 1 (SSE = 2); σ = 2:
  // NLL = (3/2)·log(2π·4) + 2/(2·4).
  const expected = 1.5 * Math.log(8 * Math.PI) + 0.25;
  close(gaussianRegressionNLL([0, 1, 2], [1, 3, 4], 1, 1, 2), expected, 1e-14);
  close(expected, 5.086257141293855, 1e-14); // the same formula evaluated in Python
  // The same number from the Normal class: residuals under N(0, σ²).
  close(-logLikelihood([0, 1, 1], new Normal(0, 2)), expected, 1e-14);
});

test('NLL rejects bad sigma and mismatched data', () => {
  assert.throws(() => gaussianRegressionNLL([1, 2], [1, 2], 1, 0, 0), /sigma must be a finite number > 0, got 0/);
  assert.throws(() => gaussianRegressionNLL([1, 2], [1], 1, 0, 1), /x has 2 values but y has 1/);
  assert.throws(() => gaussianRegressionNLL([1, NaN], [1, 2], 1, 0, 1), /x\[1\] is NaN/);
});

test('maximum likelihood and least squares find the same line', () => {
  const cases = [
    noisyLine(200, 3, 7, 0.3, 1),
    noisyLine(100, -0.002, 5, 0.01, 2, 0, 100), // tiny slope, wide x
    noisyLine(150, 0.5, 12, 0.3, 3, 1000), // x far from 0: a and b strongly coupled
    noisyLine(50, 1e4, -3, 1, 4, 0, 1e-3), // steep slope, narrow x
  ];
  for (const { x, y } of cases) {
    const r = mleVsLeastSquares(x, y);
    assert.ok(r.maximumLikelihood.converged);
    assert.ok(r.relativeDifference < 1e-6, `relative difference ${r.relativeDifference}`);
    const { a, b } = r.leastSquares;
    close(r.maximumLikelihood.a, a, 1e-6 * Math.max(1, Math.abs(a)), 'a');
    close(r.maximumLikelihood.b, b, 1e-5 * Math.max(1, Math.abs(b)), 'b');
    // The MLE σ is the root of the least-squares MSE.
    close(r.maximumLikelihood.sigma, Math.sqrt(r.leastSquares.mse), 1e-6 * Math.sqrt(r.leastSquares.mse), 'sigma');
    // The optimiser's value is the NLL at its answer, and no lower than at the closed form.
    close(r.maximumLikelihood.nll, gaussianRegressionNLL(x, y, r.maximumLikelihood.a, r.maximumLikelihood.b,
      r.maximumLikelihood.sigma), 1e-9 * Math.abs(r.maximumLikelihood.nll));
    assert.ok(gaussianRegressionNLL(x, y, a, b, r.maximumLikelihood.sigma) >= r.maximumLikelihood.nll - 1e-9);
  }
});

test('the NLL and MSE grids have their minimum in the same cell', () => {
  const { x, y } = noisyLine(80, 2, -1, 0.5, 6);
  const r = mleVsLeastSquares(x, y, { gridSize: 9 });
  const g = r.grid;
  assert.equal(g.aValues.length, 9);
  assert.equal(g.nll.length, 9);
  assert.equal(g.nll[0]!.length, 9);
  assert.deepEqual([g.argminNll.i, g.argminNll.j], [g.argminMse.i, g.argminMse.j]);
  // Odd grids are centred on the least-squares line.
  assert.deepEqual([g.argminMse.i, g.argminMse.j], [4, 4]);
  // Every cell: NLL is the same increasing function of MSE.
  const n = x.length;
  for (let i = 0; i < 9; i++) {
    for (let j = 0; j < 9; j++) {
      const fromMse = 0.5 * n * Math.log(2 * Math.PI * g.sigma ** 2) + (n * g.mse[i]![j]!) / (2 * g.sigma ** 2);
      close(g.nll[i]![j]!, fromMse, 1e-10 * Math.abs(fromMse));
    }
  }
  // Even grids: the argmin is off-centre but still shared.
  const even = mleVsLeastSquares(x, y, { gridSize: 6 }).grid;
  assert.deepEqual([even.argminNll.i, even.argminNll.j], [even.argminMse.i, even.argminMse.j]);
});

test('mleVsLeastSquares explains inputs it cannot handle', () => {
  assert.throws(() => mleVsLeastSquares([1, 2, 3], [2, 4, 6]), /lie exactly on a line/);
  assert.throws(() => mleVsLeastSquares([1, 2], [2, 5]), /at least 3 points/);
  assert.throws(() => mleVsLeastSquares([1, 1, 1], [2, 5, 3]), /every x equals 1/);
  assert.throws(() => mleVsLeastSquares([1, 2, 3], [2, 5, 3], { gridSize: 1 }), /gridSize must be an integer ≥ 2/);
});

test('Nelder–Mead minimises the Rosenbrock function', () => {
  const rosenbrock = ([x, y]: number[]): number => (1 - x!) ** 2 + 100 * (y! - x! * x!) ** 2;
  const r = nelderMead(rosenbrock, [-1.2, 1]);
  assert.ok(r.converged);
  close(r.x[0]!, 1, 1e-6, 'x');
  close(r.x[1]!, 1, 1e-6, 'y');
  assert.throws(() => nelderMead(() => NaN, [0]), /f\(start\) is NaN/);
  assert.throws(() => nelderMead(rosenbrock, [0, 0], { step: [1] }), /step has 1 entries but the start point has 2/);
});
