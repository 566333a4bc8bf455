/**
 * An RGBA pixel buffer with the few drawing primitives charts need.
 * Pure TypeScript: runs in Node and in a browser (the data can go straight into an ImageData).
 *
 * Coordinates: pixel (x, y) is sampled at the point (x, y); x grows right, y grows down.
 * Lines and circles are anti-aliased by distance to the ideal shape, so a 1-px horizontal
 * line at integer y stays crisp while slanted lines look smooth.
 */
import { type Color, type RGBA, parseColor } from './color.js';
import { CAP_HEIGHT, GLYPH_ROWS, LINE_HEIGHT, glyphFor, glyphPixel, lineWidth } from './font.js';

export type TextAlign = 'left' | 'center' | 'right';
export type TextBaseline = 'top' | 'middle' | 'bottom';

export interface TextOptions {
  color?: Color;
  /** Integer pixel scale of the font (1 = 5×7 capitals). */
  scale?: number;
  /** Where x lies on the text: its left end, centre or right end. For vertical text: along y (left = bottom end). */
  align?: TextAlign;
  /** Where y lies on the text block: its top, the middle of the capitals, or the bottom. For vertical text: along x. */
  baseline?: TextBaseline;
  /** Rotate 90° counter-clockwise (reads bottom to top), as for a y-axis label. */
  vertical?: boolean;
  /** Thicker strokes (each glyph drawn twice, one font pixel apart), e.g. for axis labels. */
  bold?: boolean;
}

/**
 * One drawing call as the caller made it, kept so the same picture can also be written as
 * vector graphics (SVG, with real text) by `toSvg` in ./svg.ts.
 */
export type DrawOp =
  | { kind: 'fill'; color: Color }
  | { kind: 'clip'; x: number; y: number; w: number; h: number }
  | { kind: 'unclip' }
  | { kind: 'rect'; x: number; y: number; w: number; h: number; color: Color }
  | { kind: 'pixel'; x: number; y: number; color: Color; coverage: number }
  | { kind: 'line'; points: readonly { x: number; y: number }[]; color: Color; thickness: number }
  | { kind: 'circle'; cx: number; cy: number; r: number; color: Color; thickness: number; filled: boolean }
  | { kind: 'text'; text: string; x: number; y: number; options: TextOptions }
  | { kind: 'gray'; pixels: Float32Array; w: number; h: number; x: number; y: number; scale: number }
  | { kind: 'raster'; ops: readonly DrawOp[]; x: number; y: number; width: number; height: number };

export interface TextSize {
  width: number;
  /** Full height including descenders of the last line. */
  height: number;
}

const MAX_SIDE = 32768;

export class Raster {
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major, 4 bytes per pixel. */
  readonly data: Uint8ClampedArray;
  private clipX0 = 0;
  private clipY0 = 0;
  private clipX1: number;
  private clipY1: number;
  private readonly ops: DrawOp[] = [];
  /** > 0 while a drawing call runs others (strokeRect → fillRect): only the outer call is recorded. */
  private nested = 0;

