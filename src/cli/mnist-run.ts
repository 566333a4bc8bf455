/** What the MNIST commands (autoencoder, classify, cnn) share: seeding, the output folder and the data. */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Tensor, getBackend, setSeed } from '../index.js';
import { MNIST_CLASSES, loadMnist, type Mnist } from '../datasets/mnist-node.js';
import { FASHION_MNIST_CLASSES, loadFashionMnist } from '../datasets/fashion-mnist-node.js';

export type MnistDataset = 'mnist' | 'fashion';

export interface MnistRun {
  outDir: string;
  verbose: 0 | 1 | 2;
  mnist: Mnist;
  /** Images as [n, 28, 28] tensors, pixels in [0, 1]. */
  xTrain: Tensor;
  xTest: Tensor;
  dataset: MnistDataset;
  /** 'MNIST' or 'Fashion-MNIST', for titles. */
  datasetName: string;
  /** Names of the ten classes in label order ('0'…'9', or 'T-shirt/top'…). */
  classNames: string[];
}

/** The options the MNIST commands take. */
export interface MnistRunOptions {
  readonly out: string;
  readonly verbose: number;
  readonly seed: number;
  readonly limit: number | undefined;
  /** Test on only the first N test images (all 10,000 when absent). */
  readonly testLimit?: number | undefined;
  /** MNIST digits (default) or Fashion-MNIST clothes (same layout). */
  readonly dataset?: MnistDataset;
}

/** Seeds the run, makes --out, loads MNIST or Fashion-MNIST (--limit training, --test-limit test images) and says what it loaded. */
export async function startMnistRun(o: MnistRunOptions, print: (line: string) => void = console.log): Promise<MnistRun> {
  const outDir = resolve(o.out);
  const verbose = Math.min(2, o.verbose) as 0 | 1 | 2;
  const dataset = o.dataset ?? 'mnist';
  setSeed(o.seed);
  mkdirSync(outDir, { recursive: true });
  const mnist = dataset === 'fashion' ? await loadFashionMnist({ limitTrain: o.limit, limitTest: o.testLimit }) : await loadMnist({ limitTrain: o.limit, limitTest: o.testLimit });
  const xTrain = new Tensor(mnist.train.images, [mnist.train.n, 28, 28]);
  const xTest = new Tensor(mnist.test.images, [mnist.test.n, 28, 28]);
  const datasetName = dataset === 'fashion' ? 'Fashion-MNIST' : 'MNIST';
  const classNames = dataset === 'fashion' ? [...FASHION_MNIST_CLASSES] : Array.from({ length: MNIST_CLASSES }, (_, c) => String(c));
  print(`${datasetName}: ${mnist.train.n} training and ${mnist.test.n} test images, pixels scaled to [0, 1]; backend: ${getBackend().name}`);
  return { outDir, verbose, mnist, xTrain, xTest, dataset, datasetName, classNames };
}
