import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMnist } from '../src/index.js';
import { digitImageToMnist, prepareDigitImage, type RgbaPixels } from '../src/data/digit-image.js';

type RGB = readonly [number, number, number];

/**
 * A digit-like "4" (asymmetric, so a wrong shift or flip shows) drawn with
 * anti-aliased strokes: segments in unit coordinates of a `size` square placed at
 * (left, top) of a width×height canvas.
 */
function drawFour(o: { width: number; height: number; left: number; top: number; size: number; stroke: number; ink: RGB; paper: RGB; alpha?: boolean }): RgbaPixels {
  const segments = [[0.55, 0.05, 0.1, 0.65], [0.1, 0.65, 0.85, 0.65], [0.62, 0.3, 0.62, 0.98]];
  const data = new Uint8ClampedArray(o.width * o.height * 4);
  for (let y = 0; y < o.height; y++) {
    for (let x = 0; x < o.width; x++) {
      const px = (x + 0.5 - o.left) / o.size;
      const py = (y + 0.5 - o.top) / o.size;
      let d = Infinity;
      for (const [x0, y0, x1, y1] of segments) {
        const [dx, dy] = [x1! - x0!, y1! - y0!];
        const t = Math.max(0, Math.min(1, ((px - x0!) * dx + (py - y0!) * dy) / (dx * dx + dy * dy)));
        d = Math.min(d, Math.hypot(px - x0! - t * dx, py - y0! - t * dy));
      }
      const cover = Math.max(0, Math.min(1, (o.stroke / 2 - d * o.size) + 0.5));
      const i = 4 * (y * o.width + x);
      for (let c = 0; c < 3; c++) data[i + c] = o.alpha ? o.ink[c]! : o.paper[c]! + (o.ink[c]! - o.paper[c]!) * cover;
      data[i + 3] = o.alpha ? 255 * cover : 255;
    }
  }
  return { width: o.width, height: o.height, data };
}

const BLACK: RGB = [0, 0, 0];
const WHITE: RGB = [255, 255, 255];

function centreOfMass(p: Float32Array): [number, number] {
  let [m, x, y] = [0, 0, 0];
  for (let i = 0; i < 784; i++) {
    m += p[i]!;
    x += p[i]! * ((i % 28) + 0.5);
    y += p[i]! * (Math.floor(i / 28) + 0.5);
  }
  return [x / m, y / m];
}

