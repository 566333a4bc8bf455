/**
 * Linear regression the deep-learning way: a Sequential model with one Dense(1) layer and
 * no activation, trained on the MSE by gradient descent. Its kernel is the coefficient
 * vector and its bias the intercept — the same (a, b) the closed-form least squares gives
 * (src/stats fitOLS), which is how the lecture's "a network for regression" connects to ŷ = ax + b.
 *
 * Why standardize inside: gradient descent on raw features converges at a rate set by the
 * condition number of XᵀX, so features in different units (rooms vs income) would need
 * thousands of epochs. Training on z-scores of X and y and mapping the weights back,
 *   coef_j = w_j · sd(y) / sd(x_j),   intercept = mean(y) + sd(y)·b − Σ coef_j · mean(x_j),
 * gives the same least-squares solution of the original problem in a few hundred epochs.
 */
import { Tensor } from '../tensor/tensor.js';
import { setSeed } from '../tensor/random.js';
import { Dense } from '../nn/layers/dense.js';
import { InputLayer } from '../nn/layers/reshaping.js';
import { Adam, SGD } from '../train/optimizers/index.js';
import { Sequential } from './sequential.js';

export interface LinearGradientDescentOptions {
  /** Passes over the data (default 300). */
  epochs?: number;
  /** Samples per step; default all rows (full-batch gradient descent, deterministic). */
  batchSize?: number;
  /** 'sgd' (plain gradient descent, default) or 'adam'. */
  optimizer?: 'sgd' | 'adam';
  /** Default 0.1 for sgd, 0.01 for adam. */
  learningRate?: number;
  /** SGD momentum (default 0: plain gradient descent); 0.9 speeds up correlated features a lot. */
  momentum?: number;
  /** Train on z-scores and map the weights back (default true; see the file comment). */
  standardize?: boolean;
  /** Seed for the initial weights and shuffling (default 0). */
  seed?: number;
}

export interface LinearGradientDescentResult {
  /** One coefficient per column of X, in the original units. */
  coef: number[];
  intercept: number;
  /** Training MSE per epoch (of the standardized problem when standardize is true). */
  history: number[];
  /** The trained one-Dense-layer model (it expects standardized inputs when standardize is true). */
  model: Sequential;
}

/** Fits ŷ = X·coef + intercept by gradient descent on Sequential([Dense(1)]) with loss 'mse'. */
export async function fitLinearByGradientDescent(
  X: ReadonlyArray<ArrayLike<number>>, y: ArrayLike<number>, options: LinearGradientDescentOptions = {},
): Promise<LinearGradientDescentResult> {
  const n = X.length;
  if (n < 2) throw new Error(`fitLinearByGradientDescent: need at least 2 rows, got ${n}`);
  if (y.length !== n) throw new Error(`fitLinearByGradientDescent: X has ${n} rows but y has ${y.length} values`);
  const p = X[0]!.length;
  if (p === 0) throw new Error('fitLinearByGradientDescent: X has no columns');
  X.forEach((row, i) => {
    if (row.length !== p) throw new Error(`fitLinearByGradientDescent: row ${i} has ${row.length} values, row 0 has ${p}`);
    for (let j = 0; j < p; j++) if (!Number.isFinite(row[j]!)) throw new Error(`fitLinearByGradientDescent: X[${i}][${j}] is ${row[j]}`);
    if (!Number.isFinite(y[i]!)) throw new Error(`fitLinearByGradientDescent: y[${i}] is ${y[i]}`);
  });
  const standardize = options.standardize ?? true;
  const optimizerName = options.optimizer ?? 'sgd';
  const epochs = options.epochs ?? 300;
  const batchSize = options.batchSize ?? n;

  const xMean = new Array<number>(p).fill(0);
  const xStd = new Array<number>(p).fill(1);
  let yMean = 0;
  let yStd = 1;
  if (standardize) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += X[i]![j]!;
      xMean[j] = s / n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (X[i]![j]! - xMean[j]!) ** 2;
      xStd[j] = Math.sqrt(ss / n);
      if (!(xStd[j]! > 0)) throw new Error(`fitLinearByGradientDescent: column ${j} is constant, so it is collinear with the intercept`);
    }
    for (let i = 0; i < n; i++) yMean += y[i]!;
    yMean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (y[i]! - yMean) ** 2;
    yStd = Math.sqrt(ss / n) || 1;
  }
  const xs = new Float32Array(n * p);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const row = X[i]!;
    for (let j = 0; j < p; j++) xs[i * p + j] = (row[j]! - xMean[j]!) / xStd[j]!;
    ys[i] = (y[i]! - yMean) / yStd;
  }

  setSeed(options.seed ?? 0);
  const model = new Sequential([new InputLayer({ shape: [p] }), new Dense(1)], { name: 'linear_regression' });
  const optimizer = optimizerName === 'adam'
    ? new Adam({ learningRate: options.learningRate ?? 0.01 })
    : new SGD({ learningRate: options.learningRate ?? 0.1, momentum: options.momentum ?? 0 });
  model.compile({ optimizer, loss: 'mse' });
  const fitted = await model.fit(new Tensor(xs, [n, p]), new Tensor(ys, [n, 1]), { epochs, batchSize, shuffle: true, verbose: 0 });

  const dense = model.layers[0] as Dense;
  const w = dense.kernel!.values;
  const b = dense.bias!.values[0]!;
  const coef = Array.from({ length: p }, (_, j) => (w[j]! * yStd) / xStd[j]!);
  const intercept = yMean + yStd * b - coef.reduce((s, c, j) => s + c * xMean[j]!, 0);
  return { coef, intercept, history: fitted.history['loss'] ?? [], model };
}
