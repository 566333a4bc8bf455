/**
 * Picture quality measures as tf.image computes them: ssim (Wang et al. 2004, Gaussian
 * window, valid positions only) and psnr. Inputs [H, W, C] or [N, H, W, C]; one value per
 * picture (a number for a single picture, else an array).
 */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape, shapesEqual } from '../../tensor/shape.js';
import { asBatch } from './geometry.js';

export interface SsimArgs {
  /** Window size (default 11) and Gaussian σ (default 1.5), k1 0.01, k2 0.03: tf.image.ssim's defaults. */
  filterSize?: number;
  filterSigma?: number;
  k1?: number;
  k2?: number;
}

function pair(a: Tensor, b: Tensor, what: string): ReturnType<typeof asBatch> {
  if (!shapesEqual(a.shape, b.shape)) throw new Error(`${what}: the two pictures must have the same shape, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  return asBatch(a, what);
}

function checkMax(maxVal: number, what: string): void {
  if (!(maxVal > 0) || !Number.isFinite(maxVal)) throw new Error(`${what}: maxVal (the dynamic range, e.g. 1 or 255) must be a positive number, got ${maxVal}`);
}

/** tf.image's normalised 1-D Gaussian (its 2-D window is the outer product). */
function gaussian(size: number, sigma: number): Float64Array {
  const g = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const d = i - (size - 1) / 2;
    sum += g[i] = Math.exp((-0.5 * d * d) / (sigma * sigma));
  }
  for (let i = 0; i < size; i++) g[i]! /= sum;
  return g;
}

/** Separable Gaussian filter of one channel plane, VALID positions: [h, w] → [h − k + 1, w − k + 1]. */
function filterValid(src: Float64Array, h: number, w: number, g: Float64Array): Float64Array {
  const k = g.length, oh = h - k + 1, ow = w - k + 1;
  const rows = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) for (let x = 0; x < ow; x++) {
    let s = 0;
    for (let u = 0; u < k; u++) s += g[u]! * src[y * w + x + u]!;
    rows[y * ow + x] = s;
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) {
    let s = 0;
    for (let u = 0; u < k; u++) s += g[u]! * rows[(y + u) * ow + x]!;
    out[y * ow + x] = s;
  }
  return out;
}

/**
 * tf.image.ssim(a, b, maxVal): mean over positions and channels of luminance × contrast-structure,
 * c1 = (k1·maxVal)², c2 = (k2·maxVal)². Pictures must be at least filterSize on each side.
 * (scikit-image's structural_similarity with gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False and data_range=maxVal gives the same numbers.)
 */
export function ssim(a: Tensor, b: Tensor, maxVal: number, args: SsimArgs = {}): number | number[] {
  const { n, h, w, c, single } = pair(a, b, 'ssim');
  checkMax(maxVal, 'ssim');
  const size = args.filterSize ?? 11;
  const sigma = args.filterSigma ?? 1.5;
  if (h < size || w < size) throw new Error(`ssim: pictures of ${h}x${w} are smaller than the ${size}x${size} window (pass a smaller filterSize)`);
  const c1 = ((args.k1 ?? 0.01) * maxVal) ** 2;
  const c2 = ((args.k2 ?? 0.03) * maxVal) ** 2;
  const g = gaussian(size, sigma);
  const plane = h * w;
  const results: number[] = [];
  const x = new Float64Array(plane), y = new Float64Array(plane), xy = new Float64Array(plane), sq = new Float64Array(plane);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < plane; p++) {
        const u = a.data[(i * plane + p) * c + ch]!, v = b.data[(i * plane + p) * c + ch]!;
        x[p] = u; y[p] = v; xy[p] = u * v; sq[p] = u * u + v * v;
      }
      const mx = filterValid(x, h, w, g), my = filterValid(y, h, w, g), mxy = filterValid(xy, h, w, g), msq = filterValid(sq, h, w, g);
      let sum = 0;
      for (let p = 0; p < mx.length; p++) {
        const num0 = 2 * mx[p]! * my[p]!;
        const den0 = mx[p]! * mx[p]! + my[p]! * my[p]!;
        const luminance = (num0 + c1) / (den0 + c1);
        const cs = (2 * mxy[p]! - num0 + c2) / (msq[p]! - den0 + c2);
        sum += luminance * cs;
      }
      total += sum / mx.length;
    }
    results.push(total / c);
  }
  return single ? results[0]! : results;
}

/** tf.image.psnr: 20·log10(maxVal) − 10·log10(MSE) per picture (Infinity for identical pictures). */
export function psnr(a: Tensor, b: Tensor, maxVal: number): number | number[] {
  const { n, single } = pair(a, b, 'psnr');
  checkMax(maxVal, 'psnr');
  const per = a.size / n;
  const results: number[] = [];
  for (let i = 0; i < n; i++) {
    let se = 0;
    for (let p = i * per; p < (i + 1) * per; p++) se += (a.data[p]! - b.data[p]!) ** 2;
    results.push(20 * Math.log10(maxVal) - 10 * Math.log10(se / per));
  }
  return single ? results[0]! : results;
}
