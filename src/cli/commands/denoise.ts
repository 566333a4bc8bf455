/**
 * `deepts denoise`: the course's pipeline class — a tf.data-style input pipeline of degraded
 * patches feeding a small fully convolutional network — on colour photographs (train on two,
 * restore the third whole) or on MNIST digits / Fashion-MNIST clothes. Library code: src/tasks/denoise.ts.
 */
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { Tensor, getBackend, setSeed } from '../../index.js';
import { loadMnist } from '../../datasets/mnist-node.js';
import { loadFashionMnist } from '../../datasets/fashion-mnist-node.js';
import { loadBundledPictures } from '../../io/pictures.js';
import { saveModel } from '../../io/model-io.js';
import { EpochTimer } from '../../train/callbacks/epoch-timer.js';
import { imageGrid } from '../../viz/index.js';
import { buildDenoiser } from '../../tasks/denoise-model.js';
import { denoisePipeline, differencePicture, restore, type Degradation, type Restoration } from '../../tasks/denoise.js';
import type { OptionSpecs, OptionsOf } from '../args.js';
import { defineCommand } from '../command.js';
import { MemoryProbe } from '../memory.js';
import { writePictures, wroteLine } from '../output.js';

export const denoiseOptions = {
  dataset: { type: 'string', default: 'pictures', choices: ['pictures', 'mnist', 'fashion'], help: "'pictures': train on astronaut + coffee, restore chelsea (colour); 'mnist': digits, 'fashion': Fashion-MNIST clothes (grayscale)" },
  degradation: { type: 'string', default: 'noise', choices: ['noise', 'downres'], help: "'noise': add Gaussian noise and clip to [0, 1]; 'downres': nearest-neighbour down and back up" },
  noise: { type: 'number', default: 0.1, min: 0, help: 'standard deviation of the added noise (pixels in [0, 1])' },
  factor: { type: 'int', default: 2, min: 2, help: 'down-res factor' },
  patch: { type: 'int', min: 4, help: 'patch side in pixels (default: 32 for pictures, 28 = whole digits for mnist)' },
  epochs: { type: 'int', default: 4, min: 1, help: 'training epochs' },
  steps: { type: 'int', default: 25, min: 1, help: 'batches per epoch (stepsPerEpoch: the pipeline repeats forever)' },
  'batch-size': { type: 'int', default: 32, min: 1, help: 'patches per batch' },
  'shuffle-buffer': { type: 'int', default: 1024, min: 1, help: 'shuffle buffer size (elements)' },
  limit: { type: 'int', default: 2000, min: 1, help: 'mnist / fashion: training pictures used' },
  seed: { type: 'int', default: 42, help: 'random seed (weights, shuffling, noise): same seed, same result' },
  out: { type: 'string', default: 'denoise-out', help: 'folder for the grid picture and the saved model' },
  verbose: { type: 'int', default: 1, min: 0, help: 'progress output: 0 silent, 1 progress bar, 2 one line per epoch' },
} as const satisfies OptionSpecs;

type Options = OptionsOf<typeof denoiseOptions>;

async function trainingData(o: Options): Promise<{ train: Tensor[]; heldOut: { name: string; picture: Tensor }[]; channels: number; patch: number }> {
  if (o.dataset === 'mnist' || o.dataset === 'fashion') {
    const mnist = o.dataset === 'fashion' ? await loadFashionMnist() : await loadMnist();
    const what = o.dataset === 'fashion' ? 'test picture' : 'test digit';
    const digits = (images: Float32Array, from: number, n: number): Tensor[] =>
      Array.from({ length: n }, (_, i) => new Tensor(images.slice((from + i) * 784, (from + i + 1) * 784), [28, 28, 1]));
    return { train: digits(mnist.train.images, 0, Math.min(o.limit, mnist.train.n)), heldOut: digits(mnist.test.images, 0, 8).map((picture, i) => ({ name: `${what} ${i}`, picture })), channels: 1, patch: o.patch ?? 28 };
  }
  const pictures = loadBundledPictures();
  const heldOut = pictures.filter((p) => p.name === 'chelsea');
  return { train: pictures.filter((p) => p.name !== 'chelsea').map((p) => p.picture), heldOut, channels: 3, patch: o.patch ?? 32 };
}

