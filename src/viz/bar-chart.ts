/**
 * Grouped bar chart: one group per category on the x axis, one bar per series in each
 * group (e.g. test error per encoding, for a linear model and a network), with an
 * optional dashed reference level (the "guess the mean" baseline).
 */
import { type Color, classColor } from './color.js';
import { type LegendEntry, TEXT_COLOR, drawFrame, drawLegend, finiteRange } from './axes.js';
import { Raster } from './raster.js';
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH } from './charts.js';

export interface BarSeries {
  name: string;
  /** One value per group. */
  values: readonly number[];
  color?: Color;
}

export interface BarChartOptions {
  groups: readonly string[];
  series: readonly BarSeries[];
  reference?: { name: string; value: number };
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Write each bar's value above it (default true). */
  labels?: boolean;
  width?: number;
  height?: number;
}

export function barChart(o: BarChartOptions): Raster {
  if (o.groups.length === 0 || o.series.length === 0) throw new Error('barChart needs at least one group and one series');
  for (const s of o.series) {
    if (s.values.length !== o.groups.length) throw new Error(`barChart series '${s.name}' has ${s.values.length} values for ${o.groups.length} groups`);
  }
  const values = [...o.series.flatMap((s) => s.values), ...(o.reference ? [o.reference.value] : [])];
  const range = finiteRange(values);
  if (!range) throw new Error('barChart has no finite values');
  const top = Math.max(range[1], 0) * 1.12 || 1;
  const bottom = Math.min(range[0], 0) * 1.12;
  const r = new Raster(o.width ?? DEFAULT_CHART_WIDTH, o.height ?? DEFAULT_CHART_HEIGHT);
  const n = o.groups.length;
  const frame = drawFrame(r, {
    title: o.title, xLabel: o.xLabel, yLabel: o.yLabel,
    xRange: [-0.5, n - 0.5], yRange: [bottom, top],
    xTicks: o.groups.map((label, i) => ({ value: i, label })),
  });
  const groupW = (frame.plot.w - 1) / n;
  const barW = Math.max(2, Math.floor((groupW * 0.75) / o.series.length));
  const zero = frame.yToPx(0);
  r.setClip(frame.plot.x, frame.plot.y, frame.plot.w, frame.plot.h);
  const occupied: { x: number; y: number }[] = [];
  o.series.forEach((s, si) => {
    const color = s.color ?? classColor(si);
    s.values.forEach((v, gi) => {
      if (!Number.isFinite(v)) return;
      const x = frame.xToPx(gi) - (barW * o.series.length) / 2 + si * barW;
      const y = frame.yToPx(v);
      r.fillRect(x + 1, Math.min(y, zero), barW - 2, Math.abs(zero - y), color);
      for (let t = 0; t <= 1; t += 0.25) occupied.push({ x: x + barW / 2, y: y + (zero - y) * t });
      if (o.labels !== false) r.drawText(formatBar(v), x + barW / 2, y - 3, { align: 'center', baseline: 'bottom', color: TEXT_COLOR });
    });
  });
  const legend: LegendEntry[] = o.series.map((s, si) => ({ label: s.name, color: s.color ?? classColor(si), mark: 'box' }));
  if (o.reference && Number.isFinite(o.reference.value)) {
    const y = frame.yToPx(o.reference.value);
    for (let x = frame.plot.x; x < frame.plot.x + frame.plot.w; x += 10) r.drawLine(x, y, Math.min(x + 5, frame.plot.x + frame.plot.w), y, '#555555', 1.5);
    legend.push({ label: o.reference.name, color: '#555555', mark: 'line' });
  }
  r.resetClip();
  drawLegend(r, frame.plot, legend, occupied);
  return r;
}

function formatBar(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toPrecision(3);
}
