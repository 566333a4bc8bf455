/**
 * The course's denoising class as library functions (`deepts denoise` is a thin shell over them):
 *   pictures → float → non-overlapping patches (extractPatches, SAME) → flatMap → map(degrade)
 *   → repeat().shuffle(1024).batch(32).prefetch(AUTOTUNE) → a fully convolutional CNN
 *   (Conv2D 32 → 64 → channels, 3×3, same, relu; the last one linear), adamax, loss mae, stepsPerEpoch;
 *   then SSIM and PSNR of degraded vs restored on held-out pictures.
 * Because the model is fully convolutional (input [null, null, channels]), it is trained on
 * small patches and restores whole pictures of any size.
 */
import { Tensor } from '../tensor/tensor.js';
import { randomNormal } from '../tensor/random.js';
import { ops } from '../autograd/index.js';
import type { Model } from '../models/model.js';
import { Dataset, AUTOTUNE } from '../data/dataset/index.js';
import * as image from '../data/image/index.js';

/** How the clean pictures are spoiled: additive Gaussian noise (clipped to [0, 1]) or a nearest-neighbour down-res and back up. */
export type Degradation = { kind: 'noise'; stddev: number; seed?: number } | { kind: 'downres'; factor: number };

/** Degrades one picture [H, W, C] (or a batch [N, H, W, C]) with values in [0, 1]. */
export function degrade(picture: Tensor, d: Degradation): Tensor {
  if (d.kind === 'noise') {
    if (!(d.stddev >= 0)) throw new Error(`degrade: noise stddev must be >= 0, got ${d.stddev}`);
    return ops.clip(ops.add(picture, randomNormal(picture.shape, { stddev: d.stddev, seed: d.seed })), 0, 1);
  }
  if (!Number.isInteger(d.factor) || d.factor < 2) throw new Error(`degrade: the down-res factor must be an integer >= 2, got ${d.factor}`);
  const [h, w] = picture.rank === 4 ? picture.shape.slice(1, 3) : picture.shape.slice(0, 2);
  const small = image.resize(picture, [Math.max(1, Math.floor(h! / d.factor)), Math.max(1, Math.floor(w! / d.factor))], { method: 'nearest' });
  return image.resize(small, [h!, w!], { method: 'nearest' });
}

/** Non-overlapping patchSize×patchSize patches of one picture [H, W, C] (SAME: the border patches are zero-padded). */
export function picturePatches(picture: Tensor, patchSize: number): Tensor {
  const c = picture.shape[2]!;
  const p = image.extractPatches(ops.expandDims(picture, 0), { sizes: [1, patchSize, patchSize, 1], strides: [1, patchSize, patchSize, 1], padding: 'SAME' });
  return ops.reshape(p, [-1, patchSize, patchSize, c]);
}

export interface DenoisePipelineOptions {
  patchSize: number;
  degradation: Degradation;
  shuffleBuffer?: number;
  batchSize?: number;
  seed?: number;
}

/**
 * The lecture-5 input pipeline: an endless, shuffled stream of [degraded, clean] patch batches.
 * Pictures may differ in size; values in [0, 1], channels last.
 */
export function denoisePipeline(pictures: readonly Tensor[], o: DenoisePipelineOptions): Dataset<[Tensor, Tensor]> {
  if (pictures.length === 0) throw new Error('denoisePipeline: no pictures to train on');
  pictures.forEach((p, i) => {
    if (p.rank !== 3) throw new Error(`denoisePipeline: picture ${i} has shape [${p.shape.join(', ')}], expected [height, width, channels]`);
  });
  return Dataset.fromGenerator(() => pictures)
    .map((picture) => picturePatches(picture, o.patchSize))
    .flatMap((patches) => Dataset.fromTensorSlices(patches))
    .map((clean): [Tensor, Tensor] => [degrade(clean, o.degradation), clean])
    .repeat()
    .shuffle(o.shuffleBuffer ?? 1024, { seed: o.seed })
    .batch(o.batchSize ?? 32)
    .prefetch(AUTOTUNE) as Dataset<[Tensor, Tensor]>;
}

export interface Restoration {
  degraded: Tensor;
  restored: Tensor;
  clean: Tensor;
  /** SSIM / PSNR against the clean picture, before and after the model. */
  ssimDegraded: number;
  ssimRestored: number;
  psnrDegraded: number;
  psnrRestored: number;
}

/** Degrades a held-out picture, restores it with the model (whole picture at once), and measures both against the truth. */
export function restore(model: Model, clean: Tensor, d: Degradation): Restoration {
  const degraded = degrade(clean, d);
  const out = model.predict(ops.expandDims(degraded, 0)) as Tensor;
  const restored = ops.clip(ops.reshape(out, clean.shape), 0, 1);
  return {
    degraded, restored, clean,
    ssimDegraded: image.ssim(degraded, clean, 1) as number,
    ssimRestored: image.ssim(restored, clean, 1) as number,
    psnrDegraded: image.psnr(degraded, clean, 1) as number,
    psnrRestored: image.psnr(restored, clean, 1) as number,
  };
}

/** |restored − clean|, amplified (×4, clipped to 1) so small errors show in a picture. */
export function differencePicture(r: Restoration, gain = 4): Tensor {
  return ops.clip(ops.mul(ops.abs(ops.sub(r.restored, r.clean)), gain), 0, 1);
}
