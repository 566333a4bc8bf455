/** tf.image's colour adjustments on float pictures [..., 3] (values usually in [0, 1]). */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';

/** tf.image.adjust_brightness for float images: adds delta to every value (no clipping, as TF). */
export function adjustBrightness(image: Tensor, delta: number): Tensor {
  if (!Number.isFinite(delta)) throw new Error(`adjustBrightness: delta must be a finite number, got ${delta}`);
  const src = image.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]! + delta;
  return new Tensor(out, image.shape);
}

/**
 * tf.image.adjust_saturation: RGB → HSV, saturation × factor clipped to [0, 1], back to RGB,
 * with TF's conversion formulas (its AdjustSaturation kernel).
 */
export function adjustSaturation(image: Tensor, factor: number): Tensor {
  if (image.rank < 1 || image.shape[image.rank - 1] !== 3) throw new Error(`adjustSaturation: expected RGB pictures [..., 3], got shape ${formatShape(image.shape)}`);
  if (!(factor >= 0)) throw new Error(`adjustSaturation: factor must be >= 0, got ${factor}`);
  const src = image.data;
  const out = new Float32Array(src.length);
  for (let p = 0; p < src.length; p += 3) {
    const r = src[p]!, g = src[p + 1]!, b = src[p + 2]!;
    // rgb_to_hsv
    const v = Math.max(r, g, b);
    const range = v - Math.min(r, g, b);
    let s = v > 0 ? range / v : 0;
    let h = 0;
    if (range > 0) {
      const norm = 1 / (6 * range);
      h = r === v ? norm * (g - b) : g === v ? norm * (b - r) + 2 / 6 : norm * (r - g) + 4 / 6;
      if (h < 0) h += 1;
    }
    s = Math.min(1, Math.max(0, s * factor));
    // hsv_to_rgb
    const c = s * v;
    const m = v - c;
    const dh = h * 6;
    const x = c * (1 - Math.abs((dh % 2) - 1));
    let rr = 0, gg = 0, bb = 0;
    switch (Math.floor(dh)) {
      case 0: rr = c; gg = x; break;
      case 1: rr = x; gg = c; break;
      case 2: gg = c; bb = x; break;
      case 3: gg = x; bb = c; break;
      case 4: rr = x; bb = c; break;
      case 5: rr = c; bb = x; break;
    }
    out[p] = rr + m;
    out[p + 1] = gg + m;
    out[p + 2] = bb + m;
  }
  return new Tensor(out, image.shape);
}
