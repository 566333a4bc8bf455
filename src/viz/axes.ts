/**
 * Shared chart scaffolding: nice tick values, number formatting, a titled frame with
 * labelled axes mapping data to pixels, and a legend box.
 */
import { type Color } from './color.js';
import { Raster, measureText } from './raster.js';

export const AXIS_COLOR = '#333333';
export const GRID_COLOR = '#e6e6e6';
export const TEXT_COLOR = '#222222';
export const TITLE_SCALE = 2;

export interface Ticks {
  values: number[];
  step: number;
}

/** Round step (1, 2 or 5 × 10^k) giving about `target` ticks over [min, max]. */
export function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / magnitude;
  const nice = f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10;
  return nice * magnitude;
}

/** Tick values at multiples of a nice step inside [min, max]; `integer` keeps steps ≥ 1 and whole. */
export function niceTicks(min: number, max: number, target = 6, integer = false): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error(`axis range must be finite numbers, got [${min}, ${max}]`);
  if (max < min) [min, max] = [max, min];
  if (max === min) return { values: [min], step: 1 };
  let step = niceStep(max - min, target);
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const values: number[] = [];
  // Multiply rather than accumulate, then round to the step's decimals, so 0.1 + 0.2 style
  // errors never reach the labels (even for a tiny span around a large value).
  const decimals = Math.min(100, Math.max(0, 2 - Math.floor(Math.log10(step))));
  for (let i = first; i <= last; i++) values.push(Number((i * step).toFixed(decimals)));
  return { values, step };
}

/** Ticks for a log axis: powers of ten, adding 2× and 5× (then every digit) until at least 3 ticks show. */
export function logTicks(min: number, max: number): Ticks {
  if (!(min > 0) || !(max > 0)) throw new Error(`log axis needs positive values, got range [${min}, ${max}]`);
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const every = Math.max(1, Math.ceil((hi - lo) / 8));
  let values: number[] = [];
  for (const mults of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    values = [];
    for (let k = lo; k <= hi; k += mults.length === 1 ? every : 1) {
      for (const m of mults) {
        const v = Number((m * Math.pow(10, k)).toPrecision(12));
        if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) values.push(v);
      }
    }
    if (values.length >= 3) break;
  }
  return { values, step: 0 };
}

/** Label for a tick value: as many decimals as the step needs; exponent form for extreme magnitudes. */
export function formatTick(value: number, step = 0): string {
  if (value === 0 || Object.is(value, -0)) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) {
    return value.toExponential(step > 0 ? Math.max(0, Math.min(6, Math.round(Math.log10(abs) - Math.log10(step)))) : 0).replace('e+', 'e');
  }
  if (step > 0) {
    const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
    return value.toFixed(Math.min(10, decimals));
  }
  return String(Number(value.toPrecision(6)));
}

/** Labels for a whole axis: like formatTick, but exponent form (when needed) shares one mantissa precision. */
export function formatTicks(values: readonly number[], step: number): string[] {
  const biggest = Math.max(0, ...values.map(Math.abs));
  const smallestNonZero = Math.min(Infinity, ...values.filter((v) => v !== 0).map(Math.abs));
  if (biggest < 1e6 && smallestNonZero >= 1e-4) return values.map((v) => formatTick(v, step));
  const exponent = Math.floor(Math.log10(biggest));
  const decimals = step > 0 ? Math.max(0, Math.min(6, Math.ceil(-Math.log10(step / Math.pow(10, exponent)) - 1e-9))) : 2;
  return values.map((v) => (v === 0 ? '0' : v.toExponential(decimals).replace('e+', 'e')));
}

/** Compact label for a data value (legend, cell text): integers as is, otherwise 3 significant digits. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e7) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e7 || abs < 1e-3) return value.toExponential(2).replace('e+', 'e');
  return String(Number(value.toPrecision(3)));
}

/** A number for tables and captions: `digits` decimals, exponent form for very large or small values. */
export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? v.toExponential(digits - 1) : v.toFixed(a >= 1000 ? 1 : digits);
}

/** Finite min and max of the values (NaN/Infinity skipped); undefined when none are finite. */
export function finiteRange(values: Iterable<number>): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** Widen [lo, hi] by `fraction` of its span on each side; a zero span gets a unit-sized window. */
export function padRange([lo, hi]: [number, number], fraction = 0.05): [number, number] {
  if (hi === lo) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * fraction;
  return [lo - d, hi + d];
}

