/**
 * x/y charts: line chart (training curves), scatter plot (predicted vs true, regression line)
 * and per-class histograms with fitted density curves. Each returns a Raster.
 */
import { type Color, classColor, withAlpha } from './color.js';
import { type LegendEntry, drawFrame, drawLegend, finiteRange, padRange } from './axes.js';
import { Raster } from './raster.js';

export const DEFAULT_CHART_WIDTH = 640;
export const DEFAULT_CHART_HEIGHT = 420;

export interface LineSeries {
  name: string;
  values: readonly number[];
  color?: Color;
}

export interface LineChartOptions {
  series: readonly LineSeries[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** x coordinate of values[i]; default i + 1 (epochs 1..n). */
  x?: readonly number[];
  logY?: boolean;
  /** Explicit x ticks (value and label), e.g. 2, 8, 32 units on a log2 axis. */
  xTicks?: readonly { value: number; label: string }[];
  width?: number;
  height?: number;
}

/** Lines over a shared x axis with a legend, e.g. loss and val_loss per epoch. Non-finite values leave gaps. */
export function lineChart(o: LineChartOptions): Raster {
  if (o.series.length === 0) throw new Error('lineChart needs at least one series');
  const n = Math.max(...o.series.map((s) => s.values.length));
  if (n === 0) throw new Error('lineChart series are all empty');
  if (o.x && o.x.length < n) throw new Error(`lineChart x has ${o.x.length} values but a series has ${n}`);
  const xs = o.x ?? Array.from({ length: n }, (_, i) => i + 1);
  const usable = (v: number) => Number.isFinite(v) && (!o.logY || v > 0);
  const allY = o.series.flatMap((s) => s.values.filter(usable));
  const yr = finiteRange(allY);
  if (!yr) throw new Error(`lineChart has no ${o.logY ? 'positive finite' : 'finite'} values to plot`);
  const xr = finiteRange(xs.slice(0, n))!;
  const yRange: [number, number] = o.logY
    ? yr[0] === yr[1] ? [yr[0] / 2, yr[1] * 2] : [yr[0] / Math.pow(yr[1] / yr[0], 0.05), yr[1] * Math.pow(yr[1] / yr[0], 0.05)]
    : padRange(yr);
  const r = new Raster(o.width ?? DEFAULT_CHART_WIDTH, o.height ?? DEFAULT_CHART_HEIGHT);
  const frame = drawFrame(r, {
    title: o.title,
    xLabel: o.xLabel,
    yLabel: o.yLabel,
    xRange: padRange(xr, 0.03),
    yRange,
    logY: o.logY,
    integerX: xs.every(Number.isInteger),
    xTicks: o.xTicks,
  });
  const occupied: { x: number; y: number }[] = [];
  const legend: LegendEntry[] = [];
  r.setClip(frame.plot.x, frame.plot.y, frame.plot.w, frame.plot.h);
  o.series.forEach((s, si) => {
    const color = s.color ?? classColor(si);
    let prev: { x: number; y: number } | undefined;
    s.values.forEach((v, i) => {
      if (!usable(v)) {
        prev = undefined;
        return;
      }
      const p = { x: frame.xToPx(xs[i]!), y: frame.yToPx(v) };
      if (prev) r.drawLine(prev.x, prev.y, p.x, p.y, color, 2);
      if (n <= 40) r.fillCircle(p.x, p.y, 2.5, color);
      occupied.push(p);
      prev = p;
    });
    legend.push({ label: s.name, color, mark: 'line' });
  });
  r.resetClip();
  drawLegend(r, frame.plot, legend, occupied);
  return r;
}

export interface ScatterPoint {
  x: number;
  y: number;
  /** Class index: colours the point and picks its legend entry from classNames. */
  cls?: number;
}

export interface ScatterLine {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  color?: Color;
  name?: string;
}

/** A curve through points in data coordinates (a fitted model's predictions), drawn as a polyline. */
export interface ScatterCurve {
  points: readonly { x: number; y: number }[];
  color?: Color;
  /** Line width in pixels (default 2). */
  thickness?: number;
  name?: string;
}

export interface ScatterPlotOptions {
  points: readonly ScatterPoint[];
  lines?: readonly ScatterLine[];
  curves?: readonly ScatterCurve[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  classNames?: readonly string[];
  width?: number;
  height?: number;
}

/** Points (coloured by class) with optional straight lines drawn over them (y = x diagonal, a fitted line). */
export function scatterPlot(o: ScatterPlotOptions): Raster {
  const pts = o.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const lines = o.lines ?? [];
  const curves = o.curves ?? [];
  const curvePoints = curves.flatMap((c) => c.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
  if (pts.length === 0 && lines.length === 0 && curvePoints.length === 0) throw new Error('scatterPlot has no finite points or lines to draw');
  const xr = finiteRange([...pts.map((p) => p.x), ...lines.flatMap((l) => [l.x1, l.x2]), ...curvePoints.map((p) => p.x)]);
  const yr = finiteRange([...pts.map((p) => p.y), ...lines.flatMap((l) => [l.y1, l.y2]), ...curvePoints.map((p) => p.y)]);
  if (!xr || !yr) throw new Error('scatterPlot lines have non-finite end points');
  const r = new Raster(o.width ?? DEFAULT_CHART_WIDTH, o.height ?? DEFAULT_CHART_HEIGHT);
  const frame = drawFrame(r, { title: o.title, xLabel: o.xLabel, yLabel: o.yLabel, xRange: padRange(xr), yRange: padRange(yr) });
  const radius = pts.length < 200 ? 3 : pts.length < 2000 ? 2 : 1.3;
  const alpha = pts.length < 200 ? 0.85 : 0.6;
  const occupied: { x: number; y: number }[] = [];
  r.setClip(frame.plot.x, frame.plot.y, frame.plot.w, frame.plot.h);
  for (const p of pts) {
    const q = { x: frame.xToPx(p.x), y: frame.yToPx(p.y) };
    r.fillCircle(q.x, q.y, radius, withAlpha(classColor(p.cls ?? 0), alpha));
    occupied.push(q);
  }
  const legend: LegendEntry[] = [];
  if (o.classNames) {
    const used = new Set(pts.map((p) => p.cls ?? 0));
    o.classNames.forEach((name, i) => {
      if (used.has(i)) legend.push({ label: name, color: classColor(i), mark: 'dot' });
    });
  }
  lines.forEach((l, i) => {
    const color = l.color ?? ['#222222', '#d62728', '#7f7f7f'][i % 3]!;
    const a = { x: frame.xToPx(l.x1), y: frame.yToPx(l.y1) };
    const b = { x: frame.xToPx(l.x2), y: frame.yToPx(l.y2) };
    r.drawLine(a.x, a.y, b.x, b.y, color, 2);
    for (let t = 0; t <= 1; t += 0.05) occupied.push({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });
    if (l.name) legend.push({ label: l.name, color, mark: 'line' });
  });
  curves.forEach((c, i) => {
    const color = c.color ?? classColor(i + 1);
    const px = c.points.map((p) => ({ x: frame.xToPx(p.x), y: frame.yToPx(p.y) }));
    r.drawPolyline(px, color, c.thickness ?? 2);
    for (const q of px) occupied.push(q);
    if (c.name) legend.push({ label: c.name, color, mark: 'line' });
  });
  r.resetClip();
  drawLegend(r, frame.plot, legend, occupied);
  return r;
}

export interface HistogramGroup {
  name: string;
  values: readonly number[];
  /** A density to draw over the bars, e.g. the fitted normal pdf. */
  curve?: (x: number) => number;
  color?: Color;
}

export interface HistogramOptions {
  groups: readonly HistogramGroup[];
  /** Number of equal-width bins over the range of all values (default 20). */
  bins?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

/** Density-normalised histogram counts: bar i covers [edges[i], edges[i+1]). */
export function histogramDensity(values: readonly number[], edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const lo = edges[0]!;
  const width = (edges[bins]! - lo) / bins;
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v) || v < lo || v > edges[bins]!) continue;
    const b = Math.min(bins - 1, Math.floor((v - lo) / width));
    counts[b]! += 1;
    n++;
  }
  return counts.map((c) => (n > 0 ? c / (n * width) : 0));
}

/** Equal-width bin edges over [lo, hi] (a zero-width range is widened to ±0.5). */
export function binEdges(lo: number, hi: number, bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`bins must be a whole number ≥ 1, got ${bins}`);
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  return Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
}

