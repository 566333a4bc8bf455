/**
 * The lecture's proof, run: for ŷ = ax + b with Gaussian noise, maximising the likelihood
 *   log L(a, b, σ) = −(n/2)·log(2πσ²) − Σ(yᵢ − axᵢ − b)² / (2σ²)
 * picks the same (a, b) as minimising the total squared error E(a, b) = Σ(yᵢ − axᵢ − b)².
 *
 * Three routes to the line, compared number by number:
 *   1. least squares in closed form (QR);
 *   2. maximum likelihood by a numeric search on the negative log-likelihood (Nelder–Mead);
 *   3. a deepts model — Sequential([Dense(1)]), loss 'mse' — trained by gradient descent.
 * First on 100 synthetic points y = 2x + 1 + N(0, 1), then on California housing
 * (median_income → median_house_value), then with all 8 California inputs at once.
 * Run: node dist/examples/linear-regression-mle.js [outDir]
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fitLinearByGradientDescent, loadCaliforniaHousing, stats, viz, writePng } from '../src/index.js';
const { Rng, fitOLS, mleVsLeastSquares, slopeProfile } = stats;
const { lineChart, regressionLinePicture, slopeProfilePicture } = viz;

const outDir = resolve(process.argv[2] ?? 'examples-out/linear-regression-mle');
mkdirSync(outDir, { recursive: true });
const rel = (u: number, v: number): string => (Math.abs(u - v) / Math.max(Math.abs(v), 1e-300)).toExponential(1);

async function threeRoutes(name: string, x: number[], y: number[], xName: string, yName: string): Promise<void> {
  const r = mleVsLeastSquares(x, y);
  const gd = await fitLinearByGradientDescent(x.map((v) => [v]), y, { epochs: 200, learningRate: 0.1 });
  const ls = r.leastSquares;
  const ml = r.maximumLikelihood;
  console.log(`\n${name}: ${x.length} points`);
  console.log(`  ${'route'.padEnd(46)} ${'a'.padStart(16)} ${'b'.padStart(16)}`);
  console.log(`  ${'least squares, closed form'.padEnd(46)} ${ls.a.toPrecision(10).padStart(16)} ${ls.b.toPrecision(10).padStart(16)}`);
  console.log(`  ${'maximum likelihood, Nelder-Mead on -log L'.padEnd(46)} ${ml.a.toPrecision(10).padStart(16)} ${ml.b.toPrecision(10).padStart(16)}   σ̂ = ${ml.sigma.toPrecision(6)} = √MSE ${Math.sqrt(ls.mse).toPrecision(6)}`);
  console.log(`  ${'Dense(1) model, gradient descent on MSE (f32)'.padEnd(46)} ${gd.coef[0]!.toPrecision(10).padStart(16)} ${gd.intercept.toPrecision(10).padStart(16)}   (200 full-batch SGD epochs)`);
  console.log(`  relative differences to least squares: MLE a ${rel(ml.a, ls.a)}, b ${rel(ml.b, ls.b)}; gradient descent a ${rel(gd.coef[0]!, ls.a)}, b ${rel(gd.intercept, ls.b)}`);
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  writePng(join(outDir, `${slug}-line.png`), regressionLinePicture(x, y, r, xName, yName));
  writePng(join(outDir, `${slug}-likelihood.png`), slopeProfilePicture(slopeProfile(x, y, r)));
  writePng(join(outDir, `${slug}-gradient-descent.png`), lineChart({
    series: [{ name: 'training MSE (standardized units)', values: gd.history }], logY: true,
    title: 'Dense(1) trained by gradient descent', xLabel: 'epoch', yLabel: 'MSE',
  }));
}

// 1. Synthetic: y = 2x + 1 + N(0, 1).
const rng = new Rng(1);
const xs = Array.from({ length: 100 }, () => rng.double() * 10);
const ys = xs.map((x) => 2 * x + 1 + rng.normal());
await threeRoutes('Synthetic y = 2x + 1 + noise', xs, ys, 'x', 'y');

// 2. Real data, one input.
const housing = loadCaliforniaHousing();
await threeRoutes('California housing', housing.numbers('median_income'), housing.numbers('median_house_value'), 'median_income', 'median_house_value');

// 3. All eight inputs: closed-form OLS vs the one-Dense-layer model.
const features = housing.columns.filter((c) => c !== 'median_house_value');
const X = housing.toArrays(features);
const y = housing.numbers('median_house_value');
const ols = fitOLS(X, y);
// The inputs are strongly correlated (rooms, bedrooms, households, population), so plain
// gradient descent crawls along the valley; momentum 0.9 gets there in a few hundred epochs.
const gd = await fitLinearByGradientDescent(X, y, { epochs: 1000, learningRate: 0.1, momentum: 0.9 });
console.log(`\nCalifornia housing, all ${features.length} inputs (R² ${ols.r2.toFixed(4)}):`);
console.log(`  ${'coefficient'.padEnd(20)} ${'least squares'.padStart(16)} ${'Dense(1) + SGD m=0.9'.padStart(22)} ${'rel. diff'.padStart(10)}`);
features.forEach((f, j) => console.log(`  ${f.padEnd(20)} ${ols.coef[j]!.toPrecision(8).padStart(16)} ${gd.coef[j]!.toPrecision(8).padStart(22)} ${rel(gd.coef[j]!, ols.coef[j]!).padStart(10)}`));
console.log(`  ${'intercept'.padEnd(20)} ${ols.intercept.toPrecision(8).padStart(16)} ${gd.intercept.toPrecision(8).padStart(22)} ${rel(gd.intercept, ols.intercept).padStart(10)}`);
console.log(`\nWrote the pictures in ${outDir}`);
