/**
 * `deepts mle data.csv --target CLASSCOL`: the lecture's "which class does the new data
 * belong to? — the one with the maximum likelihood". Gaussian naive Bayes fits one normal
 * curve per class and numeric feature (μ̂ = mean, σ̂² = biased variance: the MLE), then
 * predicts the class with the largest prior × Π f(xⱼ | μ, σ²). Reports held-out accuracy
 * and the confusion matrix, and draws each feature's per-class histogram with its fitted
 * normal curve over it.
 */
import { resolve } from 'node:path';
import type { Table } from '../../data/table.js';
import { trainTestSplit } from '../../data/preprocessing.js';
import { GaussianNB } from '../../stats/index.js';
import { confusionMatrix, formatConfusionMatrix, majorityClassBaseline } from '../../train/classification.js';
import { confusionMatrixPicture, formatNumber as fmt, normalCurvesPicture } from '../../viz/index.js';
import type { OptionSpecs, OptionsOf } from '../args.js';
import { defineCommand } from '../command.js';
import { dropMissing } from '../../data/missing.js';
import { featureColumns, loadTableArgument, requireColumn, requireFiniteColumns } from '../tabular-options.js';
import { writePictures, wroteLine } from '../output.js';

export const mleOptions = {
  target: { type: 'string', help: 'the class column to predict (required)' },
  features: { type: 'string', help: 'comma-separated numeric input columns (default: every other numeric column)' },
  'test-size': { type: 'number', default: 0.2, help: 'held-out fraction (0..1) or row count' },
  seed: { type: 'int', default: 42, help: 'random seed of the split' },
  'max-classes': { type: 'int', default: 50, min: 2, help: 'refuse targets with more distinct values than this (a number to regress, not a class)' },
  out: { type: 'string', default: 'mle-out', help: 'folder for normal-curves.png and confusion-matrix.png' },
} as const satisfies OptionSpecs;

/** Numeric feature matrix (rows) of a complete table. */
function rowsOf(table: Table, features: readonly string[]): number[][] {
  return table.toArrays(features);
}

export async function runMle(o: OptionsOf<typeof mleOptions>, positional: string[]): Promise<void> {
  const { table: raw, source } = loadTableArgument(positional, 'mle');
  const target = requireColumn(raw, o.target, 'target');
  const explicit = o.features !== undefined;
  const candidates = featureColumns(raw, o.features, [target]);
  const strings = candidates.filter((c) => raw.kind(c) !== 'number');
  if (explicit && strings.length > 0) throw new Error(`--features lists string columns (${strings.join(', ')}): Gaussian naive Bayes needs numeric features`);
  const features = candidates.filter((c) => raw.kind(c) === 'number');
  if (features.length === 0) throw new Error(`no numeric feature columns besides '${target}' (columns: ${raw.columns.join(', ')})`);
  requireFiniteColumns(raw, features, source);
  console.log(`Data: ${source}, ${raw.numRows} rows; class column '${target}'; features: ${features.join(', ')}`);
  if (strings.length > 0) console.log(`Skipping string columns (a normal curve needs numbers): ${strings.join(', ')}`);
  const table = dropMissing(raw, [...features, target]);

  const labels = table.strings(target) as string[];
  const classCount = new Set(labels).size;
  if (classCount < 2) throw new Error(`the class column '${target}' has only one value (${JSON.stringify(labels[0])}); need at least two classes`);
  if (classCount > o.maxClasses) {
    throw new Error(`the class column '${target}' has ${classCount} distinct values (more than --max-classes ${o.maxClasses}): it looks like a number to predict; try 'deepts regress ${positional[0]} --target ${target}'`);
  }
  const seed = o.seed;
  const { trainIndices, testIndices } = trainTestSplit(table.numRows, { testSize: o.testSize, seed });
  const train = table.take(trainIndices);
  const test = table.take(testIndices);
  const xTrain = rowsOf(train, features);
  const yTrain = train.strings(target) as string[];
  const xTest = rowsOf(test, features);
  const yTest = test.strings(target) as string[];

  const nb = new GaussianNB<string>().fit(xTrain, yTrain);
  const classes = nb.classes_;
  console.log(`Split (seed ${seed}): ${train.numRows} training rows, ${test.numRows} held-out rows; ${classes.length} classes.`);
  console.log(`\nMaximum-likelihood normal curves per class (training rows), N(mu, sigma²) with sigma the MLE (divide by n):`);
  const priors = nb.classPrior;
  classes.forEach((c, k) => {
    const parts = features.map((f, j) => {
      const n = nb.classConditional(c, j);
      return `${f} N(${fmt(n.mu, 3)}, ${fmt(n.sigma, 3)}²)`;
    });
    console.log(`  ${c} (prior ${priors[k]!.toFixed(3)}): ${parts.join('  ')}`);
  });

  const predicted = nb.predict(xTest);
  const index = new Map(classes.map((c, k) => [c, k]));
  // A class seen only in the test split cannot be predicted; it still gets a confusion-matrix row.
  const allClasses = [...classes, ...[...new Set(yTest)].filter((c) => !index.has(c)).sort()];
  allClasses.forEach((c, k) => index.set(c, k));
  const m = confusionMatrix(yTest.map((c) => index.get(c)!), predicted.map((c) => index.get(c)!), allClasses.length);
  const correct = predicted.filter((p, i) => p === yTest[i]).length;
  const accuracy = correct / yTest.length;
  const baseline = majorityClassBaseline(yTrain, yTest);
  console.log(`\nHeld-out accuracy: ${accuracy.toFixed(4)} (${correct} of ${yTest.length} correct)`);
  console.log(`Always answering the most frequent training class ('${baseline.label}'): ${baseline.accuracy.toFixed(4)}`);
  console.log(`Confusion matrix (rows: true class, columns: predicted):\n${formatConfusionMatrix(m, allClasses)}`);

  const files = writePictures(resolve(o.out), {
    'normal-curves.png': normalCurvesPicture(nb, xTrain, yTrain, features, `Per-class normal curves fitted by maximum likelihood: ${target}`),
    'confusion-matrix.png': confusionMatrixPicture(m, allClasses, `Gaussian NB: ${(accuracy * 100).toFixed(1)}% correct`),
  });
  console.log(`\n${wroteLine(files)}`);
}

export const command = defineCommand({
  summary: 'classify by maximum likelihood (Gaussian naive Bayes): held-out accuracy, confusion matrix, fitted normal curves',
  usage: 'deepts mle <data.csv | iris | penguins | cars> --target CLASS_COLUMN [options]',
  maxPositional: 1,
  options: mleOptions,
  run: (o, positional) => runMle(o, positional),
});
