/**
 * Pictures of what a convnet learned (`deepts cnn`): the first layer's kernels, and one picture's
 * feature maps after each of the first two conv blocks.
 */
import { Tensor } from '../tensor/tensor.js';
import { Conv2D } from '../nn/layers/convolutional.js';
import { MaxPooling2D } from '../nn/layers/pooling.js';
import type { Sequential } from '../models/sequential.js';
import { Raster } from './raster.js';
import { imageGrid } from './image-grid.js';

/** Map c of an [h, w, channels] block, scaled to [0, 1] (0 → mid-gray when the values have both signs). */
function channelImage(values: Float32Array, pixels: number, channels: number, c: number): Float32Array {
  const out = new Float32Array(pixels);
  let lo = Infinity, hi = -Infinity;
  for (let p = 0; p < pixels; p++) {
    const v = values[p * channels + c]!;
    out[p] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo < 0) {
    const m = Math.max(-lo, hi, 1e-12);
    for (let p = 0; p < pixels; p++) out[p] = 0.5 + out[p]! / (2 * m);
  } else {
    const m = Math.max(hi, 1e-12);
    for (let p = 0; p < pixels; p++) out[p] = out[p]! / m;
  }
  return out;
}

const rowsOf = <T>(items: T[], perRow: number): T[][] => Array.from({ length: Math.ceil(items.length / perRow) }, (_, r) => items.slice(r * perRow, (r + 1) * perRow));

function convLayers(model: Sequential): Conv2D[] {
  return model.layers.filter((l): l is Conv2D => l instanceof Conv2D);
}

/** The first convolution's 3×3 kernels, one picture each (gray = 0, light = positive weights). */
export function filterPicture(model: Sequential): Raster {
  const conv = convLayers(model)[0]!;
  const kernel = conv.kernel!;
  const [kH, kW, inC, filters] = kernel.shape as [number, number, number, number];
  const images = Array.from({ length: filters }, (_, f) => channelImage(kernel.values, kH * kW * inC, filters, f));
  return imageGrid({
    rows: rowsOf(images, 8), width: kW, height: kH * inC, scale: 14,
    captions: rowsOf(images.map((_, f) => String(f)), 8),
    title: `The first layer's ${filters} filters (${kH}x${kW}; gray 0, light positive, dark negative)`,
  });
}

/** One 28×28 picture (with its caption) and what the first two conv layers make of it (each map scaled to its own maximum). */
export function featureMapPicture(model: Sequential, image: Float32Array, caption: string): Raster {
  let h = new Tensor(Float32Array.from(image), [1, 28, 28, 1]);
  const stages: { name: string; out: Tensor }[] = [];
  let convName = '';
  // A conv block's maps are what enters its pooling layer: after relu (and batch norm, when present).
  for (const layer of model.layers) {
    if (layer instanceof MaxPooling2D) stages.push({ name: convName, out: h });
    if (stages.length === 2) break;
    if (layer instanceof Conv2D) convName = layer.name;
    h = layer.apply(h, { training: false });
  }
  const input = imageGrid({ rows: [[image]], width: 28, height: 28, scale: 4, captions: [[caption]] });
  const grids = stages.map(({ name, out }) => {
    const [, oh, ow, c] = out.shape as [number, number, number, number];
    const maps = Array.from({ length: c }, (_, k) => channelImage(out.values, oh * ow, c, k));
    return imageGrid({ rows: rowsOf(maps, 16), width: ow, height: oh, scale: oh > 20 ? 2 : 3, title: `${name}: ${c} feature maps ${oh}x${ow} (after relu)` });
  });
  const parts = [input, ...grids];
  const out = new Raster(Math.max(...parts.map((p) => p.width)), parts.reduce((s, p) => s + p.height, 0));
  let y = 0;
  for (const p of parts) {
    out.drawRaster(p, 0, y);
    y += p.height;
  }
  return out;
}