function describe(d: Degradation): string {
  return d.kind === 'noise' ? `Gaussian noise σ ${d.stddev}` : `down-res ×${d.factor} (nearest down, nearest up)`;
}

export async function runDenoise(o: Options): Promise<void> {
  setSeed(o.seed);
  const outDir = resolve(o.out);
  mkdirSync(outDir, { recursive: true });
  const verbose = Math.min(2, o.verbose) as 0 | 1 | 2;
  const { train, heldOut, channels, patch } = await trainingData(o);
  const degradation: Degradation = o.degradation === 'noise' ? { kind: 'noise', stddev: o.noise, seed: o.seed } : { kind: 'downres', factor: o.factor };
  console.log(`Denoising (${describe(degradation)}): ${train.length} training pictures → ${patch}×${patch} patches; ${heldOut.length} held out (restored whole)`);
  const ds = denoisePipeline(train, { patchSize: patch, degradation, shuffleBuffer: o.shuffleBuffer, batchSize: o.batchSize, seed: o.seed });
  console.log(`Pipeline: ${ds}`);

  const model = buildDenoiser(channels);
  model.summary();
  model.compile({ optimizer: 'adamax', loss: 'mae' });
  const timer = new EpochTimer();
  const memory = new MemoryProbe();
  await model.fit(ds, { epochs: o.epochs, stepsPerEpoch: o.steps, verbose, callbacks: [timer, memory] });
  console.log(`Time: ${timer.meanSeconds.toFixed(2)} s per epoch on the ${getBackend().name} backend; memory: ${memory.report()}`);

  const results: Restoration[] = heldOut.map((h) => restore(model, h.picture, degradation));
  const mean = (f: (r: Restoration) => number): number => results.reduce((s, r) => s + f(r), 0) / results.length;
  console.log('\nHeld-out pictures           SSIM          PSNR (dB)');
  console.log('                      degraded restored  degraded restored');
  results.forEach((r, i) => console.log(`  ${heldOut[i]!.name.padEnd(18)}  ${r.ssimDegraded.toFixed(4)}   ${r.ssimRestored.toFixed(4)}   ${r.psnrDegraded.toFixed(2).padStart(6)}   ${r.psnrRestored.toFixed(2).padStart(6)}`));
  if (results.length > 1) console.log(`  ${'mean'.padEnd(18)}  ${mean((r) => r.ssimDegraded).toFixed(4)}   ${mean((r) => r.ssimRestored).toFixed(4)}   ${mean((r) => r.psnrDegraded).toFixed(2).padStart(6)}   ${mean((r) => r.psnrRestored).toFixed(2).padStart(6)}`);

  // One row per kind of picture, one column per held-out picture (they share a size within a dataset).
  const [h, w] = heldOut[0]!.picture.shape;
  const rows = [results.map((r) => r.degraded), results.map((r) => r.restored), results.map((r) => r.clean), results.map((r) => differencePicture(r))];
  const grid = imageGrid({
    rows: rows.map((row) => row.map((t) => t.values)), width: w!, height: h!, channels: channels === 3 ? 3 : 1, scale: channels === 3 ? 1 : 3,
    rowLabels: ['Degraded', 'Restored', 'Ground truth', '|Difference| x4'],
    title: `Denoising: SSIM ${mean((r) => r.ssimDegraded).toFixed(3)} -> ${mean((r) => r.ssimRestored).toFixed(3)}, PSNR ${mean((r) => r.psnrDegraded).toFixed(1)} -> ${mean((r) => r.psnrRestored).toFixed(1)} dB`,
  });
  const files = writePictures(outDir, { 'denoise-grid.png': grid });
  await saveModel(model, join(outDir, 'model'));
  console.log(`${wroteLine(files)}, and the model in ${join(outDir, 'model')}`);
}

export const command = defineCommand({
  summary: "the course's denoising class: a tf.data-style patch pipeline feeding a fully convolutional network; SSIM/PSNR and a picture grid",
  usage: 'deepts denoise [options]',
  maxPositional: 0,
  options: denoiseOptions,
  run: (o) => runDenoise(o),
});
