/** Pictures of ŷ = ax + b: the points with the fitted line, and the error/likelihood profile along the slope. */
import { Raster } from './raster.js';
import { lineChart, scatterPlot } from './charts.js';
import { formatNumber } from './axes.js';

/** The two fits of one line (stats.mleVsLeastSquares returns them). */
export interface LineFits {
  leastSquares: { a: number; b: number };
  maximumLikelihood: { a: number; b: number; sigma: number };
}

/** MSE(a) and NLL(a) along a grid of slopes (stats.slopeProfile computes it). */
export interface SlopeProfile {
  slopes: readonly number[];
  mse: readonly number[];
  nll: readonly number[];
  /** The least-squares slope and the maximum-likelihood slope. */
  aLeastSquares: number;
  aMaximumLikelihood: number;
}

/** Points with the fitted line and the ±σ band (σ the maximum-likelihood noise level). */
export function regressionLinePicture(x: readonly number[], y: readonly number[], r: LineFits, xName: string, yName: string): Raster {
  const lo = Math.min(...x);
  const hi = Math.max(...x);
  const { a, b } = r.leastSquares;
  const m = r.maximumLikelihood;
  const line = (intercept: number, name: string | undefined, color: string) => ({ x1: lo, y1: a * lo + intercept, x2: hi, y2: a * hi + intercept, name, color });
  return scatterPlot({
    points: x.map((xi, i) => ({ x: xi, y: y[i]!, cls: 0 })),
    classNames: ['data'],
    lines: [
      line(b + m.sigma, `y = ${formatNumber(a, 4)}x + ${formatNumber(b, 4)} +/- sigma ${formatNumber(m.sigma, 3)}`, '#ff7f0e'),
      line(b - m.sigma, undefined, '#ff7f0e'),
      { x1: lo, y1: m.a * lo + m.b, x2: hi, y2: m.a * hi + m.b, name: 'maximum likelihood line', color: '#d62728' },
      line(b, 'least squares line (same)', '#222222'),
    ],
    title: "Least squares line = maximum likelihood line", xLabel: xName, yLabel: yName, width: 720, height: 480,
  });
}

/** Two panels, MSE(a) and NLL(a): different numbers, the same minimising slope. */
export function slopeProfilePicture(p: SlopeProfile): Raster {
  const w = 480;
  const out = new Raster(2 * w, 340);
  out.drawRaster(lineChart({ series: [{ name: 'MSE(a)', values: p.mse, color: '#1f77b4' }], x: p.slopes, title: `MSE, min at a = ${formatNumber(p.aLeastSquares, 4)}`, xLabel: 'slope a', yLabel: 'mean squared error', width: w, height: 340 }), 0, 0);
  out.drawRaster(lineChart({ series: [{ name: 'NLL(a)', values: p.nll, color: '#d62728' }], x: p.slopes, title: `-log L, min at a = ${formatNumber(p.aMaximumLikelihood, 4)}`, xLabel: 'slope a', yLabel: 'negative log-likelihood', width: w, height: 340 }), w, 0);
  return out;
}
