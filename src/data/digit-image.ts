/**
 * Turns a person's own digit picture (any size, colour or grayscale, dark ink on
 * light paper or light on dark) into what an MNIST model expects, following the
 * original MNIST preprocessing (LeCun et al.): the digit is cropped, scaled with
 * anti-aliasing so its longer side fills a 20×20 box (aspect ratio kept), and
 * pasted into a 28×28 field so its centre of mass sits at the field's centre.
 * Output: 784 floats in [0, 1], light digit (1) on a black background (0).
 *
 * Pure TypeScript (browser-safe): the input is decoded RGBA, e.g. decodePng's
 * result in Node or a canvas' ImageData in a page.
 */

/** 8-bit RGBA pixels, 4 values per pixel, row-major (decodePng's RgbaImage, canvas ImageData). */
export interface RgbaPixels {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

export type DigitPolarity = 'auto' | 'dark-on-light' | 'light-on-dark';

export interface DigitImageOptions {
  /**
   * Ink colour: 'auto' (default) reads it off the border, which is taken to be
   * background; 'dark-on-light' (pen on paper) is inverted, as MNIST digits are light.
   */
  polarity?: DigitPolarity;
  /** Fraction of the ink contrast a pixel needs to count as digit when cropping (default 0.25). */
  cropThreshold?: number;
  /** Thicken strokes that would be thinner than MNIST's after scaling, e.g. a thin pen in a big photo (default true). */
  thickenThinStrokes?: boolean;
}

export interface PreparedDigit {
  /** 28×28 = 784 values in [0, 1], row-major, light digit on black, brightest pixel = 1. */
  pixels: Float32Array;
  /** True when the picture was dark-on-light and has been inverted. */
  inverted: boolean;
  /** The digit's bounding box in the source picture. */
  box: { x: number; y: number; width: number; height: number };
  /** Estimated stroke width in 28×28 pixels before any thickening (MNIST digits: about 1.5–2.7). */
  strokeWidth: number;
  /** Radius in source pixels by which thin strokes were thickened (0: untouched). */
  thickenedBy: number;
}

/** MNIST field and digit box sizes; MNIST's mean centre of mass is the centre of pixel (14, 14). */
const FIELD = 28;
const BOX = 20;
const CENTRE = 14.5;
/** Contrast (0..1 brightness) below which a picture counts as blank. */
const MIN_CONTRAST = 0.08;
/** Ink below this fraction of the contrast is paper texture or sensor noise and becomes 0. */
const NOISE_FLOOR = 0.1;
/** Stroke widths (28×28 pixels) below MIN are thickened to about TARGET (MNIST's typical width). */
const MIN_STROKE = 1.0;
const TARGET_STROKE = 2.0;

/** The digit as MNIST pixels (784 floats in [0, 1]); see prepareDigitImage for details. */
export function digitImageToMnist(image: RgbaPixels, options: DigitImageOptions = {}): Float32Array {
  return prepareDigitImage(image, options).pixels;
}

/** The MNIST-style digit plus what was done to get it (inversion, crop box, stroke thickening). */
export function prepareDigitImage(image: RgbaPixels, options: DigitImageOptions = {}): PreparedDigit {
  const { width: w, height: h } = image;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new Error(`digit image: size must be whole numbers ≥ 1, got ${w}×${h}`);
  if (image.data.length !== w * h * 4) throw new Error(`digit image: ${w}×${h} RGBA needs ${w * h * 4} values, got ${image.data.length}`);
  const threshold = options.cropThreshold ?? 0.25;
  if (!(threshold > 0 && threshold < 1)) throw new Error(`digit image: cropThreshold must be in (0, 1), got ${threshold}`);

  const gray = toGray(image);
  const background = borderMedian(gray, w, h);
  const polarity = options.polarity ?? 'auto';
  const inverted = polarity === 'dark-on-light' || (polarity === 'auto' && background > 0.5);
  if (inverted) for (let i = 0; i < gray.length; i++) gray[i] = 1 - gray[i]!;
  // A forced polarity may contradict the border (e.g. a digit touching the edges):
  // then the darkest few percent of the picture tell the background level.
  const borderBg = inverted ? 1 - background : background;
  const bg = polarity === 'auto' ? borderBg : Math.min(borderBg, quantile(gray, 0.05));
  let peak = 0;
  for (let i = 0; i < gray.length; i++) if (gray[i]! > peak) peak = gray[i]!;
  const contrast = peak - bg;
  if (!(contrast >= MIN_CONTRAST)) {
    throw new Error(`digit image: no digit found — the ${w}×${h} picture is blank (brightness range ${(Math.max(0, contrast) * 100).toFixed(1)}% of full scale around the background)`);
  }
  // Ink in [0, 1]: background → 0, strongest stroke → 1, faint noise → 0.
  const ink = gray;
  for (let i = 0; i < ink.length; i++) ink[i] = Math.min(1, Math.max(0, ((ink[i]! - bg) / contrast - NOISE_FLOOR) / (1 - NOISE_FLOOR)));

  const box = inkBox(ink, w, h, threshold);
  let crop = cropOf(ink, w, box, 0);
  let [cw, ch] = [box.width, box.height];
  const strokeSrc = strokeWidth(crop, cw, ch);
  const strokeOut = (strokeSrc * BOX) / Math.max(cw, ch);
  let radius = 0;
  if ((options.thickenThinStrokes ?? true) && strokeOut < MIN_STROKE) {
    const scale = BOX / Math.max(cw, ch);
    radius = Math.max(1, Math.round((TARGET_STROKE / scale - strokeSrc) / 2));
    crop = dilate(cropOf(ink, w, box, radius), cw + 2 * radius, ch + 2 * radius, radius);
    [cw, ch] = [cw + 2 * radius, ch + 2 * radius];
  }
  return { pixels: placeByMass(crop, cw, ch), inverted, box, strokeWidth: strokeOut, thickenedBy: radius };
}

/**
 * Brightness in [0, 1] (Rec. 601 luma). Transparent pixels show the backdrop that
 * contrasts with the drawn pixels, so black-on-transparent and white-on-transparent
 * drawings both read as ink on paper.
 */
function toGray(image: RgbaPixels): Float32Array {
  const { data } = image;
  const n = image.width * image.height;
  const gray = new Float32Array(n);
  let translucent = false;
  let inkLuma = 0;
  let inkAlpha = 0;
  for (let i = 0; i < n; i++) {
    const luma = (0.299 * data[4 * i]! + 0.587 * data[4 * i + 1]! + 0.114 * data[4 * i + 2]!) / 255;
    const alpha = data[4 * i + 3]! / 255;
    gray[i] = luma;
    if (alpha < 0.98) translucent = true;
    inkLuma += luma * alpha;
    inkAlpha += alpha;
  }
  if (!translucent) return gray;
  const backdrop = inkAlpha > 0 && inkLuma / inkAlpha < 0.5 ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const alpha = data[4 * i + 3]! / 255;
    gray[i] = gray[i]! * alpha + backdrop * (1 - alpha);
  }
  return gray;
}

