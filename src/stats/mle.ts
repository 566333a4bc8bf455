/**
 * The lecture's claim, checked with numbers: for the model y = a·x + b + noise
 * with Gaussian noise N(0, σ²), the (a, b) that maximise the likelihood are the
 * (a, b) that minimise the squared error.
 *
 * Why: each yᵢ ~ N(a·xᵢ + b, σ²), so the negative log-likelihood is
 *
 *   NLL(a, b, σ) = (n/2)·log(2πσ²) + Σ (yᵢ − a·xᵢ − b)² / (2σ²)
 *                = (n/2)·log(2πσ²) + n·MSE(a, b) / (2σ²).
 *
 * For any fixed σ the first term does not depend on (a, b) and the second is
 * MSE times a positive constant, so both have the same minimiser. Minimising
 * over σ as well gives σ̂² = MSE(â, b̂).
 *
 * mleVsLeastSquares finds the two answers by unrelated routes — the closed
 * form for least squares, a derivative-free numeric search (Nelder–Mead) over
 * (a, b, log σ) for the likelihood — and reports how far apart they land.
 */
import { simpleLinearRegression } from './linear-regression.js';
import { nelderMead } from './optimize.js';
import { checkFiniteVector, mean, sumSquaredDeviations } from './validate.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** −log L of y under yᵢ ~ N(a·xᵢ + b, σ²). */
export function gaussianRegressionNLL(
  x: ArrayLike<number>, y: ArrayLike<number>, a: number, b: number, sigma: number,
): number {
  checkXY('gaussianRegressionNLL', x, y);
  if (!Number.isFinite(sigma) || sigma <= 0) {
    throw new Error(`gaussianRegressionNLL: sigma must be a finite number > 0, got ${sigma}`);
  }
  return negativeLogLikelihood(x, y, a, b, sigma);
}

/**
 * −Σᵢ log N(yᵢ | a·xᵢ + b, σ²), summed point by point straight from the
 * density — deliberately not via the MSE, so that comparing the two is a test.
 */
function negativeLogLikelihood(
  x: ArrayLike<number>, y: ArrayLike<number>, a: number, b: number, sigma: number,
): number {
  const logNormaliser = 0.5 * LOG_2PI + Math.log(sigma);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const z = (y[i]! - (a * x[i]! + b)) / sigma;
    total += logNormaliser + 0.5 * z * z;
  }
  return total;
}

export interface MleVsLeastSquaresOptions {
  /** Points per axis of the (a, b) grid (default 21; odd puts the centre on the least-squares line). */
  gridSize?: number;
}

/** A coarse table of NLL and MSE over (a, b), σ held at its MLE. */
export interface LikelihoodGrid {
  aValues: number[];
  bValues: number[];
  /** The σ used for every NLL entry. */
  sigma: number;
  /** nll[i][j] = NLL(aValues[i], bValues[j], sigma). */
  nll: number[][];
  /** mse[i][j] = MSE(aValues[i], bValues[j]). */
  mse: number[][];
  argminNll: { i: number; j: number; a: number; b: number };
  argminMse: { i: number; j: number; a: number; b: number };
}

export interface MleVsLeastSquaresResult {
  /** Closed form: a = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)², b = ȳ − a·x̄. */
  leastSquares: { a: number; b: number; mse: number };
  /** Nelder–Mead on the NLL over (a, b, log σ). */
  maximumLikelihood: { a: number; b: number; sigma: number; nll: number; iterations: number; converged: boolean };
  /** Largest gap between the two answers relative to the data's scale (see `difference`). */
  relativeDifference: number;
  /** mle − leastSquares for a and b, and σ̂ − √MSE (the MLE σ in closed form). */
  difference: { a: number; b: number; sigma: number };
  grid: LikelihoodGrid;
}

/**
 * Fits y ≈ a·x + b twice — least squares in closed form, maximum likelihood by
 * numeric search — and shows the answers agree (to the optimiser's tolerance,
 * about 1e-8 relative) and that a grid of NLL and MSE values has its smallest
 * entry in the same cell.
 */