/** One translucent density histogram per group, each with its curve drawn on top, sharing bins. */
export function histogramWithCurves(o: HistogramOptions): Raster {
  if (o.groups.length === 0) throw new Error('histogramWithCurves needs at least one group');
  const range = finiteRange(o.groups.flatMap((g) => g.values));
  if (!range) throw new Error('histogramWithCurves has no finite values');
  const edges = binEdges(range[0], range[1], o.bins ?? 20);
  const densities = o.groups.map((g) => histogramDensity(g.values, edges));
  const [xlo, xhi] = padRange([edges[0]!, edges[edges.length - 1]!], 0.08);
  const samples = 240;
  const curvePoints = o.groups.map((g) =>
    g.curve ? Array.from({ length: samples + 1 }, (_, i) => ({ x: xlo + ((xhi - xlo) * i) / samples, y: g.curve!(xlo + ((xhi - xlo) * i) / samples) })) : [],
  );
  const yMax = Math.max(...densities.flat(), ...curvePoints.flat().map((p) => (Number.isFinite(p.y) ? p.y : 0)));
  const r = new Raster(o.width ?? DEFAULT_CHART_WIDTH, o.height ?? DEFAULT_CHART_HEIGHT);
  const frame = drawFrame(r, {
    title: o.title,
    xLabel: o.xLabel,
    yLabel: o.yLabel ?? 'Density',
    xRange: [xlo, xhi],
    yRange: [0, (yMax || 1) * 1.08],
  });
  const colors = o.groups.map((g, i) => g.color ?? classColor(i));
  const occupied: { x: number; y: number }[] = [];
  r.setClip(frame.plot.x, frame.plot.y, frame.plot.w, frame.plot.h);
  const baseY = frame.yToPx(0);
  densities.forEach((dens, gi) => {
    dens.forEach((d, b) => {
      if (d <= 0) return;
      const xa = Math.round(frame.xToPx(edges[b]!));
      const xb = Math.round(frame.xToPx(edges[b + 1]!));
      const top = Math.round(frame.yToPx(d));
      r.fillRect(xa, top, xb - xa, baseY - top + 1, withAlpha(colors[gi]!, 0.35));
      r.strokeRect(xa, top, xb - xa + 1, baseY - top + 1, withAlpha(colors[gi]!, 0.8));
      occupied.push({ x: (xa + xb) / 2, y: top });
      for (let y = top; y < baseY; y += 8) occupied.push({ x: (xa + xb) / 2, y });
    });
  });
  curvePoints.forEach((pts, gi) => {
    const px = pts.filter((p) => Number.isFinite(p.y)).map((p) => ({ x: frame.xToPx(p.x), y: frame.yToPx(p.y) }));
    r.drawPolyline(px, colors[gi]!, 2);
    occupied.push(...px);
  });
  r.resetClip();
  drawLegend(
    r,
    frame.plot,
    o.groups.map((g, i) => ({ label: g.name, color: colors[i]!, mark: 'box' as const })),
    occupied,
  );
  return r;
}