  constructor(width: number, height: number, background: Color = '#ffffff') {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
      throw new Error(`raster size must be whole numbers in 1..${MAX_SIDE}, got ${width}×${height}`);
    }
    this.width = width;
    this.height = height;
    this.data = new Uint8ClampedArray(width * height * 4);
    this.clipX1 = width;
    this.clipY1 = height;
    this.fill(background);
  }

  /** The drawing calls made so far, in order (what `toSvg` writes). */
  get drawing(): readonly DrawOp[] {
    return this.ops;
  }

  private record(op: DrawOp): void {
    if (this.nested === 0) this.ops.push(op);
  }

  private inner(draw: () => void): void {
    this.nested++;
    try {
      draw();
    } finally {
      this.nested--;
    }
  }

  /** Restrict drawing to the rectangle [x, x+w) × [y, y+h) (e.g. a chart's plot area). */
  setClip(x: number, y: number, w: number, h: number): void {
    this.record({ kind: 'clip', x, y, w, h });
    this.clipX0 = Math.max(0, Math.floor(x));
    this.clipY0 = Math.max(0, Math.floor(y));
    this.clipX1 = Math.min(this.width, Math.floor(x + w));
    this.clipY1 = Math.min(this.height, Math.floor(y + h));
  }

  resetClip(): void {
    this.record({ kind: 'unclip' });
    this.clipX0 = 0;
    this.clipY0 = 0;
    this.clipX1 = this.width;
    this.clipY1 = this.height;
  }

  /** Overwrite every pixel (ignores the clip and does not blend). */
  fill(color: Color): void {
    if (this.nested === 0) this.ops.length = 0; // everything before is covered
    this.record({ kind: 'fill', color });
    const [r, g, b, a] = parseColor(color);
    const d = this.data;
    for (let i = 0; i < d.length; i += 4) {
      d[i] = r;
      d[i + 1] = g;
      d[i + 2] = b;
      d[i + 3] = a;
    }
  }

  getPixel(x: number, y: number): RGBA {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) throw new Error(`pixel (${x}, ${y}) is outside the ${this.width}×${this.height} raster`);
    const i = (y * this.width + x) * 4;
    const d = this.data;
    return [d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!];
  }

  /** Blend `color` over the pixel ("source over"); `coverage` ∈ [0, 1] scales the colour's alpha. */
  setPixel(x: number, y: number, color: Color, coverage = 1): void {
    this.record({ kind: 'pixel', x: Math.round(x), y: Math.round(y), color, coverage });
    this.blend(Math.round(x), Math.round(y), parseColor(color), coverage);
  }

  private blend(x: number, y: number, c: RGBA, coverage: number): void {
    if (x < this.clipX0 || y < this.clipY0 || x >= this.clipX1 || y >= this.clipY1) return;
    const a = (c[3] / 255) * coverage;
    if (a <= 0) return;
    const d = this.data;
    const i = (y * this.width + x) * 4;
    if (a >= 1) {
      d[i] = c[0];
      d[i + 1] = c[1];
      d[i + 2] = c[2];
      d[i + 3] = 255;
      return;
    }
    const da = d[i + 3]! / 255;
    const outA = a + da * (1 - a);
    const k = da * (1 - a);
    d[i] = (c[0] * a + d[i]! * k) / outA;
    d[i + 1] = (c[1] * a + d[i + 1]! * k) / outA;
    d[i + 2] = (c[2] * a + d[i + 2]! * k) / outA;
    d[i + 3] = outA * 255;
  }

  /** Fill pixels x..x+w-1, y..y+h-1 (coordinates rounded). */
  fillRect(x: number, y: number, w: number, h: number, color: Color): void {
    this.record({ kind: 'rect', x, y, w, h, color });
    const c = parseColor(color);
    const x0 = Math.round(x);
    const y0 = Math.round(y);
    const x1 = Math.round(x + w);
    const y1 = Math.round(y + h);
    for (let py = Math.max(y0, this.clipY0); py < Math.min(y1, this.clipY1); py++) {
      for (let px = Math.max(x0, this.clipX0); px < Math.min(x1, this.clipX1); px++) this.blend(px, py, c, 1);
    }
  }

  /** Outline of the rectangle fillRect(x, y, w, h) would fill, drawn inside it. */
  strokeRect(x: number, y: number, w: number, h: number, color: Color, thickness = 1): void {
    const t = Math.max(1, Math.round(thickness));
    this.record({ kind: 'rect', x, y, w, h: t, color });
    this.record({ kind: 'rect', x, y: y + h - t, w, h: t, color });
    this.record({ kind: 'rect', x, y: y + t, w: t, h: h - 2 * t, color });
    this.record({ kind: 'rect', x: x + w - t, y: y + t, w: t, h: h - 2 * t, color });
    this.inner(() => {
      this.fillRect(x, y, w, t, color);
      this.fillRect(x, y + h - t, w, t, color);
      this.fillRect(x, y + t, t, h - 2 * t, color);
      this.fillRect(x + w - t, y + t, t, h - 2 * t, color);
    });
  }

  /** Anti-aliased line segment with round caps; thickness in pixels (1–3 look best). */
  drawLine(x0: number, y0: number, x1: number, y1: number, color: Color, thickness = 1): void {
    if (![x0, y0, x1, y1, thickness].every(Number.isFinite)) return; // NaN values (e.g. a diverged loss) draw nothing
    this.record({ kind: 'line', points: [{ x: x0, y: y0 }, { x: x1, y: y1 }], color, thickness });
    const c = parseColor(color);
    const half = Math.max(0.5, thickness / 2);
    const pad = half + 1;
    const minX = Math.max(this.clipX0, Math.floor(Math.min(x0, x1) - pad));
    const maxX = Math.min(this.clipX1 - 1, Math.ceil(Math.max(x0, x1) + pad));
    const minY = Math.max(this.clipY0, Math.floor(Math.min(y0, y1) - pad));
    const maxY = Math.min(this.clipY1 - 1, Math.ceil(Math.max(y0, y1) + pad));
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy;
    const len = Math.sqrt(len2);
    for (let py = minY; py <= maxY; py++) {
      // Only scan the columns near the segment in this row, so long diagonals stay cheap.
      let from = minX;
      let to = maxX;
      if (Math.abs(dy) > 1e-9 && len > 0) {
        const xAt = x0 + (dx * (py - y0)) / dy;
        const spread = (pad * len) / Math.abs(dy);
        from = Math.max(minX, Math.floor(xAt - spread));
        to = Math.min(maxX, Math.ceil(xAt + spread));
      }
      for (let px = from; px <= to; px++) {
        let t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = x0 + t * dx - px;
        const ey = y0 + t * dy - py;
        const coverage = half + 0.5 - Math.sqrt(ex * ex + ey * ey);
        if (coverage > 0) this.blend(px, py, c, Math.min(1, coverage));
      }
    }
  }

  /** Connected segments through the points; non-finite points break the line. */
  drawPolyline(points: readonly { x: number; y: number }[], color: Color, thickness = 1): void {
    this.record({ kind: 'line', points: points.map((p) => ({ x: p.x, y: p.y })), color, thickness });
    this.inner(() => {
      for (let i = 1; i < points.length; i++) {
        const a = points[i - 1]!;
        const b = points[i]!;
        this.drawLine(a.x, a.y, b.x, b.y, color, thickness);
      }
    });
  }

  /** Anti-aliased circle outline of radius r. */
  drawCircle(cx: number, cy: number, r: number, color: Color, thickness = 1): void {
    this.record({ kind: 'circle', cx, cy, r, color, thickness, filled: false });
    const c = parseColor(color);
    const half = Math.max(0.5, thickness / 2);
    this.forDisc(cx, cy, r + half + 1, (px, py, d) => {
      const coverage = half + 0.5 - Math.abs(d - r);
      if (coverage > 0) this.blend(px, py, c, Math.min(1, coverage));
    });
  }

  /** Anti-aliased filled disc of radius r (scatter points). */
  fillCircle(cx: number, cy: number, r: number, color: Color): void {
    this.record({ kind: 'circle', cx, cy, r, color, thickness: 0, filled: true });
    const c = parseColor(color);
    this.forDisc(cx, cy, r + 1, (px, py, d) => {
      const coverage = r + 0.5 - d;
      if (coverage > 0) this.blend(px, py, c, Math.min(1, coverage));
    });
  }

  private forDisc(cx: number, cy: number, reach: number, visit: (px: number, py: number, d: number) => void): void {
    if (![cx, cy, reach].every(Number.isFinite)) return;
    const x0 = Math.max(this.clipX0, Math.floor(cx - reach));
    const x1 = Math.min(this.clipX1 - 1, Math.ceil(cx + reach));
    const y0 = Math.max(this.clipY0, Math.floor(cy - reach));
    const y1 = Math.min(this.clipY1 - 1, Math.ceil(cy + reach));
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) visit(px, py, Math.hypot(px - cx, py - cy));
    }
  }

  /** Size of `text` (lines split at '\n') at the given integer scale; same as the free function measureText. */
  measureText(text: string, scale = 1, bold = false): TextSize {
    return measureText(text, scale, bold);
  }

  /** Draw text with the built-in bitmap font; returns its size. Characters outside ASCII 32–126 show as '?'. */
  drawText(text: string, x: number, y: number, options: TextOptions = {}): TextSize {
    const s = checkScale(options.scale ?? 1);
    const c = parseColor(options.color ?? '#000000');
    this.record({ kind: 'text', text, x, y, options: { ...options } });
    const align = options.align ?? 'left';
    const baseline = options.baseline ?? 'top';
    const vertical = options.vertical ?? false;
    const bold = options.bold ? 1 : 0;
    const lines = text.split('\n');
    // Alignment across lines uses the capitals' box so "middle" centres what the eye sees.
    const blockHeight = ((lines.length - 1) * LINE_HEIGHT + CAP_HEIGHT) * s;
    const vOffset = baseline === 'top' ? 0 : baseline === 'middle' ? -Math.floor(blockHeight / 2) : -blockHeight;
    const ox = Math.round(x);
    const oy = Math.round(y);
    lines.forEach((line, li) => {
      const w = (lineWidth(line) + bold * [...line].length) * s;
      let u = align === 'left' ? 0 : align === 'center' ? -Math.floor(w / 2) : -w;
      const v0 = vOffset + li * LINE_HEIGHT * s;
      for (const ch of line) {
        const glyph = glyphFor(ch);
        for (let row = 0; row < GLYPH_ROWS; row++) {
          for (let col = 0; col < glyph.width; col++) {
            if (!glyphPixel(glyph, col, row)) continue;
            for (let sy = 0; sy < s; sy++) {
              for (let sx = 0; sx < s * (1 + bold); sx++) {
                const gu = u + col * s + sx;
                const gv = v0 + row * s + sy;
                // Vertical text: the text direction runs up the page, lines stack to the right.
                if (vertical) this.blend(ox + gv, oy - gu, c, 1);
                else this.blend(ox + gu, oy + gv, c, 1);
              }
            }
          }
        }
        u += (glyph.advance + bold) * s;
      }
    });
    const size = this.measureText(text, s, bold === 1);
    return vertical ? { width: size.height, height: size.width } : size;
  }

  /**
   * Draw a grayscale image (values in [0, 1], row-major w×h; 0 = black, 1 = white; values are
   * clamped, NaN shows as black) with its top-left corner at (x, y), each value as a scale×scale block.
   */
  drawGrayImage(pixels: ArrayLike<number>, w: number, h: number, x: number, y: number, scale = 1): void {
    if (pixels.length !== w * h) throw new Error(`gray image has ${pixels.length} values but ${w}×${h} = ${w * h} were expected`);
    const s = checkScale(scale);
    this.record({ kind: 'gray', pixels: Float32Array.from(pixels), w, h, x: Math.round(x), y: Math.round(y), scale: s });
    const ox = Math.round(x);
    const oy = Math.round(y);
    for (let r = 0; r < h; r++) {
      for (let col = 0; col < w; col++) {
        const v = pixels[r * w + col]!;
        const g = v > 0 ? (v < 1 ? v * 255 : 255) : 0;
        const c: RGBA = [g, g, g, 255];
        for (let sy = 0; sy < s; sy++) {
          for (let sx = 0; sx < s; sx++) this.blend(ox + col * s + sx, oy + r * s + sy, c, 1);
        }
      }
    }
  }

  /** Copy another raster onto this one at (x, y), blending by its alpha. */
  drawRaster(source: Raster, x: number, y: number): void {
    this.record({ kind: 'raster', ops: [...source.ops], x: Math.round(x), y: Math.round(y), width: source.width, height: source.height });
    const ox = Math.round(x);
    const oy = Math.round(y);
    const d = source.data;
    for (let sy = 0; sy < source.height; sy++) {
      for (let sx = 0; sx < source.width; sx++) {
        const i = (sy * source.width + sx) * 4;
        this.blend(ox + sx, oy + sy, [d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!], 1);
      }
    }
  }
}

/** Size of `text` (lines split at '\n') drawn with the built-in font at an integer scale. */
export function measureText(text: string, scale = 1, bold = false): TextSize {
  const s = checkScale(scale);
  const lines = text.split('\n');
  const width = Math.max(...lines.map((line) => lineWidth(line) + (bold ? [...line].length : 0)));
  return { width: width * s, height: ((lines.length - 1) * LINE_HEIGHT + GLYPH_ROWS) * s };
}

function checkScale(scale: number): number {
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new Error(`scale must be a whole number in 1..64, got ${scale}`);
  return scale;
}
