/**
 * The page's training worker: deepts/core on the WASM backend, off the page's main thread,
 * so the page never freezes (loading MNIST, fit's input checks and every batch run here).
 * Pause holds fit inside a batch-end callback until 'resume'; stop sets model.stopTraining.
 */
import {
  Adagrad, Adam, Adamax, Dense, Flatten, InputLayer, RMSprop, Reshape, SGD, Sequential, Tensor,
  confusionMatrix, getBackend, type Layer, type Logs, predictedLabels, ready, setSeed, toCategorical, type Optimizer,
} from 'deepts/core';
import { loadMnistPart, type MnistPart } from './mnist';
import { modelFromFiles, modelToFiles } from './model-files';
import type { FromWorker, ToWorker, TrainSettings } from './protocol';
// Written by scripts/build-lab.mjs from deepts' generated module; Vite serves them as files.
import singleWasmUrl from '../.generated/deepts-kernels.wasm?url';
import threadedWasmUrl from '../.generated/deepts-kernels-mt.wasm?url';
import singleRelaxedWasmUrl from '../.generated/deepts-kernels-relaxed.wasm?url';
import threadedRelaxedWasmUrl from '../.generated/deepts-kernels-mt-relaxed.wasm?url';

const scope = self as unknown as { postMessage(m: FromWorker, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null; location: Location };
const post = (m: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(m, transfer);

// One hardware thread stays with the page's main thread, so drawing and scrolling never wait for GEMM.
const at = (url: string): URL => new URL(url, import.meta.url);
const wasmFiles = {
  single: at(singleWasmUrl), threaded: at(threadedWasmUrl), singleRelaxed: at(singleRelaxedWasmUrl), threadedRelaxed: at(threadedRelaxedWasmUrl),
};
const backend = ready({ threads: Math.max(1, (navigator.hardwareConcurrency || 1) - 1), wasmFiles }).then((name) => {
  const facts = getBackend().describe?.() ?? {};
  post({ type: 'backend', name, threads: Number(facts['threads'] ?? 1) });
});

let paused = false;
let resume: (() => void) | null = null;
let stopRequested = false;
let probe: Float32Array | null = null;
let busy = false;
const PREVIEW_COUNT = 8;
const PREVIEW_EVERY_MS = 250;

export function buildModel(s: TrainSettings): Sequential {
  const act = s.activation;
  const layers: Layer[] = [new InputLayer({ shape: [28, 28] }), new Flatten()];
  if (s.kind === 'classifier') {
    for (const u of s.hidden) layers.push(new Dense(u, { activation: act }));
    layers.push(new Dense(10, { activation: 'softmax' }));
  } else {
    for (const u of s.hidden) layers.push(new Dense(u, { activation: act }));
    for (const u of s.hidden.slice(0, -1).reverse()) layers.push(new Dense(u, { activation: act }));
    layers.push(new Dense(784, { activation: 'sigmoid' }), new Reshape([28, 28]));
  }
  return new Sequential(layers, { name: s.kind });
}

function optimizerOf(s: TrainSettings): Optimizer {
  const learningRate = s.learningRate;
  switch (s.optimizer) {
    case 'adam': return new Adam({ learningRate });
    case 'adamax': return new Adamax({ learningRate });
    case 'sgd': return new SGD({ learningRate });
    case 'rmsprop': return new RMSprop({ learningRate });
    case 'adagrad': return new Adagrad({ learningRate });
  }
}

function previewBatch(test: MnistPart): { inputs: Float32Array; count: number } {
  const count = PREVIEW_COUNT + (probe ? 1 : 0);
  const inputs = new Float32Array(count * 784);
  inputs.set(test.images.subarray(0, PREVIEW_COUNT * 784));
  if (probe) inputs.set(probe, PREVIEW_COUNT * 784);
  return { inputs, count };
}

function sendPreview(model: Sequential, test: MnistPart): void {
  const { inputs, count } = previewBatch(test);
  const out = model.predict(new Tensor(inputs, [count, 28, 28])).data as Float32Array;
  const outputs = Float32Array.from(out);
  post({ type: 'preview', inputs, outputs, count, width: outputs.length / count }, [inputs.buffer, outputs.buffer]);
}

async function train(s: TrainSettings): Promise<void> {
  await backend;
  post({ type: 'status', text: `loading ${s.trainSize} training and ${s.valSize} test images…` });
  const base = scope.location.origin;
  const [trainPart, testPart] = await Promise.all([loadMnistPart('train', s.trainSize, base), loadMnistPart('test', Math.max(s.valSize, PREVIEW_COUNT), base)]);
  setSeed(s.seed);
  const model = buildModel(s);
  const classifier = s.kind === 'classifier';
  model.compile({ optimizer: optimizerOf(s), loss: classifier ? 'categoricalCrossentropy' : 'mse', metrics: classifier ? ['accuracy'] : [] });
  const x = new Tensor(trainPart.images, [trainPart.n, 28, 28]);
  const y = classifier ? toCategorical(trainPart.labels, 10) : x;
  const valN = Math.min(s.valSize, testPart.n);
  const xVal = new Tensor(testPart.images.slice(0, valN * 784), [valN, 28, 28]);
  const yVal = classifier ? toCategorical(testPart.labels.slice(0, valN), 10) : xVal;
  const steps = Math.ceil(trainPart.n / s.batchSize);
  post({ type: 'status', text: `training on ${trainPart.n} images, ${steps} batches per epoch` });
  let epoch = 0;
  let lastPreview = 0;
  let epochStart = performance.now();
  sendPreview(model, testPart);
  await model.fit(x, y, {
    epochs: s.epochs, batchSize: s.batchSize, shuffle: true, validationData: [xVal, yVal], verbose: 0,
    callbacks: [{
      onEpochBegin: (e: number) => { epoch = e; epochStart = performance.now(); },
      onBatchEnd: async (step: number, logs?: Logs) => {
        post({ type: 'batch', epoch, step, steps, loss: logs!['loss']! });
        const now = performance.now();
        if (now - lastPreview > PREVIEW_EVERY_MS) {
          lastPreview = now;
          sendPreview(model, testPart);
        }
        if (paused) {
          post({ type: 'paused' });
          await new Promise<void>((ok) => { resume = ok; });
          post({ type: 'resumed' });
        }
        if (stopRequested) model.stopTraining = true;
      },
      onEpochEnd: (e: number, logs?: Logs) => {
        post({
          type: 'epoch', epoch: e, loss: logs!['loss']!, valLoss: logs!['val_loss']!, seconds: (performance.now() - epochStart) / 1000,
          ...(classifier ? { accuracy: logs!['accuracy']!, valAccuracy: logs!['val_accuracy']! } : {}),
        });
        sendPreview(model, testPart);
      },
    }],
  });
  const files = modelToFiles(model);
  post({ type: 'done', model: files, stopped: stopRequested }, [files.weights]);
}

async function confusion(files: { json: string; weights: ArrayBuffer }, count: number): Promise<void> {
  await backend;
  const model = modelFromFiles(files);
  const test = await loadMnistPart('test', count, scope.location.origin);
  const probs = model.predict(new Tensor(test.images, [test.n, 28, 28]), { batchSize: 256 });
  const predicted = predictedLabels(probs);
  const matrix = confusionMatrix(test.labels, predicted, 10);
  const right = matrix.reduce((s, r, i) => s + r[i]!, 0);
  post({ type: 'confusion', matrix, accuracy: right / test.n, count: test.n });
}

/** The lecture's recap: a small network fitted to points, its curve sent every few epochs. */
async function regress(m: Extract<ToWorker, { type: 'regress' }>): Promise<void> {
  await backend;
  setSeed(7);
  const model = new Sequential([
    new Dense(m.units, { inputShape: [1], activation: m.activation }), new Dense(m.units, { activation: m.activation }), new Dense(1),
  ]);
  model.compile({ optimizer: new Adam({ learningRate: m.learningRate }), loss: 'mse' });
  const x = new Tensor(Float32Array.from(m.xs), [m.xs.length, 1]);
  const y = new Tensor(Float32Array.from(m.ys), [m.ys.length, 1]);
  const grid = Array.from({ length: 101 }, (_, i) => i / 100);
  const gx = new Tensor(Float32Array.from(grid), [grid.length, 1]);
  let last = 0;
  stopRequested = false;
  await model.fit(x, y, {
    epochs: m.epochs, batchSize: 32, verbose: 0,
    callbacks: [{
      onEpochEnd: (epoch: number, logs?: Logs) => {
        const now = performance.now();
        if (now - last < 60 && epoch < m.epochs - 1) return;
        last = now;
        post({ type: 'regression', epoch, loss: logs!['loss']!, grid, curve: Array.from(model.predict(gx).data) });
        if (stopRequested) model.stopTraining = true;
      },
    }],
  });
}

async function run(job: () => Promise<void>): Promise<void> {
  if (busy) {
    post({ type: 'error', message: 'the worker is busy: stop the running job first' });
    return;
  }
  busy = true;
  try {
    await job();
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  } finally {
    busy = false;
  }
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'train':
      // A pause or stop pressed while MNIST loads applies at the first batch.
      if (!busy) [paused, stopRequested] = [false, false];
      void run(() => train(m.settings));
      break;
    case 'confusion': void run(() => confusion(m.model, m.count)); break;
    case 'regress': void run(() => regress(m)); break;
    case 'probe': probe = m.pixels; break;
    case 'pause': paused = true; break;
    case 'resume':
      paused = false;
      resume?.();
      resume = null;
      break;
    case 'stop':
      stopRequested = true;
      paused = false;
      resume?.();
      resume = null;
      break;
  }
};
