import { checkFiniteMatrix, checkFiniteVector, checkWidth, mean } from './validate.js';

export interface OLSOptions {
  /** Fit an intercept (a constant term). Default true. */
  fitIntercept?: boolean;
}

/** A fitted ordinary-least-squares model ŷ = X·coef + intercept. */
export interface OLSResult {
  /** One coefficient per column of X. */
  coef: number[];
  /** The constant term (0 when fitIntercept is false). */
  intercept: number;
  /** R² on the training data: 1 − SS_res / SS_tot. */
  r2: number;
  /** ŷ for new rows with the same columns. */
  predict(X: ReadonlyArray<ArrayLike<number>>): number[];
}

/** Relative size below which a pivot of the column-normalised R counts as zero. */
const RANK_TOLERANCE = 1e-10;

/**
 * Ordinary least squares: the coef and intercept minimising Σ (yᵢ − ŷᵢ)².
 *
 * Solved by Householder QR with column pivoting rather than the normal
 * equations XᵀX·coef = Xᵀy: forming XᵀX squares the condition number, so
 * badly scaled or nearly collinear columns would lose twice as many digits.
 * Steps (the same centring scikit-learn's LinearRegression does):
 *  1. with an intercept, subtract the column means from X and the mean from y
 *     (the intercept is then ȳ − x̄·coef);
 *  2. scale each column to unit length, so the rank test below does not
 *     depend on the units of the features;
 *  3. factor X·P = Q·R, apply Qᵀ to y and back-substitute R·z = Qᵀy.
 * A pivot |R_kk| < 1e-10·|R_00| means column k is (numerically) a linear
 * combination of the others: the fit is rejected with an error naming the
 * collinear columns, instead of returning huge meaningless coefficients.
 */
export function fitOLS(
  X: ReadonlyArray<ArrayLike<number>>, y: ArrayLike<number>, options: OLSOptions = {},
): OLSResult {
  const where = 'fitOLS';
  const p = checkFiniteMatrix(where, 'X', X);
  checkFiniteVector(where, 'y', y);
  const n = X.length;
  if (y.length !== n) throw new Error(`${where}: X has ${n} rows but y has ${y.length} values`);
  const fitIntercept = options.fitIntercept ?? true;
  const parameters = p + (fitIntercept ? 1 : 0);
  if (n < parameters) {
    throw new Error(
      `${where}: design matrix is rank deficient (rank ≤ ${n} < ${parameters}): ` +
        `${n} rows cannot determine ${parameters} parameters`,
    );
  }

  // Columns, centred when there is an intercept.
  const xMean = new Array<number>(p).fill(0);
  const columns: Float64Array[] = [];
  for (let j = 0; j < p; j++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = X[i]![j]!;
    if (fitIntercept) {
      xMean[j] = mean(col);
      for (let i = 0; i < n; i++) col[i]! -= xMean[j]!;
    }
    columns.push(col);
  }
  const yMean = fitIntercept ? mean(y) : 0;
  const rhs = new Float64Array(n);
  for (let i = 0; i < n; i++) rhs[i] = y[i]! - yMean;

  // Unit-length columns; a zero column is an immediate, specific error.
  const scale = columns.map((col, j) => {
    const norm = trailingNorm(col, 0);
    if (norm === 0) {
      throw new Error(
        fitIntercept
          ? `${where}: column ${j} is constant, so it is collinear with the intercept`
          : `${where}: column ${j} is all zeros`,
      );
    }
    for (let i = 0; i < n; i++) col[i]! /= norm;
    return norm;
  });

  const { rank, permutation, diagonal } = householderQR(columns, rhs);
  if (rank < p) {
    throw new Error(`${where}: ${describeRankDeficiency(X, fitIntercept, rank, p)}`);
  }

  // Back-substitution R z = Qᵀ y; R is stored above the diagonal of `columns`.
  const z = new Float64Array(p);
  for (let k = p - 1; k >= 0; k--) {
    let s = rhs[k]!;
    for (let j = k + 1; j < p; j++) s -= columns[j]![k]! * z[j]!;
    z[k] = s / diagonal[k]!;
  }
  const coef = new Array<number>(p);
  for (let k = 0; k < p; k++) {
    const original = permutation[k]!;
    coef[original] = z[k]! / scale[original]!;
  }
  let intercept = 0;
  if (fitIntercept) {
    intercept = yMean;
    for (let j = 0; j < p; j++) intercept -= xMean[j]! * coef[j]!;
  }

  const predict = (rows: ReadonlyArray<ArrayLike<number>>): number[] => {
    const width = checkFiniteMatrix('OLSResult.predict', 'X', rows);
    checkWidth('OLSResult.predict', 'X', width, p);
    return rows.map((row) => {
      let s = intercept;
      for (let j = 0; j < p; j++) s += row[j]! * coef[j]!;
      return s;
    });
  };
  return { coef, intercept, r2: r2Score(y, predict(X)), predict };
}

/**
 * In-place Householder QR with column pivoting on unit-length columns.
 * Afterwards columns[j][k] (k < j) holds R[k][j], diagonal[k] holds R[k][k],
 * rhs holds Qᵀ·rhs, and permutation[k] is the original index of column k.
 */
