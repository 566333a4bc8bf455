/**
 * Heatmap with labelled rows/columns and the value written in each cell — the
 * confusion-matrix picture.
 */
import { type ColormapName, colormap, contrastingTextColor } from './color.js';
import { AXIS_COLOR, TEXT_COLOR, TITLE_SCALE, finiteRange, formatValue } from './axes.js';
import { Raster, measureText } from './raster.js';

export interface HeatmapOptions {
  matrix: readonly (readonly number[])[];
  rowLabels?: readonly string[];
  colLabels?: readonly string[];
  title?: string;
  /** Label under the column labels (confusion matrix: 'Predicted'). */
  xLabel?: string;
  /** Label left of the row labels (confusion matrix: 'True'). */
  yLabel?: string;
  /** Write each cell's value in it (default true). */
  showValues?: boolean;
  /** How cell values are written (default: integers as is, others to 3 significant digits). */
  formatValue?: (v: number) => string;
  colormap?: ColormapName;
  /** Cell side in pixels; default fits the picture in about 560 px. */
  cellSize?: number;
}

/** Colour-coded matrix with row/column labels, per-cell values and a colour bar. */
export function heatmap(o: HeatmapOptions): Raster {
  const rows = o.matrix.length;
  const cols = rows > 0 ? o.matrix[0]!.length : 0;
  if (rows === 0 || cols === 0) throw new Error('heatmap matrix is empty');
  o.matrix.forEach((row, i) => {
    if (row.length !== cols) throw new Error(`heatmap matrix row ${i} has ${row.length} values, row 0 has ${cols}`);
  });
  const rowLabels = o.rowLabels ?? Array.from({ length: rows }, (_, i) => String(i));
  const colLabels = o.colLabels ?? Array.from({ length: cols }, (_, i) => String(i));
  if (rowLabels.length !== rows) throw new Error(`heatmap has ${rows} rows but ${rowLabels.length} row labels`);
  if (colLabels.length !== cols) throw new Error(`heatmap has ${cols} columns but ${colLabels.length} column labels`);
  const fmt = o.formatValue ?? formatValue;
  const range = finiteRange(o.matrix.flat()) ?? [0, 1];
  const [lo, hi] = [Math.min(0, range[0]), range[1]];
  const cmap = o.colormap ?? 'blues';

  const texts = o.matrix.map((row) => row.map((v) => fmt(v)));
  const widestValue = Math.max(...texts.flat().map((t) => measureText(t).width));
  const cell = o.cellSize ?? Math.max(28, widestValue + 8, Math.min(72, Math.floor(560 / Math.max(rows, cols))));
  // Values at double size when they fit, so counts read at a glance.
  const valueScale = widestValue * 2 + 8 <= cell && cell >= 34 ? 2 : 1;
  // Labels at double size when they fit their cells (class digits), otherwise single size.
  const labelScale = cell >= 40 && Math.max(...colLabels.map((l) => measureText(l, 2).width)) <= cell - 6 ? 2 : 1;
  const rowLabelW = Math.max(...rowLabels.map((l) => measureText(l, labelScale).width));
  const colLabelW = Math.max(...colLabels.map((l) => measureText(l, labelScale).width));
  const verticalCols = colLabelW > cell - 4;
  const colLabelH = verticalCols ? colLabelW : 9 * labelScale;

  const titleH = o.title ? measureText(o.title, TITLE_SCALE).height + 16 : 10;
  const left = 10 + (o.yLabel ? 18 : 0) + rowLabelW + 8;
  const gridW = cell * cols;
  const gridH = cell * rows;
  const barGap = 16;
  const barW = 14;
  const barLabels = [fmt(lo), fmt(hi)];
  const barLabelW = Math.max(...barLabels.map((l) => measureText(l).width));
  const width = Math.max(left + gridW + barGap + barW + 6 + barLabelW + 12, o.title ? measureText(o.title, TITLE_SCALE).width + 20 : 0);
  const height = titleH + gridH + 8 + colLabelH + (o.xLabel ? 24 : 0) + 12;
  const r = new Raster(width, height);
  const gx = left;
  const gy = titleH;

  if (o.title) r.drawText(o.title, width / 2, 8, { scale: TITLE_SCALE, align: 'center', color: TEXT_COLOR });
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = o.matrix[i]![j]!;
      const bg = Number.isFinite(v) ? colormap(cmap, (v - lo) / (hi - lo || 1)) : ([200, 200, 200, 255] as const);
      const x = gx + j * cell;
      const y = gy + i * cell;
      r.fillRect(x, y, cell, cell, bg);
      if (o.showValues !== false) {
        r.drawText(texts[i]![j]!, x + cell / 2, y + cell / 2, {
          align: 'center',
          baseline: 'middle',
          scale: valueScale,
          color: contrastingTextColor(bg),
        });
      }
    }
  }
  r.strokeRect(gx - 1, gy - 1, gridW + 2, gridH + 2, AXIS_COLOR);
  rowLabels.forEach((label, i) => {
    r.drawText(label, gx - 6, gy + i * cell + cell / 2, { align: 'right', baseline: 'middle', color: TEXT_COLOR, scale: labelScale });
  });
  colLabels.forEach((label, j) => {
    const cx = gx + j * cell + cell / 2;
    const style = { color: TEXT_COLOR, scale: labelScale };
    if (verticalCols) r.drawText(label, cx, gy + gridH + 6, { ...style, vertical: true, align: 'right', baseline: 'middle' });
    else r.drawText(label, cx, gy + gridH + 6, { ...style, align: 'center' });
  });
  if (o.xLabel) r.drawText(o.xLabel, gx + gridW / 2, gy + gridH + 8 + colLabelH + 10, { align: 'center', color: TEXT_COLOR, bold: true });
  if (o.yLabel) r.drawText(o.yLabel, 10, gy + gridH / 2, { vertical: true, align: 'center', color: TEXT_COLOR, bold: true });

  // Colour bar: low value at the bottom, high at the top.
  const bx = gx + gridW + barGap;
  for (let y = 0; y < gridH; y++) r.fillRect(bx, gy + y, barW, 1, colormap(cmap, 1 - y / Math.max(1, gridH - 1)));
  r.strokeRect(bx - 1, gy - 1, barW + 2, gridH + 2, AXIS_COLOR);
  r.drawText(barLabels[1]!, bx + barW + 5, gy, { color: TEXT_COLOR });
  r.drawText(barLabels[0]!, bx + barW + 5, gy + gridH, { baseline: 'bottom', color: TEXT_COLOR });
  return r;
}
