/** Pictures of classification results: the confusion matrix and per-class fitted normal curves. */
import { Raster } from './raster.js';
import { heatmap } from './heatmap.js';
import { histogramWithCurves } from './charts.js';
import { formatNumber } from './axes.js';

/** A confusion matrix as a heatmap, true classes down, predicted across. */
export function confusionMatrixPicture(m: readonly (readonly number[])[], classNames: readonly string[], title: string): Raster {
  return heatmap({ matrix: m, rowLabels: classNames, colLabels: classNames, title, xLabel: 'Predicted', yLabel: 'True' });
}

/** What normalCurvesPicture needs of a fitted per-class normal model (stats.GaussianNB has it). */
export interface PerClassNormals {
  readonly classes_: readonly string[];
  classConditional(cls: string, feature: number): { mu: number; sigma: number; pdf(x: number): number };
}

/**
 * One panel per feature: the training rows' histogram for each class (density-scaled) with
 * that class's fitted normal curve drawn over it; panels in a grid of `columns` columns.
 */
export function normalCurvesPicture(
  nb: PerClassNormals, X: readonly (readonly number[])[], labels: readonly string[], featureNames: readonly string[], title: string, columns = 2,
): Raster {
  const classes = nb.classes_;
  const panelW = 460;
  const panelH = 300;
  const cols = Math.min(columns, featureNames.length);
  const rows = Math.ceil(featureNames.length / cols);
  const titleH = 34;
  const out = new Raster(panelW * cols, titleH + panelH * rows);
  out.drawText(title, out.width / 2, 10, { scale: 2, align: 'center', baseline: 'top', color: '#222222' });
  featureNames.forEach((feature, j) => {
    const groups = classes.map((c) => {
      const normal = nb.classConditional(c, j);
      return {
        name: `${c}: mu ${formatNumber(normal.mu, 3)}, sigma ${formatNumber(normal.sigma, 3)}`,
        values: X.filter((_, i) => labels[i] === c).map((r) => r[j]!),
        curve: (x: number) => normal.pdf(x),
      };
    });
    const panel = histogramWithCurves({ groups, bins: 24, title: feature, xLabel: feature, yLabel: 'density', width: panelW, height: panelH });
    out.drawRaster(panel, (j % cols) * panelW, titleH + Math.floor(j / cols) * panelH);
  });
  return out;
}
