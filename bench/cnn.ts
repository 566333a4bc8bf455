/**
 * Seconds per epoch of Keras' simple MNIST convnet (Conv2D 32 → MaxPool → Conv2D 64 → MaxPool
 * → Flatten → Dropout 0.5 → Dense 10 softmax; adam, sparse categorical crossentropy, batch 128;
 * 60,000 training images, then the validation pass over the 10,000 test images).
 *
 * Two ways to measure, and every row says which one it used:
 * - full (deepts native and wasm, bench/pytorch_cnn.py): a warm-up `fit` on a few batches of both
 *   batch shapes an epoch has (128 and the last 96; validation 128 and 16), then `model.fit` on all
 *   60,000 images with validationData = the 10,000 test images for `epochs` epochs; the median
 *   epoch (epoch begin → end of its validation pass) is reported, and split into the training part
 *   (begin → last batch) and the validation part. Per-step figures are those parts divided by the
 *   epoch's 469 steps and 79 test batches.
 * - extrapolated (the tfjs rows, whose js reference convolution would take an hour per epoch):
 *   epoch = 469 × (seconds per timed trainOnBatch step) + 79 × (seconds per predicted test batch).
 *
 * Run as a child process: `DEEPTS_BACKEND=native node dist/bench/cnn.js deepts full [epochs]`,
 * `... deepts steps [steps]`, or `node dist/bench/cnn.js tfjs-cpu|tfjs-wasm [steps]`. Prints one
 * RESULT_MARK line. tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter / Conv2DBackpropInput
 * kernels: its row reports the error tfjs raises instead of a time.
 */
import { RESULT_MARK } from './epoch.js';

export const CNN_BATCH = 128;
export const CNN_TRAIN_IMAGES = 60000;
export const CNN_TEST_IMAGES = 10000;
export const CNN_TRAIN_STEPS = Math.ceil(CNN_TRAIN_IMAGES / CNN_BATCH);
export const CNN_TEST_BATCHES = Math.ceil(CNN_TEST_IMAGES / CNN_BATCH);
/** Test batches timed (extrapolated deepts rows). */
const TEST_TIMED = 10;