/** Median brightness of a frame about 5% of the picture wide: the background level. */
function borderMedian(gray: Float32Array, w: number, h: number): number {
  const t = Math.max(1, Math.round(Math.min(w, h) * 0.05));
  const frame = new Float32Array(w * h - Math.max(0, w - 2 * t) * Math.max(0, h - 2 * t));
  let k = 0;
  for (let y = 0; y < h; y++) {
    const edgeRow = y < t || y >= h - t;
    for (let x = 0; x < w; x++) if (edgeRow || x < t || x >= w - t) frame[k++] = gray[y * w + x]!;
  }
  return quantile(frame, 0.5);
}

/** The q-quantile of values in [0, 1] to 1/1024, from a histogram (fast on big photos). */
function quantile(values: Float32Array, q: number): number {
  const bins = new Uint32Array(1025);
  for (let i = 0; i < values.length; i++) bins[Math.min(1024, Math.max(0, Math.round(values[i]! * 1024)))]!++;
  const target = q * values.length;
  let seen = 0;
  for (let b = 0; b <= 1024; b++) {
    seen += bins[b]!;
    if (seen > target) return b / 1024;
  }
  return 1;
}

function inkBox(ink: Float32Array, w: number, h: number, threshold: number): PreparedDigit['box'] {
  let [x0, y0, x1, y1] = [w, h, -1, -1];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (ink[y * w + x]! > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) throw new Error(`digit image: no digit found — no pixel stands out from the background by more than ${threshold * 100}% of the contrast`);
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** The box's pixels with `pad` zero pixels around them. */
function cropOf(ink: Float32Array, w: number, box: PreparedDigit['box'], pad: number): Float32Array {
  const cw = box.width + 2 * pad;
  const out = new Float32Array(cw * (box.height + 2 * pad));
  for (let y = 0; y < box.height; y++) {
    const from = (box.y + y) * w + box.x;
    out.set(ink.subarray(from, from + box.width), (y + pad) * cw + pad);
  }
  return out;
}

/**
 * Stroke width in pixels ≈ 2·area / boundary length: a stroke of width s and
 * length L covers s·L pixels and has about 2·L boundary pixels.
 */
function strokeWidth(crop: Float32Array, w: number, h: number): number {
  const isInk = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < w && y < h && crop[y * w + x]! > 0.5;
  let area = 0;
  let boundary = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!isInk(x, y)) continue;
      area++;
      if (!isInk(x - 1, y) || !isInk(x + 1, y) || !isInk(x, y - 1) || !isInk(x, y + 1)) boundary++;
    }
  }
  return boundary === 0 ? 1 : (2 * area) / boundary;
}

