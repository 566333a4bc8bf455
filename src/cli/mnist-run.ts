/** What the MNIST commands (autoencoder, classify) share: seeding, the output folder and the data. */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Tensor, getBackend, setSeed } from '../index.js';
import { loadMnist, type Mnist } from '../datasets/mnist-node.js';


export interface MnistRun {
  outDir: string;
  verbose: 0 | 1 | 2;
  mnist: Mnist;
  /** Images as [n, 28, 28] tensors, pixels in [0, 1]. */
  xTrain: Tensor;
  xTest: Tensor;
}

/** The options both MNIST commands take. */
export interface MnistRunOptions {
  readonly out: string;
  readonly verbose: number;
  readonly seed: number;
  readonly limit: number | undefined;
}

/** Seeds the run, makes --out, loads MNIST (--limit training images) and says what it loaded. */
export async function startMnistRun(o: MnistRunOptions, print: (line: string) => void = console.log): Promise<MnistRun> {
  const outDir = resolve(o.out);
  const verbose = Math.min(2, o.verbose) as 0 | 1 | 2;
  setSeed(o.seed);
  mkdirSync(outDir, { recursive: true });
  const mnist = await loadMnist({ limitTrain: o.limit });
  const xTrain = new Tensor(mnist.train.images, [mnist.train.n, 28, 28]);
  const xTest = new Tensor(mnist.test.images, [mnist.test.n, 28, 28]);
  print(`MNIST: ${mnist.train.n} training and ${mnist.test.n} test images, pixels scaled to [0, 1]; backend: ${getBackend().name}`);
  return { outDir, verbose, mnist, xTrain, xTest };
}
