/** What the MNIST commands (autoencoder, classify) share: seeding, the output folder and the data. */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Tensor, getBackend, setSeed } from '../index.js';
import { loadMnist, type Mnist } from '../datasets/mnist-node.js';
import type { ParsedOptions } from './args.js';

export interface MnistRun {
  outDir: string;
  verbose: 0 | 1 | 2;
  mnist: Mnist;
  /** Images as [n, 28, 28] tensors, pixels in [0, 1]. */
  xTrain: Tensor;
  xTest: Tensor;
}

/** Seeds the run, makes --out, loads MNIST (--limit training images) and says what it loaded. */
export async function startMnistRun(o: ParsedOptions, print: (line: string) => void = console.log): Promise<MnistRun> {
  const outDir = resolve(o['out'] as string);
  const verbose = Math.min(2, o['verbose'] as number) as 0 | 1 | 2;
  setSeed(o['seed'] as number);
  mkdirSync(outDir, { recursive: true });
  const mnist = await loadMnist({ limitTrain: o['limit'] as number | undefined });
  const xTrain = new Tensor(mnist.train.images, [mnist.train.n, 28, 28]);
  const xTest = new Tensor(mnist.test.images, [mnist.test.n, 28, 28]);
  print(`MNIST: ${mnist.train.n} training and ${mnist.test.n} test images, pixels scaled to [0, 1]; backend: ${getBackend().name}`);
  return { outDir, verbose, mnist, xTrain, xTest };
}
