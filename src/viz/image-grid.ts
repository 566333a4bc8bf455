/**
 * Grid of small grayscale images (MNIST digits) with optional row labels and captions —
 * originals over reconstructions, or each digit with its top-3 guesses.
 */
import { type Color } from './color.js';
import { TEXT_COLOR, TITLE_SCALE } from './axes.js';
import { Raster, measureText } from './raster.js';

export interface ImageGridOptions {
  /** rows[i][j] is one image: width×height values in [0, 1], row-major (0 = black); ×3 (RGB) with channels 3. */
  rows: readonly (readonly ArrayLike<number>[])[];
  width: number;
  height: number;
  /** 1 (grayscale, default) or 3 (RGB, channels last). */
  channels?: 1 | 3;
  /** Pixel upscale of each image (nearest neighbour); default 3 (28 px → 84 px). */
  scale?: number;
  /** Text left of each row, e.g. 'Original', 'Reconstructed'. */
  rowLabels?: readonly string[];
  /** Text under each image ('\n' for more lines), e.g. "7: 98.1%\n1: 1.2%\n9: 0.3%". */
  captions?: readonly (readonly string[])[];
  /** Colour of each caption (e.g. red for a wrong prediction); default dark gray. */
  captionColors?: readonly (readonly (Color | undefined)[])[];
  title?: string;
}

const GAP = 10;
const MARGIN = 12;

/** Images laid out row by row, each centred in its cell with its caption underneath. */
export function imageGrid(o: ImageGridOptions): Raster {
  const { width: w, height: h } = o;
  const scale = o.scale ?? 3;
  const channels = o.channels ?? 1;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new Error(`imageGrid image size must be whole numbers ≥ 1, got ${w}×${h}`);
  if (o.rows.length === 0 || o.rows.every((row) => row.length === 0)) throw new Error('imageGrid has no images');
  o.rows.forEach((row, i) =>
    row.forEach((img, j) => {
      if (img.length !== w * h * channels) throw new Error(`imageGrid image [${i}][${j}] has ${img.length} values, expected ${w}×${h}${channels === 3 ? '×3' : ''} = ${w * h * channels}`);
    }),
  );
  if (o.rowLabels && o.rowLabels.length !== o.rows.length) throw new Error(`imageGrid has ${o.rows.length} rows but ${o.rowLabels.length} row labels`);

  const cols = Math.max(...o.rows.map((row) => row.length));
  const caption = (i: number, j: number) => o.captions?.[i]?.[j] ?? '';
  const captionSizes = o.rows.map((row, i) => row.map((_, j) => (caption(i, j) ? measureText(caption(i, j)) : { width: 0, height: 0 })));
  const imgW = w * scale;
  const imgH = h * scale;
  const cellW = Math.max(imgW, ...captionSizes.flat().map((s) => s.width));
  const rowCaptionH = captionSizes.map((sizes) => Math.max(0, ...sizes.map((s) => s.height)));
  const rowH = rowCaptionH.map((ch) => imgH + (ch > 0 ? ch + 6 : 0));
  const labelW = o.rowLabels ? Math.max(...o.rowLabels.map((l) => measureText(l, 1, true).width)) + GAP : 0;
  const titleSize = o.title ? measureText(o.title, TITLE_SCALE) : { width: 0, height: 0 };
  const titleH = o.title ? titleSize.height + 14 : 0;

  const gridW = labelW + cols * cellW + (cols - 1) * GAP;
  const width = Math.max(gridW, titleSize.width) + 2 * MARGIN;
  const height = MARGIN + titleH + rowH.reduce((a, b) => a + b, 0) + (o.rows.length - 1) * GAP + MARGIN;
  const r = new Raster(width, height);
  if (o.title) r.drawText(o.title, width / 2, MARGIN, { scale: TITLE_SCALE, align: 'center', color: TEXT_COLOR });

  const x0 = MARGIN + Math.floor((width - 2 * MARGIN - gridW) / 2);
  let y = MARGIN + titleH;
  o.rows.forEach((row, i) => {
    if (o.rowLabels) r.drawText(o.rowLabels[i]!, x0 + labelW - GAP, y + imgH / 2, { align: 'right', baseline: 'middle', color: TEXT_COLOR, bold: true });
    row.forEach((img, j) => {
      const cx = x0 + labelW + j * (cellW + GAP);
      const ix = cx + Math.floor((cellW - imgW) / 2);
      if (channels === 3) r.drawRgbImage(img, w, h, ix, y, scale);
      else r.drawGrayImage(img, w, h, ix, y, scale);
      r.strokeRect(ix - 1, y - 1, imgW + 2, imgH + 2, '#999999');
      const text = caption(i, j);
      if (text) {
        // Lines left-aligned as one block centred under the image, so "7: 98.1%" rows line up.
        const blockW = captionSizes[i]![j]!.width;
        r.drawText(text, cx + Math.floor((cellW - blockW) / 2), y + imgH + 5, { color: o.captionColors?.[i]?.[j] ?? TEXT_COLOR });
      }
    });
    y += rowH[i]! + GAP;
  });
  return r;
}
