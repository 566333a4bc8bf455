/**
 * `deepts cnn`: Keras' "simple MNIST convnet" on MNIST or Fashion-MNIST —
 *   Conv2D(32, 3×3, relu) → MaxPooling2D(2) → Conv2D(64, 3×3, relu) → MaxPooling2D(2)
 *   → Flatten → Dropout(0.5) → Dense(10, softmax); adam, batch 128,
 * validated on the 10,000 test pictures after each epoch. Prints the resident memory
 * after every epoch (flat after epoch 1: no leak), then the same report and pictures as
 * `deepts classify` (shared code), plus the first layer's 32 filters and one test
 * picture's feature maps.
 */
import { TerminateOnNaN } from '../../train/callbacks/terminate-on-nan.js';
import { Adam, Conv2D, LambdaCallback, MaxPooling2D, Tensor, type Sequential } from '../../index.js';
import { CosineDecay } from '../../train/optimizers/schedules.js';
import { buildConvnet } from '../../models/mnist-models.js';
import { EpochTimer } from '../../train/callbacks/epoch-timer.js';
import { Raster, imageGrid } from '../../viz/index.js';
import type { OptionSpecs, OptionsOf } from '../args.js';
import { defineCommand } from '../command.js';
import { MemoryProbe } from '../memory.js';
import { startMnistRun, type MnistDataset, type MnistRun } from '../mnist-run.js';
import { reportClassifier } from '../classifier-report.js';

export const cnnOptions = {
  dataset: { type: 'string', default: 'mnist', choices: ['mnist', 'fashion'], help: "'mnist' digits, or 'fashion' (Fashion-MNIST from Debian's dataset-fashion-mnist)" },
  model: { type: 'string', default: 'simple', choices: ['simple', 'wide'], help: "'simple': Keras' example (34,826 parameters); 'wide': + Conv2D(128) and Dense(128) (241,546 parameters)" },
  'lr-schedule': { type: 'string', default: 'constant', choices: ['cosine', 'constant'], help: "adam's learning rate: 1e-3 decayed to 0 along a cosine over the run (CosineDecay), or a constant 1e-3 (Keras' example)" },
  'batch-norm': { type: 'flag', help: 'Conv2D → BatchNormalization → relu in place of Conv2D(relu)' },
  augment: { type: 'flag', help: 'random changes of the training pictures: rotations, zooms and shifts of digits; mirror images and whole-pixel shifts of clothes' },
  epochs: { type: 'int', default: 15, min: 1, help: "training epochs (Keras' example: 15)" },
  'batch-size': { type: 'int', default: 128, min: 1, help: 'samples per gradient step' },
  seed: { type: 'int', default: 42, help: 'random seed (weights, shuffling, dropout, augmentation): same seed, same result' },
  out: { type: 'string', default: 'cnn-out', help: 'folder for the pictures and the saved model' },
  limit: { type: 'int', min: 1, help: 'train on only the first N training images (the test set stays all 10,000)' },
  'test-limit': { type: 'int', min: 1, help: 'validate and test on only the first N test images (quick trials; accuracies are then not comparable)' },
  verbose: { type: 'int', default: 1, min: 0, help: 'progress output: 0 silent, 1 progress bar, 2 one line per epoch' },
} as const satisfies OptionSpecs;

export interface CnnSummary {
  dataset: MnistDataset;
  epochs: number;
  trainImages: number;
  testAccuracy: number;
  top3Accuracy: number;
  testLoss: number;
  seconds: number;
  secondsPerEpoch: number;
  files: string[];
}

/** [n, 28, 28] → [n, 28, 28, 1]: the channel axis a convnet expects (Keras' np.expand_dims(x, -1)). */
const withChannel = (x: Tensor): Tensor => new Tensor(x.values, [x.shape[0]!, 28, 28, 1]);