/** Greedy word wrap so each line is at most maxWidth pixels wide at `scale` (a single long word stays whole). */
export function wrapText(text: string, maxWidth: number, scale = 1): string {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      const candidate = line ? `${line} ${word}` : word;
      if (line && measureText(candidate, scale).width > maxWidth) {
        out.push(line);
        line = word;
      } else line = candidate;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** A title at TITLE_SCALE when it fits in maxWidth, otherwise at scale 1, wrapped onto more lines if needed. */
export function fitTitle(title: string, maxWidth: number): { text: string; scale: number } {
  if (measureText(title, TITLE_SCALE).width <= maxWidth) return { text: title, scale: TITLE_SCALE };
  return { text: wrapText(title, maxWidth), scale: 1 };
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface FrameOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  xRange: [number, number];
  yRange: [number, number];
  logY?: boolean;
  /** Force whole-number x ticks (epochs, counts). */
  integerX?: boolean;
  /** Ticks at these x values with these labels instead of automatic ones (categories, log-scale sizes). */
  xTicks?: readonly { value: number; label: string }[];
  grid?: boolean;
}

export interface Frame {
  plot: Rect;
  xToPx(v: number): number;
  yToPx(v: number): number;
}

/** Draw title, axes, ticks, tick labels, grid and axis labels; returns the data → pixel mapping. */
export function drawFrame(r: Raster, o: FrameOptions): Frame {
  const [x0, x1] = o.xRange;
  const [y0, y1] = o.yRange;
  const xt = o.xTicks ? { values: o.xTicks.map((t) => t.value), step: 0 } : niceTicks(x0, x1, Math.max(3, Math.floor(r.width / 90)), o.integerX);
  const yt = o.logY ? logTicks(y0, y1) : niceTicks(y0, y1, Math.max(3, Math.floor(r.height / 60)));
  const yLabels = o.logY ? yt.values.map((v) => formatTick(v)) : formatTicks(yt.values, yt.step);
  const xLabels = o.xTicks ? o.xTicks.map((t) => t.label) : formatTicks(xt.values, xt.step);
  const yLabelWidth = Math.max(0, ...yLabels.map((s) => r.measureText(s).width));
  const title = o.title ? fitTitle(o.title, r.width - 16) : undefined;
  const titleH = title ? r.measureText(title.text, title.scale).height + 14 : 12;
  const left = 12 + (o.yLabel ? 16 : 0) + yLabelWidth + 8;
  const bottom = 12 + (o.xLabel ? 18 : 0) + 16;
  const plot: Rect = { x: left, y: titleH, w: r.width - left - 16, h: r.height - titleH - bottom };
  if (plot.w < 20 || plot.h < 20) throw new Error(`chart of ${r.width}×${r.height} px is too small for its labels`);

  const ly0 = o.logY ? Math.log10(y0) : y0;
  const ly1 = o.logY ? Math.log10(y1) : y1;
  const xToPx = (v: number) => plot.x + ((v - x0) / (x1 - x0 || 1)) * (plot.w - 1);
  const yToPx = (v: number) => {
    const t = o.logY ? Math.log10(v) : v;
    return plot.y + plot.h - 1 - ((t - ly0) / (ly1 - ly0 || 1)) * (plot.h - 1);
  };

  if (title) r.drawText(title.text, r.width / 2, 8, { scale: title.scale, align: 'center', color: TEXT_COLOR });
  const bottomY = plot.y + plot.h;
  xt.values.forEach((v, i) => {
    const px = Math.round(xToPx(v));
    if (o.grid !== false) r.fillRect(px, plot.y, 1, plot.h, GRID_COLOR);
    r.fillRect(px, bottomY, 1, 4, AXIS_COLOR);
    r.drawText(xLabels[i]!, px, bottomY + 7, { align: 'center', color: TEXT_COLOR });
  });
  let lastLabelY = Infinity;
  yt.values.forEach((v, i) => {
    const py = Math.round(yToPx(v));
    if (o.grid !== false) r.fillRect(plot.x, py, plot.w, 1, GRID_COLOR);
    r.fillRect(plot.x - 4, py, 4, 1, AXIS_COLOR);
    // Log axes can pack ticks tightly near the top of a decade: skip labels that would overlap.
    if (lastLabelY - py < 12) return;
    r.drawText(yLabels[i]!, plot.x - 7, py, { align: 'right', baseline: 'middle', color: TEXT_COLOR });
    lastLabelY = py;
  });
  r.strokeRect(plot.x - 1, plot.y - 1, plot.w + 2, plot.h + 2, AXIS_COLOR);
  if (o.xLabel) r.drawText(o.xLabel, plot.x + plot.w / 2, r.height - 12, { align: 'center', baseline: 'bottom', color: TEXT_COLOR, bold: true });
  if (o.yLabel) r.drawText(o.yLabel, 10, plot.y + plot.h / 2, { vertical: true, align: 'center', color: TEXT_COLOR, bold: true });
  return { plot, xToPx, yToPx };
}

export type LegendMark = 'line' | 'box' | 'dot';
export interface LegendEntry {
  label: string;
  color: Color;
  mark: LegendMark;
}

/**
 * Draw a legend inside `area`, in whichever corner covers the fewest of `occupied` pixel points
 * (like matplotlib's loc='best').
 */
export function drawLegend(r: Raster, area: Rect, entries: readonly LegendEntry[], occupied: readonly { x: number; y: number }[] = []): void {
  if (entries.length === 0) return;
  const rowH = 14;
  const textW = Math.max(...entries.map((e) => r.measureText(e.label).width));
  const w = 8 + 22 + textW + 8;
  const h = 6 + entries.length * rowH + 2;
  const m = 8;
  const corners = [
    { x: area.x + area.w - w - m, y: area.y + m },
    { x: area.x + m, y: area.y + m },
    { x: area.x + area.w - w - m, y: area.y + area.h - h - m },
    { x: area.x + m, y: area.y + area.h - h - m },
  ];
  let best = corners[0]!;
  let bestCount = Infinity;
  for (const c of corners) {
    let count = 0;
    for (const p of occupied) if (p.x >= c.x - 4 && p.x <= c.x + w + 4 && p.y >= c.y - 4 && p.y <= c.y + h + 4) count++;
    if (count < bestCount) {
      bestCount = count;
      best = c;
    }
  }
  r.fillRect(best.x, best.y, w, h, [255, 255, 255, 225]);
  r.strokeRect(best.x, best.y, w, h, '#bbbbbb');
  entries.forEach((e, i) => {
    const cy = best.y + 6 + i * rowH + 4;
    const mx = best.x + 8;
    if (e.mark === 'line') r.drawLine(mx, cy, mx + 16, cy, e.color, 2);
    else if (e.mark === 'dot') r.fillCircle(mx + 8, cy, 3.5, e.color);
    else r.fillRect(mx + 2, cy - 4, 12, 9, e.color);
    r.drawText(e.label, mx + 22, cy, { baseline: 'middle', color: TEXT_COLOR });
  });
}