export interface CnnEpochResult {
  config: string;
  backend: string;
  /** full: whole epochs were timed (`fit` on 60,000 + validation on 10,000); extrapolated: a few steps were. */
  mode?: 'full' | 'extrapolated';
  /** Seconds per training step (full: the epoch's training part / 469). */
  stepSeconds: number;
  /** Seconds per test batch (full: the validation pass / 79). */
  testBatchSeconds: number;
  /** Seconds per epoch (training + validation): the median full epoch, or the extrapolation. */
  epochSeconds: number;
  /** Extrapolated rows: training steps timed; full rows: 0. */
  steps: number;
  /** Full rows: every timed epoch's seconds, and its training and validation parts. */
  epochs?: number[];
  trainSeconds?: number[];
  valSeconds?: number[];
  /** Full rows: validation accuracy after each timed epoch (the run really trains). */
  valAccuracy?: number[];
  error?: string;
  /** Set by bench/run.ts: cores' worth of CPU other processes used while the row was measured. */
  othersBusyCores?: number | null;
  /** deepts rows: which pooling kernels one forward pass of the model calls (is Conv2D → MaxPooling2D fused?). */
  poolKernels?: string;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Kernel calls of one eager forward pass of `model` on x, for the pooling kernels (fused or not). */
async function poolKernelCalls(model: { apply(x: never, kw: { training: boolean }): unknown }, x: unknown): Promise<string> {
  const { kernels } = await import('../src/backend/registry.js');
  const table = kernels() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const names = ['conv2dBiasActPool', 'biasActPool', 'pool2d', 'biasAct'];
  const counts = new Map<string, number>();
  const orig = names.map((n) => table[n]!);
  names.forEach((n, i) => { table[n] = (...a: unknown[]): unknown => { counts.set(n, (counts.get(n) ?? 0) + 1); return orig[i]!(...a); }; });
  try {
    model.apply(x as never, { training: true });
  } finally {
    names.forEach((n, i) => { table[n] = orig[i]!; });
  }
  return names.map((n) => `${n} ×${counts.get(n) ?? 0}`).join(', ');
}

const now = (): number => performance.now() / 1000;

type Deepts = typeof import('../src/index.js');
type Model = ReturnType<typeof import('../src/models/mnist-models.js').buildConvnet>;

async function deeptsModel(): Promise<{ deepts: Deepts; model: Model }> {
  const deepts = await import('../src/index.js');
  const { buildConvnet } = await import('../src/models/mnist-models.js');
  deepts.setSeed(42);
  const model = buildConvnet();
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return { deepts, model };
}

/** `epochs` full epochs of `model.fit` (60,000 images, validation on the 10,000 test images) after a warm-up fit. */
async function deeptsFull(epochs: number): Promise<CnnEpochResult> {
  const { deepts, model } = await deeptsModel();
  const { Tensor } = deepts;
  const mnist = await deepts.loadMnist();
  if (mnist.train.n !== CNN_TRAIN_IMAGES || mnist.test.n !== CNN_TEST_IMAGES) throw new Error(`bench/cnn: expected 60,000 + 10,000 MNIST images, got ${mnist.train.n} + ${mnist.test.n}`);
  const images = (src: Float32Array, n: number): InstanceType<typeof Tensor> => new Tensor(src.subarray(0, n * 784), [n, 28, 28, 1]);
  const labels = (src: Int32Array, n: number): InstanceType<typeof Tensor> => new Tensor(src.subarray(0, n), [n]);
  const xTrain = images(mnist.train.images, CNN_TRAIN_IMAGES), yTrain = labels(mnist.train.labels, CNN_TRAIN_IMAGES);
  const xTest = images(mnist.test.images, CNN_TEST_IMAGES), yTest = labels(mnist.test.labels, CNN_TEST_IMAGES);
  // Warm-up: both batch shapes of an epoch (128 and the last 60,000 mod 128 = 96) and of its
  // validation pass (128 and 16) traced and compiled, buffer pools filled, V8's JIT warm: the
  // timed epochs are what every epoch after the first costs.
  const warmTrain = 10 * CNN_BATCH + (CNN_TRAIN_IMAGES % CNN_BATCH), warmTest = CNN_BATCH + (CNN_TEST_IMAGES % CNN_BATCH);
  await model.fit(images(mnist.train.images, warmTrain), labels(mnist.train.labels, warmTrain), {
    epochs: 1, batchSize: CNN_BATCH, verbose: 0, validationData: [images(mnist.test.images, warmTest), labels(mnist.test.labels, warmTest)],
  });
  const trainSeconds: number[] = [], valSeconds: number[] = [], valAccuracy: number[] = [];
  let begin = 0, lastBatch = 0;
  await model.fit(xTrain, yTrain, {
    epochs, batchSize: CNN_BATCH, shuffle: true, verbose: 0, validationData: [xTest, yTest],
    callbacks: [{
      onEpochBegin: () => { begin = now(); },
      onBatchEnd: () => { lastBatch = now(); },
      onEpochEnd: (_epoch: number, logs?: Record<string, number>) => {
        const end = now();
        trainSeconds.push(lastBatch - begin);
        valSeconds.push(end - lastBatch);
        valAccuracy.push(logs?.['val_accuracy'] ?? Number.NaN);
      },
    }],
  });
  const epochTimes = trainSeconds.map((t, i) => t + valSeconds[i]!);
  const poolKernels = await poolKernelCalls(model as never, images(mnist.train.images, CNN_BATCH));
  return {
    config: `deepts-${deepts.getBackend().name}`, backend: deepts.getBackend().name, mode: 'full',
    stepSeconds: median(trainSeconds) / CNN_TRAIN_STEPS, testBatchSeconds: median(valSeconds) / CNN_TEST_BATCHES, epochSeconds: median(epochTimes), steps: 0,
    epochs: epochTimes, trainSeconds, valSeconds, valAccuracy, poolKernels,
  };
}

/** Extrapolated from `steps` timed trainOnBatch steps and 10 predicted test batches. */
async function deeptsSteps(steps: number): Promise<CnnEpochResult> {
  const { deepts, model } = await deeptsModel();
  const mnist = await deepts.loadMnist({ limitTrain: CNN_BATCH * (steps + 1), limitTest: CNN_BATCH * TEST_TIMED });
  const batch = (i: number): [InstanceType<typeof deepts.Tensor>, InstanceType<typeof deepts.Tensor>] => [
    new deepts.Tensor(mnist.train.images.slice(i * CNN_BATCH * 784, (i + 1) * CNN_BATCH * 784), [CNN_BATCH, 28, 28, 1]),
    new deepts.Tensor(mnist.train.labels.slice(i * CNN_BATCH, (i + 1) * CNN_BATCH), [CNN_BATCH]),
  ];
  const [wx, wy] = batch(0);
  // Warm-up: the first step of a batch shape is traced and the second checked against an eager
  // step (jitCompile), and buffer pools fill: three steps, so the timed ones are steady state.
  for (let i = 0; i < 3; i++) model.trainOnBatch(wx, wy);
  let t = now();
  for (let i = 1; i <= steps; i++) {
    const [x, y] = batch(i);
    model.trainOnBatch(x, y);
  }
  const stepSeconds = (now() - t) / steps;
  const xTest = new deepts.Tensor(mnist.test.images.slice(0, CNN_BATCH * TEST_TIMED * 784), [CNN_BATCH * TEST_TIMED, 28, 28, 1]);
  model.predict(new deepts.Tensor(mnist.test.images.slice(0, CNN_BATCH * 784), [CNN_BATCH, 28, 28, 1]), { batchSize: CNN_BATCH }); // warm-up of the inference path
  t = now();
  model.predict(xTest, { batchSize: CNN_BATCH });
  const testBatchSeconds = (now() - t) / TEST_TIMED;
  const poolKernels = await poolKernelCalls(model as never, wx);
  return { config: `deepts-${deepts.getBackend().name}`, backend: deepts.getBackend().name, mode: 'extrapolated', stepSeconds, testBatchSeconds, epochSeconds: CNN_TRAIN_STEPS * stepSeconds + CNN_TEST_BATCHES * testBatchSeconds, steps, poolKernels };
}

async function tfjsRow(backend: 'cpu' | 'wasm', steps: number): Promise<CnnEpochResult> {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: backend '${backend}' failed to initialise`);
  await tf.ready();
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.randomUniform([CNN_BATCH, 28, 28, 1]);
  const y = tf.randomUniform([CNN_BATCH], 0, 10, 'int32').cast('float32');
  const config = `tfjs-${backend}`;
  try {
    await model.trainOnBatch(x, y); // warm-up
    let t = now();
    for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
    const stepSeconds = (now() - t) / steps;
    t = now();
    for (let i = 0; i < 2; i++) tf.tidy(() => { (model.predict(x) as TfTensor).dataSync(); });
    const testBatchSeconds = (now() - t) / 2;
    return { config, backend, mode: 'extrapolated', stepSeconds, testBatchSeconds, epochSeconds: CNN_TRAIN_STEPS * stepSeconds + CNN_TEST_BATCHES * testBatchSeconds, steps };
  } catch (e) {
    return { config, backend, stepSeconds: NaN, testBatchSeconds: NaN, epochSeconds: NaN, steps: 0, error: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
  }
}

type TfTensor = { dataSync(): unknown };

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const which = args[0];
  // deepts [full|steps] [n]; tfjs-* [steps]. A bare number after deepts is a step count (as before).
  const how = args[1] === 'full' || args[1] === 'steps' ? args[1] : 'steps';
  const n = Number((args[1] === 'full' || args[1] === 'steps' ? args[2] : args[1]) ?? (how === 'full' ? 1 : 3));
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench/cnn: the count must be a positive whole number, got '${args[2] ?? args[1]}'`);
  const result = which === 'deepts' ? await (how === 'full' ? deeptsFull(n) : deeptsSteps(n))
    : which === 'tfjs-cpu' ? await tfjsRow('cpu', n)
      : which === 'tfjs-wasm' ? await tfjsRow('wasm', n)
        : null;
  if (!result) throw new Error(`bench/cnn: unknown configuration '${which}' (deepts, tfjs-cpu, tfjs-wasm)`);
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}

if (process.argv[1]?.endsWith('cnn.js')) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
