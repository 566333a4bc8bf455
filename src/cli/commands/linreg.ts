/**
 * `deepts linreg data.csv --x COL --y COL`: the lecture's ŷ = ax + b. Fits the line by least
 * squares (closed form) and by maximum likelihood (numeric search on the Gaussian negative
 * log-likelihood, mleVsLeastSquares), prints both (a, b) — the same line — and the noise σ,
 * and draws the points with the line and the ±σ band, plus NLL and MSE along the slope a.
 */
import { resolve } from 'node:path';
import { mleVsLeastSquares, r2Score, slopeProfile } from '../../stats/index.js';
import { formatNumber as fmt, regressionLinePicture, slopeProfilePicture } from '../../viz/index.js';
import type { OptionSpecs, OptionsOf } from '../args.js';
import { defineCommand } from '../command.js';
import { dropMissing } from '../../data/missing.js';
import { loadTableArgument, requireColumn, requireFiniteColumns } from '../tabular-options.js';
import { writePictures, wroteLine } from '../output.js';

export const linregOptions = {
  x: { type: 'string', help: 'the input column (required, numeric)' },
  y: { type: 'string', help: 'the column to predict (required, numeric)' },
  out: { type: 'string', default: 'linreg-out', help: 'folder for line.png and likelihood.png' },
} as const satisfies OptionSpecs;

export async function runLinreg(o: OptionsOf<typeof linregOptions>, positional: string[]): Promise<void> {
  const { table: raw, source } = loadTableArgument(positional, 'linreg');
  const xName = requireColumn(raw, o.x, 'x');
  const yName = requireColumn(raw, o.y, 'y');
  for (const c of [xName, yName]) {
    if (raw.kind(c) !== 'number') throw new Error(`column '${c}' holds strings, not numbers: linreg fits a line between two numeric columns`);
  }
  if (xName === yName) throw new Error('--x and --y name the same column');
  requireFiniteColumns(raw, [xName, yName], source);
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

  const files = writePictures(resolve(o.out), {
    'line.png': regressionLinePicture(x, y, r, xName, yName),
    'likelihood.png': slopeProfilePicture(slopeProfile(x, y, r)),
  });
  console.log(`\n${wroteLine(files)}`);
}

export const command = defineCommand({
  summary: 'fit y = ax + b by least squares and by maximum likelihood (the same line), with sigma and a picture',
  usage: 'deepts linreg <data.csv | california | cars | iris | penguins> --x COLUMN --y COLUMN [options]',
  maxPositional: 1,
  options: linregOptions,
  run: (o, positional) => runLinreg(o, positional),
});
