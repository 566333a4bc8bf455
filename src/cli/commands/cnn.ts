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
import { Adam, LambdaCallback, Tensor } from '../../index.js';
import { CosineDecay } from '../../train/optimizers/schedules.js';
import { buildConvnet } from '../../models/mnist-models.js';
import { EpochTimer } from '../../train/callbacks/epoch-timer.js';
import { featureMapPicture, filterPicture } from '../../viz/convnet-pictures.js';
import type { OptionSpecs, OptionsOf } from '../args.js';
import { defineCommand } from '../command.js';
import { MemoryProbe } from '../memory.js';
import { startMnistRun, type MnistDataset } from '../mnist-run.js';
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
  'validation-split': { type: 'number', min: 0, help: "validate on this last fraction of the training images, as Keras' example (0.1), instead of on the test images" },
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
  // Keras' example validates on the last 10 % of the training images (validation_split=0.1, taken before
  // shuffling); by default deepts trains on all 60,000 and validates on the test images instead.
  const validation = o.validationSplit === undefined ? { validationData: [xTest, yTest] as [Tensor, Tensor] } : { validationSplit: o.validationSplit };
  const history = await model.fit(xTrain, yTrain, { epochs, batchSize, shuffle: true, ...validation, verbose, callbacks: [new TerminateOnNaN({ raise: true }), timer, memory, rss] });
  const seconds = (performance.now() - started) / 1000;

  const result = await reportClassifier({
    model, run, xTest, lossTargets: yTest, history: history.history, timer, memory, seconds,
    modelLabel: `${o.model === 'wide' ? 'wide convnet' : 'convnet'}${augment ? ', augmented' : ''}`, print,
    extraPictures: () => ({
      'filters.png': filterPicture(model),
      'feature-maps.png': featureMapPicture(model, xTest.values.subarray(0, 784), `input: ${run.classNames[mnist.test.labels[0]!]!}`),
    }),
  });
  return {
    dataset: run.dataset, epochs: timer.epochs, trainImages: mnist.train.n, testAccuracy: result.testAccuracy, top3Accuracy: result.top3Accuracy,
    testLoss: result.testLoss, seconds, secondsPerEpoch: timer.meanSeconds, files: result.files,
  };
}

export const command = defineCommand({
  summary: "train Keras' simple convnet on MNIST or Fashion-MNIST; report accuracy, confusion matrix, filters and feature maps; save the model",
  usage: 'deepts cnn [--dataset mnist|fashion] [--augment] [options]',
  maxPositional: 0,
  options: cnnOptions,
  run: async (o) => { await runCnn(o); },
});
