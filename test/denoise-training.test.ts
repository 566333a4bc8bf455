/** The denoising class end to end on small pictures: the network restores better than the degraded input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { setSeed } from '../src/tensor/random.js';
import { Adamax } from '../src/train/optimizers/index.js';
import { denoisePipeline, restore } from '../src/tasks/denoise.js';
import { buildDenoiser } from '../src/tasks/denoise-model.js';

/** Smooth random pictures (sums of a few sinusoids): what a small CNN can learn to denoise quickly. */
function smoothPicture(h: number, w: number, seed: number): Tensor {
  const out = new Float32Array(h * w);
  const f = [0.21 + 0.05 * (seed % 3), 0.13 + 0.03 * (seed % 5)];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = 0.5 + 0.35 * Math.sin(f[0]! * x + seed) * Math.cos(f[1]! * y - seed);
  return new Tensor(out, [h, w, 1]);
}

test('a short training on noisy patches restores a held-out picture of another size better than the noisy input (SSIM and PSNR)', async () => {
  setSeed(11);
  const degradation = { kind: 'noise', stddev: 0.15, seed: 3 } as const;
  const ds = denoisePipeline([smoothPicture(32, 32, 1), smoothPicture(32, 32, 2)], { patchSize: 8, degradation, batchSize: 8, shuffleBuffer: 64, seed: 4 });
  const model = buildDenoiser(1);
  model.compile({ optimizer: new Adamax({ learningRate: 0.01 }), loss: 'mae' });
  await model.fit(ds, { epochs: 2, stepsPerEpoch: 20, verbose: 0 });
  const r = restore(model, smoothPicture(20, 28, 5), degradation);
  assert.deepEqual(r.restored.shape, [20, 28, 1]);
  assert.ok(r.ssimRestored > r.ssimDegraded + 0.1, `SSIM ${r.ssimDegraded.toFixed(3)} → ${r.ssimRestored.toFixed(3)}`);
  assert.ok(r.psnrRestored > r.psnrDegraded + 2, `PSNR ${r.psnrDegraded.toFixed(2)} → ${r.psnrRestored.toFixed(2)} dB`);
});