export async function runCnn(o: OptionsOf<typeof cnnOptions>, print: (line: string) => void = console.log): Promise<CnnSummary> {
  const run = await startMnistRun({ ...o, dataset: o.dataset }, print);
  const { mnist, verbose } = run;
  const { epochs, batchSize } = o;
  const xTrain = withChannel(run.xTrain);
  const xTest = withChannel(run.xTest);
  const yTrain = new Tensor(mnist.train.labels, [mnist.train.n]);
  const yTest = new Tensor(mnist.test.labels, [mnist.test.n]);

  const augment = o.augment === true;
  const model = buildConvnet({ model: o.model === 'wide' ? 'wide' : 'simple', augment, flip: run.dataset === 'fashion', batchNorm: o.batchNorm === true });
  model.summary(print);
  const steps = Math.ceil(mnist.train.n / batchSize) * epochs;
  const learningRate = o.lrSchedule === 'cosine' ? new CosineDecay({ initialLearningRate: 1e-3, decaySteps: steps }) : 1e-3;
  model.compile({ optimizer: new Adam({ learningRate }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const timer = new EpochTimer();
  const memory = new MemoryProbe();
  // After each epoch: its time and the resident memory (flat after epoch 1 means nothing leaks).
  const rss = new LambdaCallback({
    onEpochEnd: (epoch) => print(`  epoch ${epoch + 1}: ${timer.seconds[epoch]?.toFixed(1)} s, RSS ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MB`),
  });
  const started = performance.now();
  const history = await model.fit(xTrain, yTrain, { epochs, batchSize, shuffle: true, validationData: [xTest, yTest], verbose, callbacks: [new TerminateOnNaN({ raise: true }), timer, memory, rss] });
  const seconds = (performance.now() - started) / 1000;

  const result = await reportClassifier({
    model, run, xTest, lossTargets: yTest, history: history.history, timer, memory, seconds,
    modelLabel: augment ? 'convnet, augmented' : 'convnet', print,
    extraPictures: () => ({ 'filters.png': filterPicture(model), 'feature-maps.png': featureMapPicture(model, run, xTest) }),
  });
  return {
    dataset: run.dataset, epochs: timer.epochs, trainImages: mnist.train.n, testAccuracy: result.testAccuracy, top3Accuracy: result.top3Accuracy,
    testLoss: result.testLoss, seconds, secondsPerEpoch: timer.meanSeconds, files: result.files,
  };
}

/** Map c of an [h, w, channels] block, scaled to [0, 1] (0 → mid-gray when the values have both signs). */
function channelImage(values: Float32Array, pixels: number, channels: number, c: number): Float32Array {
  const out = new Float32Array(pixels);
  let lo = Infinity, hi = -Infinity;
  for (let p = 0; p < pixels; p++) {
    const v = values[p * channels + c]!;
    out[p] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo < 0) {
    const m = Math.max(-lo, hi, 1e-12);
    for (let p = 0; p < pixels; p++) out[p] = 0.5 + out[p]! / (2 * m);
  } else {
    const m = Math.max(hi, 1e-12);
    for (let p = 0; p < pixels; p++) out[p] = out[p]! / m;
  }
  return out;
}

const rowsOf = <T>(items: T[], perRow: number): T[][] => Array.from({ length: Math.ceil(items.length / perRow) }, (_, r) => items.slice(r * perRow, (r + 1) * perRow));

function convLayers(model: Sequential): Conv2D[] {
  return model.layers.filter((l): l is Conv2D => l instanceof Conv2D);
}

/** The first convolution's 3×3 kernels, one picture each (gray = 0, light = positive weights). */
export function filterPicture(model: Sequential): Raster {
  const conv = convLayers(model)[0]!;
  const kernel = conv.kernel!;
  const [kH, kW, inC, filters] = kernel.shape as [number, number, number, number];
  const images = Array.from({ length: filters }, (_, f) => channelImage(kernel.values, kH * kW * inC, filters, f));
  return imageGrid({
    rows: rowsOf(images, 8), width: kW, height: kH * inC, scale: 14,
    captions: rowsOf(images.map((_, f) => String(f)), 8),
    title: `The first layer's ${filters} filters (${kH}x${kW}; gray 0, light positive, dark negative)`,
  });
}

/** One test picture and what the two conv layers make of it (each map scaled to its own maximum). */
export function featureMapPicture(model: Sequential, run: MnistRun, xTest: Tensor): Raster {
  const index = 0;
  let h = new Tensor(Float32Array.from(xTest.values.subarray(index * 784, (index + 1) * 784)), [1, 28, 28, 1]);
  const stages: { name: string; out: Tensor }[] = [];
  let convName = '';
  // A conv block's maps are what enters its pooling layer: after relu (and batch norm, when present).
  for (const layer of model.layers) {
    if (layer instanceof MaxPooling2D) stages.push({ name: convName, out: h });
    if (stages.length === 2) break;
    if (layer instanceof Conv2D) convName = layer.name;
    h = layer.apply(h, { training: false });
  }
  const label = run.classNames[run.mnist.test.labels[index]!]!;
  const input = imageGrid({ rows: [[xTest.values.subarray(index * 784, (index + 1) * 784)]], width: 28, height: 28, scale: 4, captions: [[`input: ${label}`]] });
  const grids = stages.map(({ name, out }) => {
    const [, oh, ow, c] = out.shape as [number, number, number, number];
    const maps = Array.from({ length: c }, (_, k) => channelImage(out.values, oh * ow, c, k));
    return imageGrid({ rows: rowsOf(maps, 16), width: ow, height: oh, scale: oh > 20 ? 2 : 3, title: `${name}: ${c} feature maps ${oh}x${ow} (after relu)` });
  });
  const parts = [input, ...grids];
  const out = new Raster(Math.max(...parts.map((p) => p.width)), parts.reduce((s, p) => s + p.height, 0));
  let y = 0;
  for (const p of parts) {
    out.drawRaster(p, 0, y);
    y += p.height;
  }
  return out;
}

export const command = defineCommand({
  summary: "train Keras' simple convnet on MNIST or Fashion-MNIST; report accuracy, confusion matrix, filters and feature maps; save the model",
  usage: 'deepts cnn [--dataset mnist|fashion] [--augment] [options]',
  maxPositional: 0,
  options: cnnOptions,
  run: async (o) => { await runCnn(o); },
});
