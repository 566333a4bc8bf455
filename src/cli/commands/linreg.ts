/**
 * `deepts linreg data.csv --x COL --y COL`: the lecture's ŷ = ax + b. Fits the line by least
 * squares (closed form) and by maximum likelihood (numeric search on the Gaussian negative
 * log-likelihood, mleVsLeastSquares), prints both (a, b) — the same line — and the noise σ,
 * and draws the points with the line and the ±σ band, plus NLL and MSE along the slope a.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gaussianRegressionNLL, mleVsLeastSquares, r2Score } from '../../stats/index.js';
import type { MleVsLeastSquaresResult } from '../../stats/index.js';
import { Raster, lineChart, scatterPlot } from '../../viz/index.js';
import { writePng } from '../../io/png.js';
import type { OptionSpecs, ParsedOptions } from '../args.js';
import type { Command } from '../command.js';
import { dropMissing, fmt, loadTableArgument, requireColumn } from './regress.js';

export const linregOptions: OptionSpecs = {
  x: { type: 'string', help: 'the input column (required, numeric)' },
  y: { type: 'string', help: 'the column to predict (required, numeric)' },
  out: { type: 'string', default: 'linreg-out', help: 'folder for line.png and likelihood.png' },
};

/** Points with the fitted line and the ±σ band (σ the maximum-likelihood noise level). */
export function linePicture(x: readonly number[], y: readonly number[], r: MleVsLeastSquaresResult, xName: string, yName: string): Raster {
  const lo = Math.min(...x);
  const hi = Math.max(...x);
  const { a, b } = r.leastSquares;
  const m = r.maximumLikelihood;
  const line = (intercept: number, name: string | undefined, color: string) => ({ x1: lo, y1: a * lo + intercept, x2: hi, y2: a * hi + intercept, name, color });
  return scatterPlot({
    points: x.map((xi, i) => ({ x: xi, y: y[i]!, cls: 0 })),
    classNames: ['data'],
    lines: [
      line(b + m.sigma, `y = ${fmt(a, 4)}x + ${fmt(b, 4)} +/- sigma ${fmt(m.sigma, 3)}`, '#ff7f0e'),
      line(b - m.sigma, undefined, '#ff7f0e'),
      { x1: lo, y1: m.a * lo + m.b, x2: hi, y2: m.a * hi + m.b, name: 'maximum likelihood line', color: '#d62728' },
      line(b, 'least squares line (same)', '#222222'),
    ],
    title: "Least squares line = maximum likelihood line", xLabel: xName, yLabel: yName, width: 720, height: 480,
  });
}

/**
 * Two panels: MSE(a) and NLL(a) with b at its best value for each a (b = ȳ − a·x̄) and σ at
 * its MLE: different numbers, the same minimising slope.
 */
export function likelihoodPicture(x: readonly number[], y: readonly number[], r: MleVsLeastSquaresResult): Raster {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  const sx = Math.sqrt(x.reduce((s, v) => s + (v - mx) ** 2, 0) / n);
  const sy = Math.sqrt(y.reduce((s, v) => s + (v - my) ** 2, 0) / n);
  const aHat = r.leastSquares.a;
  const half = Math.max(Math.abs(aHat), sy / sx) * 0.6;
  const slopes = Array.from({ length: 81 }, (_, i) => aHat - half + (2 * half * i) / 80);
  const mse = slopes.map((a) => {
    const b = my - a * mx;
    let s = 0;
    for (let i = 0; i < n; i++) s += (y[i]! - a * x[i]! - b) ** 2;
    return s / n;
  });
  const nll = slopes.map((a) => gaussianRegressionNLL(x, y, a, my - a * mx, r.maximumLikelihood.sigma));
  const w = 480;
  const out = new Raster(2 * w, 340);
  out.drawRaster(lineChart({ series: [{ name: 'MSE(a)', values: mse, color: '#1f77b4' }], x: slopes, title: `MSE, min at a = ${fmt(aHat, 4)}`, xLabel: 'slope a', yLabel: 'mean squared error', width: w, height: 340 }), 0, 0);
  out.drawRaster(lineChart({ series: [{ name: 'NLL(a)', values: nll, color: '#d62728' }], x: slopes, title: `-log L, min at a = ${fmt(r.maximumLikelihood.a, 4)}`, xLabel: 'slope a', yLabel: 'negative log-likelihood', width: w, height: 340 }), w, 0);
  return out;
}

export async function runLinreg(o: ParsedOptions, positional: string[]): Promise<void> {
  const { table: raw, source } = loadTableArgument(positional, 'linreg');
  const xName = requireColumn(raw, o, 'x');
  const yName = requireColumn(raw, o, 'y');
  for (const c of [xName, yName]) {
    if (raw.kind(c) !== 'number') throw new Error(`column '${c}' holds strings, not numbers: linreg fits a line between two numeric columns`);
  }
  if (xName === yName) throw new Error('--x and --y name the same column');
  console.log(`Data: ${source}, ${raw.numRows} rows; fitting ${yName} ≈ a·(${xName}) + b`);
  const table = dropMissing(raw, [xName, yName]);
  const x = table.numbers(xName);
  const y = table.numbers(yName);
  const r = mleVsLeastSquares(x, y);
  const ls = r.leastSquares;
  const ml = r.maximumLikelihood;
  const r2 = r2Score(y, x.map((v) => ls.a * v + ls.b));
  console.log(`\n  ${''.padEnd(40)} ${'a (slope)'.padStart(16)} ${'b (intercept)'.padStart(16)} ${'sigma'.padStart(14)}`);
  console.log(`  ${'least squares (closed form)'.padEnd(40)} ${ls.a.toPrecision(10).padStart(16)} ${ls.b.toPrecision(10).padStart(16)} ${Math.sqrt(ls.mse).toPrecision(8).padStart(14)}`);
  console.log(`  ${'maximum likelihood (Nelder-Mead on NLL)'.padEnd(40)} ${ml.a.toPrecision(10).padStart(16)} ${ml.b.toPrecision(10).padStart(16)} ${ml.sigma.toPrecision(8).padStart(14)}`);
  console.log(`\n  relative difference: ${r.relativeDifference.toExponential(2)} (the optimiser's tolerance: the same line)`);
  console.log(`  sigma: the MLE of the noise level is sqrt(MSE) = ${fmt(ml.sigma)}; MSE = ${fmt(ls.mse)}; R² = ${r2.toFixed(4)}; NLL at the optimum = ${fmt(ml.nll)}`);
  console.log(`  grid check: NLL and MSE are smallest in the same (a, b) cell: ${r.grid.argminNll.i === r.grid.argminMse.i && r.grid.argminNll.j === r.grid.argminMse.j ? 'yes' : 'no'}`);

  const outDir = resolve(o['out'] as string);
  mkdirSync(outDir, { recursive: true });
  writePng(join(outDir, 'line.png'), linePicture(x, y, r, xName, yName));
  writePng(join(outDir, 'likelihood.png'), likelihoodPicture(x, y, r));
  console.log(`\nWrote ${join(outDir, 'line.png')} and ${join(outDir, 'likelihood.png')}`);
}

export const command: Command = {
  summary: 'fit y = ax + b by least squares and by maximum likelihood (the same line), with sigma and a picture',
  usage: 'deepts linreg <data.csv | california | cars | iris | penguins> --x COLUMN --y COLUMN [options]',
  options: linregOptions,
  run: (o, positional) => runLinreg(o, positional),
};