export function mleVsLeastSquares(
  x: ArrayLike<number>, y: ArrayLike<number>, options: MleVsLeastSquaresOptions = {},
): MleVsLeastSquaresResult {
  checkXY('mleVsLeastSquares', x, y);
  const n = x.length;
  if (n < 3) throw new Error(`mleVsLeastSquares: need at least 3 points to fit a, b and σ, got ${n}`);
  const gridSize = options.gridSize ?? 21;
  if (!Number.isInteger(gridSize) || gridSize < 2) {
    throw new Error(`mleVsLeastSquares: gridSize must be an integer ≥ 2, got ${gridSize}`);
  }

  // Route 1: least squares in closed form.
  const ls = simpleLinearRegression(x, y);
  const lsMse = sumSquaredErrors(x, y, ls.a, ls.b) / n;
  if (!(lsMse > 0)) {
    throw new Error('mleVsLeastSquares: the points lie exactly on a line, so the MLE σ is 0 and the likelihood has no maximum');
  }

  // Route 2: maximum likelihood by numeric search. The optimiser works in
  // standardised units, as you would standardise features before gradient
  // descent: θ = (α, β, log τ) with a = α·sy/sx, b = ȳ + β·sy − a·x̄, σ = τ·sy.
  // That is only a change of coordinates: the function being minimised is
  // still the NLL of the original data, computed from the normal density.
  const mx = mean(x);
  const my = mean(y);
  const sx = Math.sqrt(sumSquaredDeviations(x, mx) / n);
  const sy = Math.sqrt(sumSquaredDeviations(y, my) / n);
  const toModel = (theta: number[]): { a: number; b: number; sigma: number } => {
    const a = (theta[0]! * sy) / sx;
    return { a, b: my + theta[1]! * sy - a * mx, sigma: Math.exp(theta[2]!) * sy };
  };
  const objective = (theta: number[]): number => {
    const m = toModel(theta);
    return negativeLogLikelihood(x, y, m.a, m.b, m.sigma);
  };
  // Start from the flat line y = ȳ with σ = sd(y): no knowledge of the answer.
  const search = nelderMead(objective, [0, 0, 0], { step: 0.5, xTolerance: 1e-11 });
  const mle = toModel(search.x);

  const difference = { a: mle.a - ls.a, b: mle.b - ls.b, sigma: mle.sigma - Math.sqrt(lsMse) };
  // a is compared in units of sy/sx, b and σ in units of sy.
  const relativeDifference = Math.max(
    Math.abs(difference.a) * (sx / sy), Math.abs(difference.b + difference.a * mx) / sy,
    Math.abs(difference.sigma) / sy,
  );

  return {
    leastSquares: { a: ls.a, b: ls.b, mse: lsMse },
    maximumLikelihood: { ...mle, nll: search.value, iterations: search.iterations, converged: search.converged },
    relativeDifference,
    difference,
    grid: likelihoodGrid(x, y, ls, mle.sigma, sy / sx, sy, gridSize),
  };
}

/** NLL and MSE on a rectangular (a, b) grid centred on the least-squares line. */
function likelihoodGrid(
  x: ArrayLike<number>, y: ArrayLike<number>, centre: { a: number; b: number }, sigma: number,
  aScale: number, bScale: number, size: number,
): LikelihoodGrid {
  const n = x.length;
  const aHalf = Math.max(Math.abs(centre.a), aScale);
  const bHalf = Math.max(Math.abs(centre.b), bScale);
  const axis = (c: number, half: number): number[] =>
    Array.from({ length: size }, (_, i) => c - half + (2 * half * i) / (size - 1));
  const aValues = axis(centre.a, aHalf);
  const bValues = axis(centre.b, bHalf);
  // With σ fixed, NLL = (n/2)·log(2πσ²) + n·MSE/(2σ²) rises with MSE, so the
  // two tables must have their minimum in the same cell. Both are computed
  // from their own definitions here; neither is derived from the other.
  const mse = aValues.map((a) => bValues.map((b) => sumSquaredErrors(x, y, a, b) / n));
  const nll = aValues.map((a) => bValues.map((b) => negativeLogLikelihood(x, y, a, b, sigma)));
  const argmin = (table: number[][]): { i: number; j: number; a: number; b: number } => {
    let best = { i: 0, j: 0 };
    table.forEach((row, i) => row.forEach((v, j) => {
      if (v < table[best.i]![best.j]!) best = { i, j };
    }));
    return { ...best, a: aValues[best.i]!, b: bValues[best.j]! };
  };
  const argminNll = argmin(nll);
  const argminMse = argmin(mse);
  return { aValues, bValues, sigma, nll, mse, argminNll, argminMse };
}

function sumSquaredErrors(x: ArrayLike<number>, y: ArrayLike<number>, a: number, b: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const r = y[i]! - a * x[i]! - b;
    s += r * r;
  }
  return s;
}

function checkXY(where: string, x: ArrayLike<number>, y: ArrayLike<number>): void {
  checkFiniteVector(where, 'x', x);
  checkFiniteVector(where, 'y', y);
  if (x.length !== y.length) throw new Error(`${where}: x has ${x.length} values but y has ${y.length}`);
}

/** MSE(a) and NLL(a) along slopes around the fitted one, for viz.slopeProfilePicture. */
export interface SlopeProfile {
  slopes: number[];
  mse: number[];
  nll: number[];
  aLeastSquares: number;
  aMaximumLikelihood: number;
}

/**
 * MSE(a) and the Gaussian NLL(a) on 81 slopes around the least-squares one, with b at its best
 * value for each a (b = ȳ − a·x̄) and σ at its MLE: different numbers, the same minimising slope.
 */
export function slopeProfile(x: readonly number[], y: readonly number[], r: MleVsLeastSquaresResult): SlopeProfile {
  checkXY('slopeProfile', x, y);
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
  return { slopes, mse, nll, aLeastSquares: aHat, aMaximumLikelihood: r.maximumLikelihood.a };
}
