/**
 * Batch normalization over the rows of a rows × cols matrix (channels last): the reference
 * for the compiled kernels (native/plan.inc runBatchNorm*). Sums in double; the mean is
 * rounded to float before the centred pass, as the compiled kernels keep it.
 */
import type { F32 } from '../kernels.js';

/** Σ (a − ca)·(b − cb) and Σ (a − ca) of column j, in double (ca, cb null: 0). */
function columnSums(a: F32, ca: F32 | null, b: F32, cb: F32 | null, rows: number, cols: number, j: number): [number, number] {
  const ma = ca ? ca[j]! : 0, mb = cb ? cb[j]! : 0;
  let su = 0, suv = 0;
  for (let r = 0, i = j; r < rows; r++, i += cols) {
    const u = a[i]! - ma;
    su += u;
    suv += u * (b[i]! - mb);
  }
  return [su, suv];
}

export function batchNormStats(x: F32, mean: F32, variance: F32, rows: number, cols: number): void {
  for (let j = 0; j < cols; j++) {
    mean[j] = columnSums(x, null, x, null, rows, cols, j)[0] / rows;
    const [s1, s2] = columnSums(x, mean, x, mean, rows, cols, j);
    const v = (s2 - (s1 * s1) / rows) / rows;
    variance[j] = v < 0 ? 0 : v; // NaN stays NaN
  }
}

const invStd = (variance: F32, j: number, epsilon: number): number => 1 / Math.sqrt(variance[j]! + Math.fround(epsilon));

export function batchNorm(x: F32, gamma: F32 | null, beta: F32 | null, mean: F32, variance: F32, y: F32, rows: number, cols: number, epsilon: number): void {
  for (let j = 0; j < cols; j++) {
    const scale = Math.fround((gamma ? gamma[j]! : 1) * invStd(variance, j, epsilon));
    const shift = beta ? beta[j]! : 0;
    const m = mean[j]!;
    for (let r = 0, i = j; r < rows; r++, i += cols) y[i] = (x[i]! - m) * scale + shift;
  }
}

export function batchNormBackward(dy: F32, x: F32, gamma: F32 | null, mean: F32, variance: F32, dx: F32 | null, dgamma: F32 | null, dbeta: F32 | null,
  rows: number, cols: number, epsilon: number, training: boolean): void {
  for (let j = 0; j < cols; j++) {
    const [sdy, sdyx] = columnSums(dy, null, x, mean, rows, cols, j);
    const inv = invStd(variance, j, epsilon);
    const g = gamma ? gamma[j]! : 1;
    if (dgamma) dgamma[j] = sdyx * inv;
    if (dbeta) dbeta[j] = sdy;
    if (!dx) continue;
    const a = Math.fround(g * inv);
    const b = training ? Math.fround((-g * inv * inv * inv * sdyx) / rows) : 0;
    const shift = training ? Math.fround((-g * inv * sdy) / rows) : 0;
    const m = mean[j]!;
    for (let r = 0, i = j; r < rows; r++, i += cols) dx[i] = dy[i]! * a + (x[i]! - m) * b + shift;
  }
}