function inkBox(p: Float32Array, threshold = 0.1): { width: number; height: number } {
  let [x0, y0, x1, y1] = [28, 28, -1, -1];
  for (let i = 0; i < 784; i++) {
    if (p[i]! <= threshold) continue;
    const [x, y] = [i % 28, Math.floor(i / 28)];
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  }
  return { width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let [ma, mb] = [0, 0];
  for (let i = 0; i < n; i++) [ma, mb] = [ma + a[i]! / n, mb + b[i]! / n];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

// Reference: a 200×200 black-on-white "4" filling most of the square, stroke 24 px (≈2.4 px after scaling).
const reference = prepareDigitImage(drawFour({ width: 200, height: 200, left: 10, top: 10, size: 180, stroke: 24, ink: BLACK, paper: WHITE }));

test('reference digit: inverted, longest side 20 px, centred by mass at MNIST centre, light on black in [0, 1]', () => {
  const p = reference.pixels;
  assert.equal(p.length, 784);
  assert.equal(reference.inverted, true);
  const [cx, cy] = centreOfMass(p);
  assert.ok(Math.abs(cx - 14.5) < 0.02 && Math.abs(cy - 14.5) < 0.02, `centre of mass (${cx}, ${cy}) should be (14.5, 14.5)`);
  const box = inkBox(p);
  assert.ok(Math.max(box.width, box.height) >= 20 && Math.max(box.width, box.height) <= 21, `ink box ${box.width}×${box.height}: longest side should be 20 (+1 for anti-aliasing)`);
  assert.ok(box.width < box.height, 'aspect ratio kept: the 4 is taller than wide');
  assert.equal(Math.max(...p), 1);
  assert.ok(p.every((v) => v >= 0 && v <= 1));
  for (const corner of [0, 27, 27 * 28, 783]) assert.equal(p[corner], 0);
  assert.equal(reference.thickenedBy, 0);
  assert.ok(reference.strokeWidth > 1.5 && reference.strokeWidth < 3.5, `stroke width ${reference.strokeWidth}`);
});

test('shifted, scaled, inverted, coloured and transparent versions land on the reference', () => {
  const variants: [string, RgbaPixels][] = [
    ['shifted into a corner of a wide canvas', drawFour({ width: 420, height: 260, left: 225, top: 70, size: 180, stroke: 24, ink: BLACK, paper: WHITE })],
    ['scaled down ×0.3 (small picture)', drawFour({ width: 70, height: 64, left: 8, top: 3, size: 54, stroke: 7.2, ink: BLACK, paper: WHITE })],
    ['scaled up ×3', drawFour({ width: 640, height: 600, left: 50, top: 20, size: 540, stroke: 72, ink: BLACK, paper: WHITE })],
    ['light on dark (not inverted)', drawFour({ width: 200, height: 200, left: 10, top: 10, size: 180, stroke: 24, ink: WHITE, paper: BLACK })],
    ['blue ink on yellow paper', drawFour({ width: 260, height: 220, left: 40, top: 25, size: 180, stroke: 24, ink: [20, 40, 160], paper: [250, 235, 150] })],
    ['grey on grey, low contrast', drawFour({ width: 200, height: 200, left: 10, top: 10, size: 180, stroke: 24, ink: [90, 90, 90], paper: [170, 170, 170] })],
    ['black on a transparent background', drawFour({ width: 200, height: 200, left: 10, top: 10, size: 180, stroke: 24, ink: BLACK, paper: BLACK, alpha: true })],
    ['white on a transparent background', drawFour({ width: 200, height: 200, left: 10, top: 10, size: 180, stroke: 24, ink: WHITE, paper: WHITE, alpha: true })],
  ];
  for (const [what, image] of variants) {
    const p = digitImageToMnist(image);
    const [cx, cy] = centreOfMass(p);
    assert.ok(Math.abs(cx - 14.5) < 0.05 && Math.abs(cy - 14.5) < 0.05, `${what}: centre of mass (${cx.toFixed(3)}, ${cy.toFixed(3)})`);
    const diff = meanAbsDiff(p, reference.pixels);
    assert.ok(diff < 0.015, `${what}: mean |difference| to the reference ${diff.toFixed(4)} ≥ 0.015`);
    assert.ok(correlation(p, reference.pixels) > 0.99, `${what}: correlation ${correlation(p, reference.pixels).toFixed(3)}`);
  }
});

test('a mirrored or moved-within-the-box digit does not match: the comparison can fail', () => {
  const image = drawFour({ width: 200, height: 200, left: 10, top: 10, size: 180, stroke: 24, ink: BLACK, paper: WHITE });
  const mirrored = new Uint8ClampedArray(image.data.length);
  for (let y = 0; y < 200; y++) for (let x = 0; x < 200; x++) for (let c = 0; c < 4; c++) mirrored[4 * (y * 200 + x) + c] = image.data[4 * (y * 200 + 199 - x) + c]!;
  assert.ok(meanAbsDiff(digitImageToMnist({ width: 200, height: 200, data: mirrored }), reference.pixels) > 0.05);
  const thin = digitImageToMnist(drawFour({ width: 200, height: 200, left: 10, top: 10, size: 180, stroke: 12, ink: BLACK, paper: WHITE }));
  assert.ok(meanAbsDiff(thin, reference.pixels) > 0.03, 'half the stroke width is a visible difference');
});

test('polarity: auto reads the border; forcing it is respected', () => {
  const dark = drawFour({ width: 120, height: 120, left: 10, top: 10, size: 100, stroke: 14, ink: BLACK, paper: WHITE });
  const light = drawFour({ width: 120, height: 120, left: 10, top: 10, size: 100, stroke: 14, ink: WHITE, paper: BLACK });
  assert.equal(prepareDigitImage(dark).inverted, true);
  assert.equal(prepareDigitImage(light).inverted, false);
  assert.equal(prepareDigitImage(light, { polarity: 'light-on-dark' }).inverted, false);
  assert.equal(prepareDigitImage(dark, { polarity: 'dark-on-light' }).inverted, true);
  // Forcing the wrong polarity treats the paper as the digit: nothing like the reference.
  assert.ok(meanAbsDiff(prepareDigitImage(light, { polarity: 'dark-on-light' }).pixels, reference.pixels) > 0.2);
});

test('thin pen strokes in a big picture are thickened to MNIST-like width', () => {
  const image = drawFour({ width: 900, height: 900, left: 40, top: 40, size: 820, stroke: 4, ink: BLACK, paper: WHITE });
  const thick = prepareDigitImage(image);
  assert.ok(thick.strokeWidth < 1, `estimated stroke ${thick.strokeWidth} px in 28×28`);
  assert.ok(thick.thickenedBy > 10, `thickened by ${thick.thickenedBy} source pixels`);
  assert.ok(correlation(thick.pixels, reference.pixels) > 0.9, `correlation ${correlation(thick.pixels, reference.pixels)}`);
  const raw = prepareDigitImage(image, { thickenThinStrokes: false });
  assert.equal(raw.thickenedBy, 0);
  const mass = (p: Float32Array): number => p.reduce((a, b) => a + b, 0);
  assert.ok(mass(raw.pixels) < 0.6 * mass(thick.pixels), 'without thickening the strokes stay hair-thin');
});

test('real MNIST digits drawn big, dark on light, come back close to the originals', async () => {
  const mnist = await loadMnist({ limitTrain: 1, limitTest: 30 });
  const scale = 9;
  let sum = 0;
  for (let k = 0; k < 30; k++) {
    const original = mnist.test.images.subarray(k * 784, (k + 1) * 784);
    const [w, h] = [28 * scale + 50, 28 * scale + 20];
    const data = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const [sx, sy] = [Math.floor((x - 30) / scale), Math.floor((y - 12) / scale)];
        const v = sx >= 0 && sy >= 0 && sx < 28 && sy < 28 ? original[sy * 28 + sx]! : 0;
        data.set([255 - 230 * v, 250 - 230 * v, 240 - 230 * v, 255], 4 * (y * w + x));
      }
    }
    const c = correlation(digitImageToMnist({ width: w, height: h, data }), original);
    assert.ok(c > 0.85, `test digit ${k}: correlation ${c.toFixed(3)} with the MNIST original`);
    sum += c;
  }
  assert.ok(sum / 30 > 0.94, `mean correlation ${(sum / 30).toFixed(3)}`);
});