function householderQR(columns: Float64Array[], rhs: Float64Array): {
  rank: number; permutation: number[]; diagonal: Float64Array;
} {
  const n = rhs.length;
  const p = columns.length;
  const permutation = columns.map((_, j) => j);
  const diagonal = new Float64Array(p);
  let firstPivot = 0;
  for (let k = 0; k < p; k++) {
    // Pivot: bring the remaining column with the largest trailing norm to position k.
    let best = k;
    let bestNorm = -1;
    for (let j = k; j < p; j++) {
      const norm = trailingNorm(columns[j]!, k);
      if (norm > bestNorm) { bestNorm = norm; best = j; }
    }
    [columns[k], columns[best]] = [columns[best]!, columns[k]!];
    [permutation[k], permutation[best]] = [permutation[best]!, permutation[k]!];
    if (k === 0) firstPivot = bestNorm;
    if (bestNorm <= RANK_TOLERANCE * firstPivot) return { rank: k, permutation, diagonal };

    // Reflector v = x − α e₁ with α = −sign(x₀)‖x‖ (no cancellation in v₀).
    const col = columns[k]!;
    const alpha = col[k]! > 0 ? -bestNorm : bestNorm;
    const v = new Float64Array(n - k);
    for (let i = k; i < n; i++) v[i - k] = col[i]!;
    v[0]! -= alpha;
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i]! * v[i]!;
    const reflect = (target: Float64Array): void => {
      let dot = 0;
      for (let i = k; i < n; i++) dot += v[i - k]! * target[i]!;
      const f = (2 * dot) / vv;
      for (let i = k; i < n; i++) target[i]! -= f * v[i - k]!;
    };
    for (let j = k + 1; j < p; j++) reflect(columns[j]!);
    reflect(rhs);
    diagonal[k] = alpha;
    col[k] = alpha;
    for (let i = k + 1; i < n; i++) col[i] = 0;
  }
  return { rank: p, permutation, diagonal };
}

function trailingNorm(col: Float64Array, from: number): number {
  let s = 0;
  for (let i = from; i < col.length; i++) s += col[i]! * col[i]!;
  return Math.sqrt(s);
}

/** Names two collinear columns if there are any, else reports the rank. */
function describeRankDeficiency(
  X: ReadonlyArray<ArrayLike<number>>, fitIntercept: boolean, rank: number, p: number,
): string {
  // Re-derive unit-length (centred) columns: the factored ones were overwritten.
  const n = X.length;
  const unit: Float64Array[] = [];
  for (let j = 0; j < p; j++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = X[i]![j]!;
    const m = fitIntercept ? mean(col) : 0;
    let norm = 0;
    for (let i = 0; i < n; i++) { col[i]! -= m; norm += col[i]! * col[i]!; }
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) col[i]! /= norm;
    unit.push(col);
  }
  for (let a = 0; a < p; a++) {
    for (let b = a + 1; b < p; b++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += unit[a]![i]! * unit[b]![i]!;
      if (Math.abs(dot) > 1 - 1e-10) return `columns ${a} and ${b} are collinear`;
    }
  }
  const total = p + (fitIntercept ? 1 : 0);
  return `design matrix is rank deficient (rank ${rank + (fitIntercept ? 1 : 0)} < ${total}` +
    `${fitIntercept ? ', counting the intercept' : ''}): some column is a linear combination of others`;
}

/** Least-squares line y ≈ a·x + b through points (x, y). */
export function simpleLinearRegression(x: ArrayLike<number>, y: ArrayLike<number>): { a: number; b: number } {
  checkPair('simpleLinearRegression', x, y, 'x', 'y');
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    const dx = x[i]! - mx;
    sxy += dx * (y[i]! - my);
    sxx += dx * dx;
  }
  if (sxx === 0) {
    throw new Error(`simpleLinearRegression: every x equals ${x[0]}; the slope of a vertical line is undefined`);
  }
  const a = sxy / sxx;
  return { a, b: my - a * mx };
}

/**
 * Coefficient of determination 1 − Σ(y − ŷ)² / Σ(y − ȳ)², as scikit-learn's
 * r2_score: 1 for a perfect fit, 0 for predicting the mean, negative if worse.
 * A constant yTrue gives 1 when predicted exactly and 0 otherwise.
 */
export function r2Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair('r2Score', yTrue, yPred, 'yTrue', 'yPred');
  const m = mean(yTrue);
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < yTrue.length; i++) {
    ssRes += (yTrue[i]! - yPred[i]!) ** 2;
    ssTot += (yTrue[i]! - m) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/** Mean of (yTrue − yPred)². */
export function meanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair('meanSquaredError', yTrue, yPred, 'yTrue', 'yPred');
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yTrue[i]! - yPred[i]!) ** 2;
  return s / yTrue.length;
}

/** Mean of |yTrue − yPred|. */
export function meanAbsoluteError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair('meanAbsoluteError', yTrue, yPred, 'yTrue', 'yPred');
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yTrue[i]! - yPred[i]!);
  return s / yTrue.length;
}

function checkPair(
  where: string, a: ArrayLike<number>, b: ArrayLike<number>, nameA: string, nameB: string,
): void {
  checkFiniteVector(where, nameA, a);
  checkFiniteVector(where, nameB, b);
  if (a.length !== b.length) {
    throw new Error(`${where}: ${nameA} has ${a.length} values but ${nameB} has ${b.length}`);
  }
}
