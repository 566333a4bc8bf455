/**
 * Scatter matrix (seaborn's pairplot): panel (i, j) plots column j against column i,
 * coloured by class; diagonal panels show each class's histogram of that column.
 */
import { classColor, withAlpha } from './color.js';
import { AXIS_COLOR, TEXT_COLOR, drawLegend, fitTitle, finiteRange, formatTicks, niceTicks, padRange } from './axes.js';
import { binEdges, histogramDensity } from './charts.js';
import { Raster, measureText } from './raster.js';

export interface ScatterMatrixOptions {
  columns: readonly string[];
  /** One row per sample, one value per column. */
  data: readonly (readonly number[])[];
  /** Class index of each row. */
  classes: readonly number[];
  classNames: readonly string[];
  title?: string;
  /** Side of one panel in pixels; default fits the matrix in about 720 px. */
  panelSize?: number;
  /** Histogram bins on the diagonal (default 12). */
  bins?: number;
}

export function scatterMatrix(o: ScatterMatrixOptions): Raster {
  const k = o.columns.length;
  if (k === 0) throw new Error('scatterMatrix needs at least one column');
  if (o.data.length === 0) throw new Error('scatterMatrix has no rows');
  if (o.classes.length !== o.data.length) throw new Error(`scatterMatrix has ${o.data.length} rows but ${o.classes.length} class labels`);
  o.data.forEach((row, i) => {
    if (row.length !== k) throw new Error(`scatterMatrix row ${i} has ${row.length} values, expected ${k} (one per column)`);
  });
  const classCount = Math.max(o.classNames.length, ...o.classes.map((c) => c + 1));
  const panel = o.panelSize ?? Math.max(110, Math.min(200, Math.floor(720 / k)));
  const gap = 8;
  const tickLabelW = 34;
  const left = 12 + 14 + tickLabelW;
  const bottom = 14 + 14 + 12;
  const legendW = 16 + 22 + Math.max(...o.classNames.map((n) => measureText(n).width), 0) + 16;
  const width = left + k * panel + (k - 1) * gap + 16 + legendW;
  const title = o.title ? fitTitle(o.title, width - 16) : undefined;
  const titleH = title ? measureText(title.text, title.scale).height + 16 : 10;
  const height = titleH + k * panel + (k - 1) * gap + bottom;
  const r = new Raster(width, height);
  if (title) r.drawText(title.text, width / 2, 8, { scale: title.scale, align: 'center', color: TEXT_COLOR });

  const ranges = o.columns.map((name, c) => {
    const range = finiteRange(o.data.map((row) => row[c]!));
    if (!range) throw new Error(`scatterMatrix column "${name}" has no finite values`);
    return padRange(range, 0.06);
  });
  const ticks = ranges.map(([lo, hi]) => niceTicks(lo, hi, 3));
  const px = (c: number, v: number, x0: number) => x0 + ((v - ranges[c]![0]) / (ranges[c]![1] - ranges[c]![0])) * (panel - 1);
  const py = (c: number, v: number, y0: number) => y0 + panel - 1 - ((v - ranges[c]![0]) / (ranges[c]![1] - ranges[c]![0])) * (panel - 1);
  const radius = o.data.length < 300 ? 2.2 : 1.5;

  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const x0 = left + j * (panel + gap);
      const y0 = titleH + i * (panel + gap);
      r.fillRect(x0, y0, panel, panel, '#fbfbfb');
      r.setClip(x0, y0, panel, panel);
      if (i === j) drawDiagonalHistogram(r, o, i, classCount, x0, y0, panel, ranges[i]!);
      else {
        o.data.forEach((row, n) => {
          const xv = row[j]!;
          const yv = row[i]!;
          if (!Number.isFinite(xv) || !Number.isFinite(yv)) return;
          r.fillCircle(px(j, xv, x0), py(i, yv, y0), radius, withAlpha(classColor(o.classes[n]!), 0.75));
        });
      }
      r.resetClip();
      r.strokeRect(x0 - 1, y0 - 1, panel + 2, panel + 2, AXIS_COLOR);
      // Tick labels only on the outer panels, as in a pairplot.
      if (i === k - 1) {
        const labels = formatTicks(ticks[j]!.values, ticks[j]!.step);
        ticks[j]!.values.forEach((v, t) => {
          const tx = Math.round(px(j, v, x0));
          r.fillRect(tx, y0 + panel + 1, 1, 3, AXIS_COLOR);
          r.drawText(labels[t]!, tx, y0 + panel + 6, { align: 'center', color: TEXT_COLOR });
        });
        r.drawText(o.columns[j]!, x0 + panel / 2, y0 + panel + 20, { align: 'center', color: TEXT_COLOR });
      }
      if (j === 0 && i !== 0) {
        const labels = formatTicks(ticks[i]!.values, ticks[i]!.step);
        ticks[i]!.values.forEach((v, t) => {
          const ty = Math.round(py(i, v, y0));
          r.fillRect(x0 - 4, ty, 3, 1, AXIS_COLOR);
          r.drawText(labels[t]!, x0 - 6, ty, { align: 'right', baseline: 'middle', color: TEXT_COLOR });
        });
      }
      if (j === 0) r.drawText(o.columns[i]!, 10, y0 + panel / 2, { vertical: true, align: 'center', color: TEXT_COLOR });
    }
  }
  const legendArea = { x: left + k * (panel + gap), y: titleH - 8, w: legendW + 8, h: 200 };
  drawLegend(
    r,
    legendArea,
    o.classNames.map((name, c) => ({ label: name, color: classColor(c), mark: 'dot' as const })),
  );
  return r;
}

function drawDiagonalHistogram(
  r: Raster,
  o: ScatterMatrixOptions,
  col: number,
  classCount: number,
  x0: number,
  y0: number,
  panel: number,
  range: [number, number],
): void {
  const values = o.data.map((row) => row[col]!);
  const inner = finiteRange(values)!;
  const edges = binEdges(inner[0], inner[1], o.bins ?? 12);
  const perClass = Array.from({ length: classCount }, (_, c) => histogramDensity(values.filter((_, n) => o.classes[n] === c), edges));
  const top = Math.max(...perClass.flat()) || 1;
  const toX = (v: number) => x0 + ((v - range[0]) / (range[1] - range[0])) * (panel - 1);
  perClass.forEach((dens, c) => {
    dens.forEach((d, b) => {
      if (d <= 0) return;
      const xa = Math.round(toX(edges[b]!));
      const xb = Math.round(toX(edges[b + 1]!));
      const hpx = Math.round((d / top) * (panel - 8));
      r.fillRect(xa, y0 + panel - hpx, Math.max(1, xb - xa), hpx, withAlpha(classColor(c), 0.4));
      r.fillRect(xa, y0 + panel - hpx, Math.max(1, xb - xa), 1, withAlpha(classColor(c), 0.9));
    });
  });
}
