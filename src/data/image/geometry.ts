/**
 * tf.image's geometric ops on channels-last pictures: [H, W, C] or batches [N, H, W, C].
 * Results are plain float32 tensors (these ops prepare data; they are not differentiated).
 */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';
import { generatorFor } from '../../tensor/random.js';
import { convOutputSize } from '../../backend/conv-geometry.js';

/** A picture as [N, H, W, C] with a note whether it had no batch axis. */
export function asBatch(images: Tensor, what: string): { t: Tensor; n: number; h: number; w: number; c: number; single: boolean } {
  if (images.rank !== 3 && images.rank !== 4) throw new Error(`${what}: expected an image [height, width, channels] or a batch [n, height, width, channels], got shape ${formatShape(images.shape)}`);
  const single = images.rank === 3;
  const [n, h, w, c] = single ? [1, ...images.shape] : images.shape;
  return { t: images, n: n!, h: h!, w: w!, c: c!, single };
}

function floatData(t: Tensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

function shaped(data: Float32Array, single: boolean, n: number, h: number, w: number, c: number): Tensor {
  return new Tensor(data, single ? [h, w, c] : [n, h, w, c]);
}

type Quad = readonly [number, number, number, number];

function quad(v: readonly number[], what: string): Quad {
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1 || !v.every((x) => Number.isInteger(x) && x >= 1)) {
    throw new Error(`extractPatches: ${what} must be [1, rows, cols, 1] with positive integers (as tf.image.extract_patches), got [${v.join(', ')}]`);
  }
  return v as unknown as Quad;
}

export interface ExtractPatchesArgs {
  /** [1, patchRows, patchCols, 1]. */
  sizes: readonly number[];
  /** [1, strideRows, strideCols, 1]. */
  strides: readonly number[];
  /** [1, rateRows, rateCols, 1]: sample every rate-th pixel inside a patch (default 1s). */
  rates?: readonly number[];
  /** 'VALID' (only whole patches) or 'SAME' (zero padding, TF's split: the odd pixel at the bottom/right). */
  padding: 'VALID' | 'SAME' | 'valid' | 'same';
}

/**
 * tf.image.extract_patches: [N, H, W, C] → [N, outRows, outCols, patchRows·patchCols·C], each
 * patch flattened row by row, pixel by pixel, channel by channel (TF's order). To get patch
 * images: reshape to [-1, patchRows, patchCols, C].
 */
export function extractPatches(images: Tensor, args: ExtractPatchesArgs): Tensor {
  if (images.rank !== 4) throw new Error(`extractPatches: expected a batch [n, height, width, channels], got shape ${formatShape(images.shape)} (add a batch axis with expandDims)`);
  const [, kh, kw] = quad(args.sizes, 'sizes');
  const [, sh, sw] = quad(args.strides, 'strides');
  const [, rh, rw] = quad(args.rates ?? [1, 1, 1, 1], 'rates');
  const padding = args.padding.toLowerCase();
  if (padding !== 'valid' && padding !== 'same') throw new Error(`extractPatches: padding must be 'VALID' or 'SAME', got '${args.padding}'`);
  const [n, h, w, c] = images.shape as unknown as Quad;
  const rows = convOutputSize(h, kh, sh, rh, padding);
  const cols = convOutputSize(w, kw, sw, rw, padding);
  if (rows.out <= 0 || cols.out <= 0) throw new Error(`extractPatches: a ${kh}x${kw} patch (rates ${rh}x${rw}) does not fit a ${h}x${w} image with VALID padding`);
  const src = floatData(images);
  const depth = kh * kw * c;
  const out = new Float32Array(n * rows.out * cols.out * depth);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let pr = 0; pr < rows.out; pr++) {
      for (let pc = 0; pc < cols.out; pc++) {
        for (let i = 0; i < kh; i++) {
          const y = pr * sh - rows.padBefore + i * rh;
          for (let j = 0; j < kw; j++) {
            const x = pc * sw - cols.padBefore + j * rw;
            if (y < 0 || y >= h || x < 0 || x >= w) {
              o += c; // zero padding
              continue;
            }
            const base = ((b * h + y) * w + x) * c;
            for (let ch = 0; ch < c; ch++) out[o++] = src[base + ch]!;
          }
        }
      }
    }
  }
  return new Tensor(out, [n, rows.out, cols.out, depth]);
}

export interface ResizeArgs {
  /** 'bilinear' (default, as tf.image.resize) or 'nearest'. */
  method?: 'bilinear' | 'nearest';
}

/**
 * tf.image.resize (TF2: half-pixel centres, no corner alignment, no antialiasing):
 * source coordinate (i + ½)·inSize/outSize − ½; bilinear clamps at the borders, nearest takes
 * floor((i + ½)·inSize/outSize).
 */
