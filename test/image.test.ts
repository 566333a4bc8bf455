/** image.*: hand-worked geometry, TF's colour formulas, and SSIM/PSNR against scikit-image's numbers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, tensor } from '../src/tensor/tensor.js';
import { setSeed } from '../src/tensor/random.js';
import { image } from '../src/core.js';
import { assertClose } from './helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('extractPatches: VALID and SAME (TF puts the odd padding bottom/right), strides, rates, channel order', () => {
  const img = new Tensor(Float32Array.from(range(16)), [1, 4, 4, 1]);
  const valid = image.extractPatches(img, { sizes: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: 'VALID' });
  assert.deepEqual(valid.shape, [1, 2, 2, 4]);
  assert.deepEqual(valid.toFlatArray(), [0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
  const three = new Tensor(Float32Array.from(range(9)), [1, 3, 3, 1]);
  const same = image.extractPatches(three, { sizes: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: 'SAME' });
  assert.deepEqual(same.shape, [1, 2, 2, 4]);
  assert.deepEqual(same.toFlatArray(), [0, 1, 3, 4, 2, 0, 5, 0, 6, 7, 0, 0, 8, 0, 0, 0]);
  const five = new Tensor(Float32Array.from(range(25)), [1, 5, 5, 1]);
  const dilated = image.extractPatches(five, { sizes: [1, 2, 2, 1], strides: [1, 1, 1, 1], rates: [1, 2, 2, 1], padding: 'VALID' });
  assert.deepEqual(dilated.shape, [1, 3, 3, 4]);
  assert.deepEqual(dilated.toFlatArray().slice(0, 4), [0, 2, 10, 12]);
  const rgb = new Tensor(Float32Array.from(range(8)), [1, 2, 2, 2]);
  assert.deepEqual(image.extractPatches(rgb, { sizes: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: 'VALID' }).toFlatArray(), range(8));
  assert.throws(() => image.extractPatches(img, { sizes: [2, 2], strides: [1, 1, 1, 1], padding: 'VALID' }), /\[1, rows, cols, 1\]/);
  assert.throws(() => image.extractPatches(tensor([[1]]), { sizes: [1, 1, 1, 1], strides: [1, 1, 1, 1], padding: 'VALID' }), /batch/);
});

test('resize: bilinear with half-pixel centres (tf.image.resize\'s 2x2 → 4x4 example) and nearest', () => {
  const small = tensor([[[1], [2]], [[3], [4]]]);
  const up = image.resize(small, [4, 4]);
  assert.deepEqual(up.shape, [4, 4, 1]);
  assertClose(up.values, [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4], 1e-6, 'bilinear');
  const row = new Tensor(Float32Array.from([0, 10, 20, 30]), [1, 1, 4, 1]);
  assertClose(image.resize(row, [1, 2]).values, [5, 25], 1e-6, 'bilinear down');
  assert.deepEqual(image.resize(row, [1, 2], { method: 'nearest' }).toFlatArray(), [10, 30]);
  assert.deepEqual(image.resize(new Tensor(Float32Array.from([1, 2]), [1, 2, 1]), [1, 4], { method: 'nearest' }).toFlatArray(), [1, 1, 2, 2]);
  // nearest down then up (the denoise degradation) keeps values from the picture
  const pic = new Tensor(Float32Array.from(range(16)), [4, 4, 1]);
  const back = image.resize(image.resize(pic, [2, 2], { method: 'nearest' }), [4, 4], { method: 'nearest' });
  assert.deepEqual(back.toFlatArray(), [5, 5, 7, 7, 5, 5, 7, 7, 13, 13, 15, 15, 13, 13, 15, 15]);
});

test('colour: adjustSaturation follows TF\'s HSV round trip; adjustBrightness adds', () => {
  const px = tensor([[[0.2, 0.4, 0.8]]]);
  assertClose(image.adjustSaturation(px, 0.5).values, [0.5, 0.6, 0.8], 1e-6, 'half saturation');
  assertClose(image.adjustSaturation(px, 0).values, [0.8, 0.8, 0.8], 1e-6, 'grey');
  assertClose(image.adjustSaturation(px, 1).values, [0.2, 0.4, 0.8], 1e-6, 'identity');
  assertClose(image.adjustSaturation(px, 10).values, [0, 0.8 / 3, 0.8], 1e-6, 'saturation clipped at 1'); // s = 1, hue kept
  assertClose(image.adjustBrightness(px, 0.1).values, [0.3, 0.5, 0.9], 1e-6);
  assert.throws(() => image.adjustSaturation(tensor([[0.1, 0.2]]), 2), /RGB/);
});

test('flipLeftRight mirrors the width; randomCrop takes a contiguous window, reproducibly with a seed', () => {
  const pic = new Tensor(Float32Array.from(range(12)), [2, 3, 2]);
  assert.deepEqual(image.flipLeftRight(pic).toFlatArray(), [4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7]);
  const big = new Tensor(Float32Array.from(range(100)), [10, 10, 1]);
  setSeed(4);
  const a = image.randomCrop(big, [3, 4, 1], { seed: 9 });
  const b = image.randomCrop(big, [3, 4, 1], { seed: 9 });
  setSeed(4);
  assert.deepEqual(image.randomCrop(big, [3, 4, 1], { seed: 9 }).toFlatArray(), a.toFlatArray());
  const v = a.toFlatArray();
  const [y0, x0] = [Math.floor(v[0]! / 10), v[0]! % 10];
  assert.deepEqual(v, range(12).map((i) => (y0 + Math.floor(i / 4)) * 10 + x0 + (i % 4)));
  assert.ok(b.shape.join() === '3,4,1');
  assert.throws(() => image.randomCrop(big, [11, 2, 1]), /does not fit/);
});

interface RefCase { name: string; shape: number[]; scale: number; dataRange: number; a: number[]; b: number[]; ssim: number; psnr: number | null }

test('ssim and psnr match scikit-image (gaussian_weights, σ 1.5, population covariance = tf.image.ssim)', () => {
  const ref = JSON.parse(readFileSync(join(root, 'tools/ssim-reference/reference.json'), 'utf8')) as { cases: RefCase[] };
  assert.ok(ref.cases.length >= 4);
  for (const c of ref.cases) {
    const a = new Tensor(Float32Array.from(c.a, (v) => v / c.scale), c.shape);
    const b = new Tensor(Float32Array.from(c.b, (v) => v / c.scale), c.shape);
    const s = image.ssim(a, b, c.dataRange) as number;
    assert.ok(Math.abs(s - c.ssim) < 1e-5, `${c.name}: ssim ${s} vs skimage ${c.ssim}`);
    const p = image.psnr(a, b, c.dataRange) as number;
    if (c.psnr === null) assert.equal(p, Infinity);
    else assert.ok(Math.abs(p - c.psnr) < 1e-4, `${c.name}: psnr ${p} vs skimage ${c.psnr}`);
  }
  // a batch gives one value per picture
  const one = ref.cases[2]!;
  const x = new Tensor(Float32Array.from([...one.a, ...one.a], (v) => v / 255), [2, ...one.shape]);
  const y = new Tensor(Float32Array.from([...one.b, ...one.a], (v) => v / 255), [2, ...one.shape]);
  const both = image.ssim(x, y, 1) as number[];
  assert.ok(Math.abs(both[0]! - one.ssim) < 1e-5 && Math.abs(both[1]! - 1) < 1e-9);
  assert.throws(() => image.ssim(tensor([[[1]]]), tensor([[[1]]]), 1), /smaller than the 11x11 window/);
  assert.throws(() => image.ssim(x, y, 0), /maxVal/);
});
