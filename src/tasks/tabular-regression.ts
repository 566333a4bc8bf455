/**
 * The lecture's recap, a neural network for regression, on any table: the course's network
 * (Dense 32 relu, Dense 32 relu, Dense 1; RMSprop; MSE) trained on a seeded split, scored on
 * the held-out rows next to ordinary least squares on the same encoded inputs.
 * `deepts regress`, the examples and the bench run it.
 */
import { TerminateOnNaN } from '../train/callbacks/terminate-on-nan.js';
import { Tensor } from '../tensor/tensor.js';
import { setSeed } from '../tensor/random.js';
import { Dense, InputLayer } from '../nn/layers/index.js';
import { RMSprop } from '../train/optimizers/index.js';
import { Sequential } from '../models/sequential.js';
import type { Table } from '../data/table.js';
import { MinMaxScaler, StandardScaler, trainTestSplit } from '../data/preprocessing.js';
import { TabularPreprocessor } from '../data/tabular-preprocessor.js';
import { fitOLS, meanAbsoluteError, meanSquaredError, r2Score } from '../stats/index.js';

export interface TabularRegressionOptions {
  target: string;
  features: readonly string[];
  scale: 'minmax' | 'standard';
  testSize: number;
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Called every tenth of the epochs with the training loss. */
  onProgress?: (epoch: number, loss: number) => void;
}

export interface RegressionScores {
  mae: number;
  mse: number;
  r2: number;
}

export interface TabularRegressionResult {
  model: Sequential;
  preprocessor: TabularPreprocessor;
  featureNames: string[];
  nTrain: number;
  nTest: number;
  yTest: number[];
  network: RegressionScores & { predictions: number[]; maeScaled: number };
  /** The trivial baseline: every held-out row predicted as the training rows' mean target. A model must beat it. */
  meanBaseline: RegressionScores & { prediction: number };
  /** Least squares on the same encoded inputs (first category of each one-hot group dropped); undefined with the reason when singular. */
  linear: (RegressionScores & { predictions: number[] }) | { error: string };
  lossHistory: number[];
}

function scores(yTrue: number[], yPred: number[]): RegressionScores {
  return { mae: meanAbsoluteError(yTrue, yPred), mse: meanSquaredError(yTrue, yPred), r2: r2Score(yTrue, yPred) };
}

/** Rows of an encoded matrix, keeping only the columns in `keep`. */
function rowsOf(data: Float32Array, rows: number, cols: number, keep: readonly number[]): number[][] {
  return Array.from({ length: rows }, (_, i) => keep.map((j) => data[i * cols + j]!));
}

/** Input(d) → Dense32 relu → Dense32 relu → Dense1: the course's regression network. */
export function buildRegressionNetwork(inputs: number): Sequential {
  return new Sequential([
    new InputLayer({ shape: [inputs] }),
    new Dense(32, { activation: 'relu' }),
    new Dense(32, { activation: 'relu' }),
    new Dense(1),
  ], { name: 'regression' });
}

/**
 * Trains the course's network on a complete (no missing values) table and scores it on a
 * held-out split against ordinary least squares. The target is scaled like the inputs for
 * training; predictions and scores are in the target's own units.
 */
export async function trainTabularRegression(table: Table, o: TabularRegressionOptions): Promise<TabularRegressionResult> {
  setSeed(o.seed);
  const { trainIndices, testIndices } = trainTestSplit(table.numRows, { testSize: o.testSize, seed: o.seed });
  const train = table.take(trainIndices);
  const test = table.take(testIndices);
  const preprocessor = new TabularPreprocessor({ numeric: o.scale, handleUnknown: 'ignore' }).fit(train, o.features);
  const xTrain = preprocessor.transform(train);
  const xTest = preprocessor.transform(test);
  const yTrain = train.numbers(o.target);
  const yTest = test.numbers(o.target);
  const targetScaler = o.scale === 'minmax' ? new MinMaxScaler() : new StandardScaler();
  const yTrainScaled = targetScaler.fitTransform(yTrain.map((v) => [v])).map((r) => r[0]!);

  const model = buildRegressionNetwork(xTrain.cols);
  model.compile({ optimizer: new RMSprop({ learningRate: o.learningRate }), loss: 'mse', metrics: ['mae'] });
  const every = Math.max(1, Math.round(o.epochs / 10));
  const history = await model.fit(new Tensor(xTrain.data, [xTrain.rows, xTrain.cols]), new Tensor(Float32Array.from(yTrainScaled), [yTrain.length, 1]), {
    epochs: o.epochs, batchSize: o.batchSize, shuffle: true, verbose: 0,
    callbacks: [new TerminateOnNaN({ raise: true }), { onEpochEnd: (epoch: number, logs?: Record<string, number>) => { if ((epoch + 1) % every === 0 || epoch === 0) o.onProgress?.(epoch + 1, logs?.['loss'] ?? NaN); } }],
  });
  const scaledPred = Array.from(model.predict(new Tensor(xTest.data, [xTest.rows, xTest.cols])).values);
  const predictions = targetScaler.inverseTransform(scaledPred.map((v) => [v])).map((r) => r[0]!);
  const yTestScaled = targetScaler.transform(yTest.map((v) => [v])).map((r) => r[0]!);

  // Least squares needs a full-rank design: drop one category per one-hot group (the "dummy trap").
  const names = xTrain.featureNames;
  const seenGroups = new Set<string>();
  const keep = names.flatMap((name, j) => {
    const eq = name.indexOf('=');
    if (eq < 0 || !o.features.includes(name.slice(0, eq))) return [j];
    const group = name.slice(0, eq);
    if (seenGroups.has(group)) return [j];
    seenGroups.add(group);
    return [];
  });
  let linear: TabularRegressionResult['linear'];
  try {
    const ols = fitOLS(rowsOf(xTrain.data, xTrain.rows, xTrain.cols, keep), yTrain);
    const olsPred = ols.predict(rowsOf(xTest.data, xTest.rows, xTest.cols, keep));
    linear = { ...scores(yTest, olsPred), predictions: olsPred };
  } catch (e) {
    linear = { error: e instanceof Error ? e.message : String(e) };
  }
  const trainMean = yTrain.reduce((s, v) => s + v, 0) / yTrain.length;
  return {
    model, preprocessor, featureNames: names, nTrain: train.numRows, nTest: test.numRows, yTest,
    meanBaseline: { ...scores(yTest, yTest.map(() => trainMean)), prediction: trainMean },
    network: { ...scores(yTest, predictions), predictions, maeScaled: meanAbsoluteError(yTestScaled, scaledPred) },
    linear, lossHistory: history.history['loss'] ?? [],
  };
}