/** Grey-level dilation by a (2r+1)² square: separable running maxima (van Herk / Gil–Werman, O(1) per pixel). */
function dilate(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const rows = new Float32Array(src.length);
  const line = new Float32Array(Math.max(w, h));
  const out = new Float32Array(Math.max(w, h));
  for (let y = 0; y < h; y++) {
    runningMax(src.subarray(y * w, (y + 1) * w), w, r, out);
    rows.set(out.subarray(0, w), y * w);
  }
  const result = new Float32Array(src.length);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) line[y] = rows[y * w + x]!;
    runningMax(line, h, r, out);
    for (let y = 0; y < h; y++) result[y * w + x] = out[y]!;
  }
  return result;
}

/** out[i] = max(src[i-r .. i+r]) with 0 outside (values are ≥ 0). */
function runningMax(src: ArrayLike<number>, n: number, r: number, out: Float32Array): void {
  const k = 2 * r + 1;
  const len = n + 2 * r;
  const at = (i: number): number => (i >= r && i < n + r ? src[i - r]! : 0);
  const g = new Float32Array(len); // max from the start of i's block up to i
  const hMax = new Float32Array(len); // max from i to the end of i's block
  for (let i = 0; i < len; i++) g[i] = i % k === 0 ? at(i) : Math.max(g[i - 1]!, at(i));
  for (let i = len - 1; i >= 0; i--) hMax[i] = i === len - 1 || (i + 1) % k === 0 ? at(i) : Math.max(hMax[i + 1]!, at(i));
  for (let i = 0; i < n; i++) out[i] = Math.max(hMax[i]!, g[i + k - 1]!);
}

/**
 * Scales the crop so its longer side is 20 pixels and area-averages it into the
 * 28×28 field at the (sub-pixel) offset that puts its centre of mass at the centre.
 * Area averaging keeps the centre of mass exactly, so placement can be computed in
 * source pixels. The offset is clamped so no ink falls off the field.
 */
function placeByMass(crop: Float32Array, w: number, h: number): Float32Array {
  const s = BOX / Math.max(w, h);
  let [mass, mx, my] = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = crop[y * w + x]!;
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const clamp = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
  const ox = clamp(CENTRE - (mx / mass) * s, FIELD - w * s);
  const oy = clamp(CENTRE - (my / mass) * s, FIELD - h * s);
  const wx = boxWeights(w, s, ox);
  const wy = boxWeights(h, s, oy);
  // Horizontal pass: each source row → 28 columns; then vertical: rows → 28 rows.
  const tmp = new Float32Array(h * FIELD);
  for (let y = 0; y < h; y++) {
    for (const { out, from, weights } of wx) {
      let v = 0;
      for (let j = 0; j < weights.length; j++) v += weights[j]! * crop[y * w + from + j]!;
      tmp[y * FIELD + out] = v;
    }
  }
  const field = new Float32Array(FIELD * FIELD);
  for (const { out, from, weights } of wy) {
    for (let x = 0; x < FIELD; x++) {
      let v = 0;
      for (let j = 0; j < weights.length; j++) v += weights[j]! * tmp[(from + j) * FIELD + x]!;
      field[out * FIELD + x] = v;
    }
  }
  let max = 0;
  for (let i = 0; i < field.length; i++) if (field[i]! > max) max = field[i]!;
  for (let i = 0; i < field.length; i++) field[i] = Math.min(1, field[i]! / max);
  return field;
}

/**
 * For each output pixel [o, o+1) along one axis, the source pixels it covers and
 * their weights: overlap of source pixel j (mapped to [off + j·s, off + (j+1)·s))
 * with the output pixel, divided by the output pixel's size in source pixels.
 */
function boxWeights(n: number, s: number, off: number): { out: number; from: number; weights: Float64Array }[] {
  const result: { out: number; from: number; weights: Float64Array }[] = [];
  for (let o = 0; o < FIELD; o++) {
    const a = (o - off) / s;
    const b = (o + 1 - off) / s;
    const from = Math.max(0, Math.floor(a));
    const to = Math.min(n, Math.ceil(b));
    if (to <= from) continue;
    const weights = new Float64Array(to - from);
    for (let j = from; j < to; j++) weights[j - from] = (Math.min(b, j + 1) - Math.max(a, j)) * s;
    result.push({ out: o, from, weights });
  }
  return result;
}
