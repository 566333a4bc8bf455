/**
 * The lab page's starter models, trained reproducibly (fixed seed, fixed data) instead of
 * committed as binaries: a small MNIST classifier for the drawing pad and the lecture's
 * autoencoder. `npm install` runs this once (scripts/build-lab.mjs); the result is
 * lab/models/{classifier,autoencoder}/ in the CLI's saved-model format, plus
 * lab/models/starter.json recording the recipe, so a changed recipe retrains.
 *
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Adam, Tensor, buildAutoencoder, buildClassifier, getBackend, setSeed, toCategorical } from '../index.js';
import { loadMnist } from '../datasets/mnist-node.js';
import { saveModel } from '../io/model-io.js';
import { LAB_DIR } from '../io/lab-server.js';

/** Everything that decides the weights; stored next to them. */
export const STARTER_RECIPE = {
  version: 2,
  seed: 1,
  trainImages: 20000,
  classifier: { layers: 'buildClassifier(\'course\'): 128 relu → 128 relu → dropout 0.25 → 10 softmax', optimizer: 'adam 1e-3', batchSize: 128, epochs: 4 },
  autoencoder: { layers: 'buildAutoencoder(): the lecture\'s 128-64-32-64-128-784', optimizer: 'adam 2e-3', batchSize: 128, epochs: 8 },
};

/** Trains both models into `dir` unless the same recipe is already there. Returns whether it trained. */
export async function makeStarterModels(dir = join(LAB_DIR, 'models'), force = false, log: (s: string) => void = console.log): Promise<boolean> {
  const stamp = join(dir, 'starter.json');
  const recipe = JSON.stringify(STARTER_RECIPE, null, 1);
  if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8') === recipe
    && ['classifier', 'autoencoder'].every((m) => existsSync(join(dir, m, 'weights.bin')))) return false;
  const r = STARTER_RECIPE;
  const started = performance.now();
  const mnist = await loadMnist({ limitTrain: r.trainImages, limitTest: 2000 });
  const x = new Tensor(mnist.train.images, [mnist.train.n, 28, 28]);
  const xTest = new Tensor(mnist.test.images, [mnist.test.n, 28, 28]);

  setSeed(r.seed);
  const classifier = buildClassifier('course');
  classifier.compile({ optimizer: new Adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await classifier.fit(x, toCategorical(mnist.train.labels, 10), { epochs: r.classifier.epochs, batchSize: r.classifier.batchSize, verbose: 0 });
  const acc = await classifier.evaluate(xTest, toCategorical(mnist.test.labels, 10), { verbose: 0 }) as number[];

  setSeed(r.seed);
  const autoencoder = buildAutoencoder();
  autoencoder.compile({ optimizer: new Adam({ learningRate: 2e-3 }), loss: 'mse' });
  await autoencoder.fit(x, x, { epochs: r.autoencoder.epochs, batchSize: r.autoencoder.batchSize, verbose: 0 });
  const mse = await autoencoder.evaluate(xTest, xTest, { verbose: 0 }) as number;

  mkdirSync(dir, { recursive: true });
  await saveModel(classifier, join(dir, 'classifier'));
  await saveModel(autoencoder, join(dir, 'autoencoder'));
  writeFileSync(stamp, recipe);
  log(`deepts lab: trained the starter models (seed ${r.seed}, ${r.trainImages} images, ${getBackend().name} backend, ${((performance.now() - started) / 1000).toFixed(1)} s): classifier test accuracy ${(acc[1]! * 100).toFixed(1)}%, autoencoder test MSE ${mse.toFixed(4)}`);
  return true;
}