export function resize(images: Tensor, size: readonly [number, number], args: ResizeArgs = {}): Tensor {
  const { n, h, w, c, single } = asBatch(images, 'resize');
  const [oh, ow] = size;
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh <= 0 || ow <= 0) throw new Error(`resize: size must be two positive integers [height, width], got [${size.join(', ')}]`);
  const method = args.method ?? 'bilinear';
  const src = floatData(images);
  const out = new Float32Array(n * oh * ow * c);
  if (method === 'nearest') {
    const ys = Array.from({ length: oh }, (_, i) => Math.min(Math.floor((i + 0.5) * (h / oh)), h - 1));
    const xs = Array.from({ length: ow }, (_, j) => Math.min(Math.floor((j + 0.5) * (w / ow)), w - 1));
    let o = 0;
    for (let b = 0; b < n; b++) for (const y of ys) for (const x of xs) {
      const base = ((b * h + y) * w + x) * c;
      for (let ch = 0; ch < c; ch++) out[o++] = src[base + ch]!;
    }
    return shaped(out, single, n, oh, ow, c);
  }
  if (method !== 'bilinear') throw new Error(`resize: method must be 'bilinear' or 'nearest', got '${String(method)}'`);
  // TF's compute_interpolation_weights with the half-pixel scaler.
  const weights = (outSize: number, inSize: number): { lo: Int32Array; hi: Int32Array; t: Float32Array } => {
    const lo = new Int32Array(outSize), hi = new Int32Array(outSize), t = new Float32Array(outSize);
    const scale = inSize / outSize;
    for (let i = 0; i < outSize; i++) {
      const v = (i + 0.5) * scale - 0.5;
      const f = Math.floor(v);
      lo[i] = Math.max(f, 0);
      hi[i] = Math.min(Math.ceil(v), inSize - 1);
      t[i] = v - f;
    }
    return { lo, hi, t };
  };
  const wy = weights(oh, h);
  const wx = weights(ow, w);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const top = (b * h + wy.lo[i]!) * w, bottom = (b * h + wy.hi[i]!) * w, ty = wy.t[i]!;
      for (let j = 0; j < ow; j++) {
        const l = wx.lo[j]!, r = wx.hi[j]!, tx = wx.t[j]!;
        for (let ch = 0; ch < c; ch++) {
          const tl = src[(top + l) * c + ch]!, tr = src[(top + r) * c + ch]!;
          const bl = src[(bottom + l) * c + ch]!, br = src[(bottom + r) * c + ch]!;
          const upper = tl + (tr - tl) * tx;
          const lower = bl + (br - bl) * tx;
          out[o++] = upper + (lower - upper) * ty;
        }
      }
    }
  }
  return shaped(out, single, n, oh, ow, c);
}

/** tf.image.flip_left_right: mirrors the width axis. */
export function flipLeftRight(images: Tensor): Tensor {
  const { n, h, w, c, single } = asBatch(images, 'flipLeftRight');
  const src = floatData(images);
  const out = new Float32Array(src.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const from = ((b * h + y) * w + (w - 1 - x)) * c;
    const to = ((b * h + y) * w + x) * c;
    for (let ch = 0; ch < c; ch++) out[to + ch] = src[from + ch]!;
  }
  return shaped(out, single, n, h, w, c);
}

/**
 * tf.image.random_crop: a window of `size` (same rank as the image) at a uniformly random
 * offset. With a seed the offsets repeat run after run; otherwise the global generator.
 */
export function randomCrop(image: Tensor, size: readonly number[], args: { seed?: number } = {}): Tensor {
  if (size.length !== image.rank) throw new Error(`randomCrop: size [${size.join(', ')}] must have one entry per axis of the image ${formatShape(image.shape)}`);
  size.forEach((s, i) => {
    if (!Number.isInteger(s) || s <= 0 || s > image.shape[i]!) throw new Error(`randomCrop: size [${size.join(', ')}] does not fit inside the image ${formatShape(image.shape)}`);
  });
  const rng = generatorFor(args.seed, 'randomCrop');
  const offsets = size.map((s, i) => rng.int(image.shape[i]! - s + 1));
  const strides = image.shape.map((_, i) => image.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const total = size.reduce((a, b) => a * b, 1);
  const src = floatData(image);
  const out = new Float32Array(total);
  const idx = new Array<number>(size.length).fill(0);
  for (let o = 0; o < total; o++) {
    let from = 0;
    for (let a = 0; a < size.length; a++) from += (idx[a]! + offsets[a]!) * strides[a]!;
    out[o] = src[from]!;
    for (let a = size.length - 1; a >= 0; a--) {
      if (++idx[a]! < size[a]!) break;
      idx[a] = 0;
    }
  }
  return new Tensor(out, size);
}
