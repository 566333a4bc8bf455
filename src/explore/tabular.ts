/** Small tabular helpers the experiments share: a seeded split, standardization, tensors. */
import { Tensor } from '../tensor/tensor.js';
import { StandardScaler, trainTestSplit } from '../data/preprocessing.js';
import type { Table } from '../data/table.js';

export interface XY {
  x: Float64Array;
  y: Float64Array;
  rows: number;
  cols: number;
}

/** Numeric feature matrix and target of a table, rows with a missing value dropped. */
export function numericXY(table: Table, features: readonly string[], target: string): XY {
  const clean = table.dropna([...features, target]);
  return { x: clean.toMatrix(features), y: Float64Array.from(clean.numbers(target)), rows: clean.numRows, cols: features.length };
}

export function takeRows(d: XY, idx: ArrayLike<number>): XY {
  const x = new Float64Array(idx.length * d.cols);
  const y = new Float64Array(idx.length);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r]!;
    x.set(d.x.subarray(i * d.cols, (i + 1) * d.cols), r * d.cols);
    y[r] = d.y[i]!;
  }
  return { x, y, rows: idx.length, cols: d.cols };
}

/** Seeded train / test split (optionally keeping at most maxTrain / maxTest rows). */
export function split(d: XY, seed: number, testSize = 0.2, maxTrain = Infinity, maxTest = Infinity): { train: XY; test: XY } {
  const { trainIndices, testIndices } = trainTestSplit(d.rows, { testSize, seed });
  return { train: takeRows(d, trainIndices.subarray(0, Math.min(maxTrain, trainIndices.length))), test: takeRows(d, testIndices.subarray(0, Math.min(maxTest, testIndices.length))) };
}

/** Standardizes features with the training rows' mean and std (applied to both). */
export function standardize(train: XY, test: XY): { train: XY; test: XY } {
  const s = new StandardScaler().fit({ data: train.x, rows: train.rows, cols: train.cols });
  const t = (d: XY): XY => ({ ...d, x: Float64Array.from(s.transform({ data: d.x, rows: d.rows, cols: d.cols }).data) });
  return { train: t(train), test: t(test) };
}

export const xTensor = (d: XY): Tensor => new Tensor(Float32Array.from(d.x), [d.rows, d.cols]);
export const yTensor = (d: XY, scale = 1): Tensor => new Tensor(Float32Array.from(d.y, (v) => v / scale), [d.rows, 1]);

export function meanAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

export function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s / v.length;
}
