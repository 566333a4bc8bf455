/**
 * Fashion-MNIST (Zalando: 70,000 grayscale 28×28 pictures of clothes in 10 classes,
 * MNIST's layout and IDX files) from Debian's `dataset-fashion-mnist` package, which
 * installs the four gzipped IDX files in /usr/share/datasets/fashion-mnist. Node only;
 * nothing is downloaded.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MNIST_FILES, loadMnist, type Mnist } from './mnist-node.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Class names in label order, as Keras' fashion_mnist documentation lists them. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

export interface LoadFashionMnistOptions {
  /** Folder holding the four IDX files (raw or .gz). Default: Debian's /usr/share/datasets/fashion-mnist. */
  dir?: string;
  limitTrain?: number;
  limitTest?: number;
}

/** Loads Fashion-MNIST (60,000 training and 10,000 test pictures, pixels scaled to [0, 1]). */
export async function loadFashionMnist(options: LoadFashionMnistOptions = {}): Promise<Mnist> {
  const dir = options.dir ?? FASHION_MNIST_DIR;
  const missing = Object.values(MNIST_FILES).filter((f) => !existsSync(join(dir, f)) && !existsSync(join(dir, `${f}.gz`)));
  if (missing.length > 0) {
    throw new Error(
      `Fashion-MNIST: ${missing.map((f) => `${f}(.gz)`).join(', ')} not found in ${dir}. `
      + `Debian's package dataset-fashion-mnist installs them in ${FASHION_MNIST_DIR}: apt-get install dataset-fashion-mnist`,
    );
  }
  return loadMnist({ dir, limitTrain: options.limitTrain, limitTest: options.limitTest });
}
