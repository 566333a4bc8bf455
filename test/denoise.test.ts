/** The denoising class's pipeline (src/tasks/denoise.ts): patches, degradations, the batched stream. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { setSeed } from '../src/tensor/random.js';
import { INFINITE_CARDINALITY } from '../src/data/dataset/index.js';
import { degrade, denoisePipeline, picturePatches } from '../src/tasks/denoise.js';

const picture = (h: number, w: number, c: number, offset = 0): Tensor =>
  new Tensor(Float32Array.from({ length: h * w * c }, (_, i) => ((i + offset) % 97) / 97), [h, w, c]);

test('picturePatches: non-overlapping patches with TF\'s SAME zero-padding', () => {
  const pic = picture(5, 7, 3);
  const p = picturePatches(pic, 4);
  assert.deepEqual(p.shape, [4, 4, 4, 3]);
  const at = (t: Tensor, ...i: number[]): number => t.data[((i[0]! * t.shape[1]! + i[1]!) * t.shape[2]! + i[2]!) * (t.shape[3] ?? 1) + (i[3] ?? 0)]!;
  // TF's SAME split: height 5 → 3 padding rows, 1 on top and 2 below; width 7 → 1 padding column, on the right
  const px = (y: number, x: number, ch: number): number => pic.data[(y * 7 + x) * 3 + ch]!;
  assert.equal(at(p, 0, 0, 1, 0), 0, 'top padding row');
  assert.equal(at(p, 0, 2, 3, 1), px(1, 3, 1));
  assert.equal(at(p, 1, 1, 0, 0), px(0, 4, 0));
  assert.equal(at(p, 1, 1, 3, 0), 0, 'right padding column');
  assert.equal(at(p, 3, 1, 0, 2), px(4, 4, 2));
  assert.equal(at(p, 3, 2, 0, 2), 0, 'bottom padding row');
});

test('degrade: seeded Gaussian noise clipped to [0, 1]; down-res is block-constant', () => {
  const pic = picture(6, 6, 1);
  setSeed(3);
  const a = degrade(pic, { kind: 'noise', stddev: 0.2, seed: 5 });
  setSeed(3);
  const b = degrade(pic, { kind: 'noise', stddev: 0.2, seed: 5 });
  assert.deepEqual(a.toFlatArray(), b.toFlatArray());
  assert.ok(a.values.every((v) => v >= 0 && v <= 1));
  const diff = a.values.reduce((s, v, i) => s + (v - pic.values[i]!) ** 2, 0) / a.size;
  assert.ok(diff > 0.005 && diff < 0.06, `noise power ${diff}`);
  const d = degrade(pic, { kind: 'downres', factor: 2 });
  for (let y = 0; y < 6; y += 2) for (let x = 0; x < 6; x += 2) {
    const v = d.data[y * 6 + x]!;
    assert.deepEqual([d.data[y * 6 + x + 1], d.data[(y + 1) * 6 + x], d.data[(y + 1) * 6 + x + 1]], [v, v, v]);
  }
  assert.throws(() => degrade(pic, { kind: 'downres', factor: 1 }), /factor/);
});

test('denoisePipeline: an endless stream of [degraded, clean] batches of patches from every picture', async () => {
  setSeed(1);
  const pics = [picture(8, 8, 3), picture(8, 12, 3, 50)];
  const ds = denoisePipeline(pics, { patchSize: 4, degradation: { kind: 'noise', stddev: 0.1, seed: 2 }, batchSize: 5, shuffleBuffer: 16, seed: 7 });
  assert.equal(ds.cardinality(), INFINITE_CARDINALITY);
  const batches = await ds.take(8).toArray();
  for (const [noisy, clean] of batches) {
    assert.deepEqual(noisy.shape, [5, 4, 4, 3]);
    assert.deepEqual(clean.shape, [5, 4, 4, 3]);
    assert.notDeepEqual(noisy.toFlatArray(), clean.toFlatArray());
  }
  // 4 + 6 = 10 distinct patches per pass; 40 drawn patches show all of them
  const seen = new Set(batches.flatMap(([, clean]) => Array.from({ length: 5 }, (_, i) => clean.values.subarray(i * 48, (i + 1) * 48).join(','))));
  assert.equal(seen.size, 10);
  assert.throws(() => denoisePipeline([], { patchSize: 4, degradation: { kind: 'downres', factor: 2 } }), /no pictures/);
});
