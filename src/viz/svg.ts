/**
 * The same picture as vector graphics: a Raster records every drawing call
 * (`raster.drawing`), and `toSvg` writes them as SVG — lines as polylines, text as
 * real <text> (crisp at any zoom, searchable, selectable), gray images as runs of
 * rectangles. Browser-safe: returns a string; the caller writes the file.
 */
import { type Color, parseColor } from './color.js';
import { CAP_HEIGHT, LINE_HEIGHT, lineWidth } from './font.js';
import type { DrawOp, Raster, TextOptions } from './raster.js';

/** Monospace at 10 px per font scale: its 0.6 em advance matches the bitmap font's 6 px per character. */
const FONT = 'DejaVu Sans Mono, Menlo, Consolas, monospace';

const num = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, ''));

function paint(color: Color, attr: 'fill' | 'stroke', alpha = 1): string {
  const [r, g, b, a] = parseColor(color);
  const opacity = (a / 255) * alpha;
  return `${attr}="rgb(${r},${g},${b})"${opacity < 1 ? ` ${attr}-opacity="${num(Math.max(0, opacity))}"` : ''}`;
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function text(t: string, x: number, y: number, o: TextOptions): string {
  const s = o.scale ?? 1;
  const lines = t.split('\n');
  const blockHeight = ((lines.length - 1) * LINE_HEIGHT + CAP_HEIGHT) * s;
  const baseline = o.baseline ?? 'top';
  const vOffset = baseline === 'top' ? 0 : baseline === 'middle' ? -blockHeight / 2 : -blockHeight;
  const anchor = o.align === 'center' ? 'middle' : o.align === 'right' ? 'end' : 'start';
  // textLength pins each line to the bitmap font's width, so layout (legend boxes, centring) matches the PNG.
  const width = (line: string): number => (lineWidth(line) + (o.bold ? [...line].length : 0)) * s;
  const spans = lines.map((line, i) => `<tspan x="0" y="${num(vOffset + (i * LINE_HEIGHT + CAP_HEIGHT) * s)}"${line.trim() ? ` textLength="${num(width(line))}" lengthAdjust="spacingAndGlyphs"` : ''}>${escapeXml(line)}</tspan>`).join('');
  const transform = `translate(${num(Math.round(x))},${num(Math.round(y))})${o.vertical ? ' rotate(-90)' : ''}`;
  return `<text transform="${transform}" font-family="${FONT}" font-size="${10 * s}"${o.bold ? ' font-weight="bold"' : ''} text-anchor="${anchor}" ${paint(o.color ?? '#000000', 'fill')} xml:space="preserve">${spans}</text>`;
}

/** Runs of equal gray in each image row, as rectangles (MNIST-like pictures are mostly one colour). */
function grayImage(op: Extract<DrawOp, { kind: 'gray' }>): string {
  const out: string[] = [];
  const level = (v: number): number => Math.round(v > 0 ? (v < 1 ? v * 255 : 255) : 0);
  for (let r = 0; r < op.h; r++) {
    let c = 0;
    while (c < op.w) {
      const g = level(op.pixels[r * op.w + c]!);
      let end = c + 1;
      while (end < op.w && level(op.pixels[r * op.w + end]!) === g) end++;
      out.push(`<rect x="${op.x + c * op.scale}" y="${op.y + r * op.scale}" width="${(end - c) * op.scale}" height="${op.scale}" fill="rgb(${g},${g},${g})"/>`);
      c = end;
    }
  }
  return out.join('');
}

function body(ops: readonly DrawOp[], width: number, height: number, ids: { next: number }): string {
  const out: string[] = [];
  let openClip = false;
  const closeClip = (): void => {
    if (openClip) out.push('</g>');
    openClip = false;
  };
  for (const op of ops) {
    switch (op.kind) {
      case 'fill': out.push(`<rect x="0" y="0" width="${width}" height="${height}" ${paint(op.color, 'fill')}/>`); break;
      case 'clip': {
        closeClip();
        const id = `clip${ids.next++}`;
        out.push(`<clipPath id="${id}"><rect x="${num(op.x)}" y="${num(op.y)}" width="${num(op.w)}" height="${num(op.h)}"/></clipPath><g clip-path="url(#${id})">`);
        openClip = true;
        break;
      }
      case 'unclip': closeClip(); break;
      case 'rect': {
        const x0 = Math.round(op.x), y0 = Math.round(op.y);
        const w = Math.round(op.x + op.w) - x0, h = Math.round(op.y + op.h) - y0;
        if (w > 0 && h > 0) out.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" ${paint(op.color, 'fill')}/>`);
        break;
      }
      case 'pixel': out.push(`<rect x="${op.x - 0.5}" y="${op.y - 0.5}" width="1" height="1" ${paint(op.color, 'fill', op.coverage)}/>`); break;
      case 'line': {
        // Non-finite points break the line, as in the raster.
        let run: string[] = [];
        const flush = (): void => {
          if (run.length > 1) out.push(`<polyline points="${run.join(' ')}" fill="none" ${paint(op.color, 'stroke')} stroke-width="${num(op.thickness)}" stroke-linecap="round" stroke-linejoin="round"/>`);
          run = [];
        };
        for (const p of op.points) {
          if (Number.isFinite(p.x) && Number.isFinite(p.y)) run.push(`${num(p.x)},${num(p.y)}`);
          else flush();
        }
        flush();
        break;
      }
      case 'circle':
        out.push(op.filled
          ? `<circle cx="${num(op.cx)}" cy="${num(op.cy)}" r="${num(op.r)}" ${paint(op.color, 'fill')}/>`
          : `<circle cx="${num(op.cx)}" cy="${num(op.cy)}" r="${num(op.r)}" fill="none" ${paint(op.color, 'stroke')} stroke-width="${num(op.thickness)}"/>`);
        break;
      case 'text': out.push(text(op.text, op.x, op.y, op.options)); break;
      case 'gray': out.push(grayImage(op)); break;
      case 'raster': out.push(`<svg x="${op.x}" y="${op.y}" width="${op.width}" height="${op.height}" overflow="hidden">${body(op.ops, op.width, op.height, ids)}</svg>`); break;
    }
  }
  closeClip();
  return out.join('\n');
}

/** The raster's drawing as an SVG document of the same size (pixel coordinates). */
export function toSvg(raster: Raster, title?: string): string {
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${raster.width}" height="${raster.height}" viewBox="0 0 ${raster.width} ${raster.height}">`;
  const t = title ? `<title>${escapeXml(title)}</title>\n` : '';
  return `${head}\n${t}${body(raster.drawing, raster.width, raster.height, { next: 0 })}\n</svg>\n`;
}
