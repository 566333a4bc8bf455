/**
 * Peer: the lecture autoencoder in TensorFlow.js (@tensorflow/tfjs 'cpu' backend, or
 * @tensorflow/tfjs-backend-wasm with SIMD, threads off as in stock Node), built with the
 * same configuration as deepts: tf.sequential with the same layers (Keras default
 * initialisers), tf.train.adamax(0.001, 0.9, 0.999, 1e-7), meanSquaredError, batch 256,
 * shuffle, validation on the 10k test images.
 *
 * Run as a child process: `node dist/bench/peers/tfjs.js cpu|wasm '<plan json>'`.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { loadMnist } from '../../src/datasets/mnist-node.js';
import { BATCH, RESULT_MARK, measureEpoch, parsePlan, type EpochRunner, type FitTimes } from '../epoch.js';

export type TfjsBackendName = 'cpu' | 'wasm';

async function loadTf(backend: TfjsBackendName): Promise<typeof TF> {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: backend '${backend}' failed to initialise`);
  await tf.ready();
  return tf;
}

function buildModel(tf: typeof TF): TF.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 32, activation: 'relu' }),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 784, activation: 'sigmoid' }),
      tf.layers.reshape({ targetShape: [28, 28] }),
    ],
  });
  model.compile({ optimizer: tf.train.adamax(0.001, 0.9, 0.999, 1e-7), loss: tf.losses.meanSquaredError });
  return model;
}

export async function tfjsRunner(backend: TfjsBackendName): Promise<EpochRunner> {
  const tf = await loadTf(backend);
  const mnist = await loadMnist();
  const xTrain = tf.tensor3d(mnist.train.images, [mnist.train.n, 28, 28]);
  const xTest = tf.tensor3d(mnist.test.images, [mnist.test.n, 28, 28]);
  let model = buildModel(tf);
  const first = (t: TF.Tensor3D, n: number): TF.Tensor3D => t.slice([0, 0, 0], [n, 28, 28]);
  return {
    async reset() {
      model.dispose();
      model = buildModel(tf);
    },
    async train(samples) {
      const x = first(xTrain, samples);
      let begin = 0;
      let lastBatch = 0;
      await model.fit(x, x, {
        epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0,
        callbacks: { onEpochBegin: async () => { begin = performance.now(); }, onBatchEnd: async () => { lastBatch = performance.now(); } },
      });
      x.dispose();
      return (lastBatch - begin) / 1000;
    },
    async validate(samples) {
      const x = first(xTest, samples);
      const t0 = performance.now();
      const loss = model.evaluate(x, x, { batchSize: BATCH }) as TF.Scalar;
      const mse = (await loss.data())[0]!;
      const seconds = (performance.now() - t0) / 1000;
      tf.dispose([x, loss]);
      return { seconds, mse };
    },
    async fit(epochs) {
      const times: FitTimes = { trainSeconds: [], valSeconds: [], valMse: [] };
      let begin = 0;
      let lastBatch = 0;
      await model.fit(xTrain, xTrain, {
        epochs, batchSize: BATCH, shuffle: true, validationData: [xTest, xTest], verbose: 0,
        callbacks: {
          onEpochBegin: async () => { begin = performance.now(); },
          onBatchEnd: async () => { lastBatch = performance.now(); },
          onEpochEnd: async (_epoch, logs) => {
            const end = performance.now();
            times.trainSeconds.push((lastBatch - begin) / 1000);
            times.valSeconds.push((end - lastBatch) / 1000);
            times.valMse.push(Number(logs?.['val_loss'] ?? Number.NaN));
          },
        },
      });
      return times;
    },
    info() {
      return { backend: tf.getBackend(), tfjs: tf.version.tfjs };
    },
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const backend = process.argv[2];
  if (backend !== 'cpu' && backend !== 'wasm') throw new Error(`tfjs peer: backend must be 'cpu' or 'wasm', got '${backend}'`);
  const plan = parsePlan(process.argv[3]);
  const result = await measureEpoch(`tfjs-${backend}`, await tfjsRunner(backend), plan);
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}