test('blank or malformed pictures get clear errors', () => {
  const uniform = (rgb: RGB, w = 40, h = 30): RgbaPixels & { data: Uint8ClampedArray } => {
    const data = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) data.set([...rgb, 255], 4 * i);
    return { width: w, height: h, data };
  };
  assert.throws(() => digitImageToMnist(uniform(WHITE)), /no digit found — the 40×30 picture is blank/);
  assert.throws(() => digitImageToMnist(uniform([30, 120, 200])), /blank/);
  const faint = uniform(WHITE);
  faint.data[4 * 100] = 245; // one barely darker pixel: still blank
  assert.throws(() => digitImageToMnist(faint), /blank/);
  assert.throws(() => digitImageToMnist({ width: 10, height: 10, data: new Uint8ClampedArray(399) }), /10×10 RGBA needs 400 values, got 399/);
  assert.throws(() => digitImageToMnist({ width: 0, height: 10, data: new Uint8ClampedArray(0) }), /size must be whole numbers/);
  assert.throws(() => digitImageToMnist(uniform(WHITE), { cropThreshold: 1.5 }), /cropThreshold must be in \(0, 1\)/);
});

test('tiny pictures are scaled up into the 20×20 box', () => {
  const dot = drawFour({ width: 8, height: 9, left: 0, top: 0, size: 8, stroke: 2, ink: BLACK, paper: WHITE });
  const p = digitImageToMnist(dot);
  const [cx, cy] = centreOfMass(p);
  assert.ok(Math.abs(cx - 14.5) < 0.1 && Math.abs(cy - 14.5) < 0.1);
  const one = digitImageToMnist({ width: 3, height: 1, data: Uint8ClampedArray.from([255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255]) });
  // One dark pixel becomes a 20×20 square of ink (mass 400), centred at (14.5, 14.5).
  assert.ok(Math.abs(one.reduce((a, b) => a + b, 0) - 400) < 1e-3);
  assert.deepEqual(centreOfMass(one).map((v) => Math.round(v * 1000) / 1000), [14.5, 14.5]);
});
