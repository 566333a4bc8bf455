/**
 * `deepts autoencoder`: the lecture's dense MNIST autoencoder, exactly as configured there:
 *   Flatten → 128 relu → 64 relu → 32 relu → 64 relu → 128 relu → 784 sigmoid → Reshape(28, 28)
 *   compile(optimizer='adamax', loss='mse'); fit(epochs=17, batch_size=256, shuffle=True,
 *   validation_data=(x_test, x_test))
 */
import { TerminateOnNaN } from '../../train/callbacks/terminate-on-nan.js';
import { join } from 'node:path';
import { Tensor, ops, getBackend } from '../../index.js';
import { buildAutoencoder } from '../../models/mnist-models.js';
import { EpochTimer } from '../../train/callbacks/epoch-timer.js';
import { saveModel } from '../../io/model-io.js';
import { imageGrid, lineChart } from '../../viz/index.js';
import type { OptionSpecs, OptionsOf } from '../args.js';
import { defineCommand } from '../command.js';
import { MemoryProbe } from '../memory.js';
import { startMnistRun } from '../mnist-run.js';
import { writePictures, wroteLine } from '../output.js';

export const autoencoderOptions = {
  epochs: { type: 'int', default: 17, min: 1, help: 'training epochs' },
  'batch-size': { type: 'int', default: 256, min: 1, help: 'samples per gradient step' },
  seed: { type: 'int', default: 42, help: 'random seed (weights, shuffling): same seed, same result' },
  out: { type: 'string', default: 'autoencoder-out', help: 'folder for reconstructions.png, loss-curve.png and the saved model' },
  limit: { type: 'int', min: 1, help: 'train on only the first N training images (validation still uses all 10,000 test images)' },
  verbose: { type: 'int', default: 1, min: 0, help: 'progress output: 0 silent, 1 progress bar, 2 one line per epoch' },
} as const satisfies OptionSpecs;

export async function runAutoencoder(o: OptionsOf<typeof autoencoderOptions>): Promise<void> {
  const { epochs, batchSize } = o;
  const { outDir, verbose, xTrain, xTest } = await startMnistRun(o);

  const model = buildAutoencoder();
  model.summary();
  model.compile({ optimizer: 'adamax', loss: 'mse' });

  const memory = new MemoryProbe();
  const timer = new EpochTimer();
  const started = performance.now();
  const history = await model.fit(xTrain, xTrain, {
    epochs, batchSize, shuffle: true, validationData: [xTest, xTest], verbose, callbacks: [new TerminateOnNaN({ raise: true }), timer, memory],
  });
  const seconds = (performance.now() - started) / 1000;

  const valLoss = history.history['val_loss'] ?? [];
  const finalVal = valLoss[valLoss.length - 1]!;
  console.log(`\nFinal validation MSE: ${finalVal.toFixed(4)} (after ${epochs} epochs)`);
  console.log(`Compression factor: 28×28 / 32 = 784 / 32 = ${(784 / 32).toFixed(1)} (~25×)`);
  console.log(`Time: ${seconds.toFixed(1)} s in all, ${timer.meanSeconds.toFixed(2)} s per epoch (training + validation) on the ${getBackend().name} backend`);
  console.log(`Memory: ${memory.report()}`);

  // Pictures: originals over reconstructions (the lecture's result plot), and the loss curves.
  const shown = 10;
  const originals = ops.slice(xTest, [0, 0, 0], [shown, 28, 28]);
  const decoded = model.predict(originals);
  const images = (t: Tensor): Float32Array[] => Array.from({ length: shown }, (_, i) => t.values.subarray(i * 784, (i + 1) * 784));
  const grid = imageGrid({ rows: [images(originals), images(decoded)], width: 28, height: 28, scale: 3, rowLabels: ['Original', 'Reconstructed'], title: `Autoencoder reconstructions (val MSE ${finalVal.toFixed(4)})` });
  const curve = lineChart({
    series: [{ name: 'loss', values: history.history['loss'] ?? [] }, { name: 'val_loss', values: valLoss }],
    title: 'Autoencoder training: MSE per epoch', xLabel: 'epoch', yLabel: 'mean squared error',
  });
  const files = writePictures(outDir, { 'reconstructions.png': grid, 'loss-curve.png': curve });
  await saveModel(model, join(outDir, 'model'));
  console.log(`${wroteLine(files)}, and the model in ${join(outDir, 'model')}`);
}

export const command = defineCommand({
  summary: "train the lecture's MNIST autoencoder; save reconstructions, loss curves and the model",
  usage: 'deepts autoencoder [options]',
  maxPositional: 0,
  options: autoencoderOptions,
  run: (o) => runAutoencoder(o),
});
