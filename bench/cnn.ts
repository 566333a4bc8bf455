/**
 * Seconds per epoch of Keras' simple MNIST convnet (Conv2D 32 → MaxPool → Conv2D 64 → MaxPool
 * → Flatten → Dropout 0.5 → Dense 10 softmax; adam, sparse categorical crossentropy, batch 128;
 * 60,000 training images, test pass over the 10,000 test images included), extrapolated from
 * a few timed steps: epoch = 469 × (seconds per training step) + 79 × (seconds per test batch).
 * Slow configurations (the js reference convolution) would take an hour per epoch, so every
 * row is extrapolated the same way and says so.
 *
 * Run as a child process: `DEEPTS_BACKEND=native node dist/bench/cnn.js deepts [steps]`
 * or `node dist/bench/cnn.js tfjs-cpu|tfjs-wasm [steps]`. Prints one RESULT_MARK line.
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter / Conv2DBackpropInput kernels: its row
 * reports the error tfjs raises instead of a time.
 */
import { RESULT_MARK } from './epoch.js';

export const CNN_BATCH = 128;
export const CNN_TRAIN_STEPS = Math.ceil(60000 / CNN_BATCH);
export const CNN_TEST_BATCHES = Math.ceil(10000 / CNN_BATCH);
/** Test batches timed (deepts rows). */
const TEST_TIMED = 10;

export interface CnnEpochResult {
  config: string;
  backend: string;
  stepSeconds: number;
  testBatchSeconds: number;
  /** Extrapolated seconds per epoch (training + test pass). */
  epochSeconds: number;
  steps: number;
  error?: string;
  /** deepts rows: which pooling kernels one forward pass of the model calls (is Conv2D → MaxPooling2D fused?). */
  poolKernels?: string;
}

/** Kernel calls of one eager forward pass of `model` on x, for the pooling kernels (fused or not). */
async function poolKernelCalls(model: { apply(x: never, kw: { training: boolean }): unknown }, x: unknown): Promise<string> {
  const { kernels } = await import('../src/backend/registry.js');
  const table = kernels() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const names = ['biasActPool', 'pool2d', 'biasAct'];
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

async function deeptsRow(steps: number): Promise<CnnEpochResult> {
  const deepts = await import('../src/index.js');
  const { buildConvnet } = await import('../src/models/mnist-models.js');
  const mnist = await deepts.loadMnist({ limitTrain: CNN_BATCH * (steps + 1), limitTest: CNN_BATCH * TEST_TIMED });
  deepts.setSeed(42);
  const model = buildConvnet();
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
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
  return { config: `deepts-${deepts.getBackend().name}`, backend: deepts.getBackend().name, stepSeconds, testBatchSeconds, epochSeconds: CNN_TRAIN_STEPS * stepSeconds + CNN_TEST_BATCHES * testBatchSeconds, steps, poolKernels };
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
    return { config, backend, stepSeconds, testBatchSeconds, epochSeconds: CNN_TRAIN_STEPS * stepSeconds + CNN_TEST_BATCHES * testBatchSeconds, steps };
  } catch (e) {
    return { config, backend, stepSeconds: NaN, testBatchSeconds: NaN, epochSeconds: NaN, steps: 0, error: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
  }
}

type TfTensor = { dataSync(): unknown };

async function main(): Promise<void> {
  const [which, stepsArg] = process.argv.slice(2);
  const steps = Number(stepsArg ?? 3);
  const result = which === 'deepts' ? await deeptsRow(steps)
    : which === 'tfjs-cpu' ? await tfjsRow('cpu', steps)
      : which === 'tfjs-wasm' ? await tfjsRow('wasm', steps)
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
