/**
 * `deepts regress data.csv --target COL`: the lecture's recap, a neural network for
 * regression, on any table. String columns are one-hot encoded, numeric ones scaled
 * (min-max as the course, or standardized), rows with missing values dropped and counted,
 * a seeded held-out split; the network's MAE/MSE on the held-out rows are reported next to
 * a linear least-squares baseline, with a picture of predicted vs true values.
 * The training itself is tasks/tabular-regression.ts.
 */
import '../../backend/setup-node.js';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dropMissing } from '../../data/missing.js';
import { trainTabularRegression } from '../../tasks/tabular-regression.js';
import { formatNumber as fmt, lineChart, scatterPlot } from '../../viz/index.js';
import { saveModel } from '../../io/model-io.js';
import type { OptionSpecs, OptionsOf } from '../args.js';
import { defineCommand } from '../command.js';
import { featureColumns, loadTableArgument, requireColumn, requireFiniteColumns } from '../tabular-options.js';
import { writePictures, wroteLine } from '../output.js';

export const regressOptions = {
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
} as const satisfies OptionSpecs;

export async function runRegress(o: OptionsOf<typeof regressOptions>, positional: string[]): Promise<void> {
  const { table: raw, source } = loadTableArgument(positional, 'regress');
  const target = requireColumn(raw, o.target, 'target');
  if (raw.kind(target) !== 'number') {
    const example = raw.strings(target).find((v) => v !== null && Number.isNaN(Number(v)));
    throw new Error(`the target column '${target}' holds strings (e.g. ${JSON.stringify(example)}), not numbers: regress predicts a number; to predict a class use 'deepts mle ${positional[0]} --target ${target}'`);
  }
  const explicit = o.features !== undefined;
  const maxCategories = o.maxCategories;
  const skipped: string[] = [];
  const features = featureColumns(raw, o.features, [target]).filter((c) => {
    if (explicit || raw.kind(c) === 'number') return true;
    const distinct = raw.valueCounts(c).size;
    if (distinct <= maxCategories) return true;
    skipped.push(`Skipping column '${c}': ${distinct} distinct strings (more than --max-categories ${maxCategories}; an identifier, not a category).`);
    return false;
  });
  if (features.length === 0) throw new Error('no input columns left to learn from');
  requireFiniteColumns(raw, [...features, target], source);
  console.log(`Data: ${source}, ${raw.numRows} rows; target '${target}'; inputs: ${features.map((f) => `${f}${raw.kind(f) === 'string' ? ' (one-hot)' : ''}`).join(', ')}`);
  skipped.forEach((line) => console.log(line));
  const table = dropMissing(raw, [...features, target]);

  const scale = o.scale;
  const result = await trainTabularRegression(table, {
    target, features, scale,
    testSize: o.testSize, seed: o.seed, epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate,
    onProgress: (epoch, loss) => console.log(`  epoch ${String(epoch).padStart(4)}/${o.epochs}  training loss (MSE, scaled target) ${fmt(loss)}`),
  });
  console.log(`Split (seed ${o.seed}): ${result.nTrain} training rows, ${result.nTest} held-out rows; ${result.featureNames.length} inputs after encoding (${scale} scaling).`);

  const { network, linear, meanBaseline } = result;
  console.log(`\nHeld-out results for '${target}' (${result.nTest} rows, in the target's units):`);
  console.log(`  ${'model'.padEnd(38)} ${'MAE'.padStart(12)} ${'MSE'.padStart(14)} ${'R²'.padStart(8)}`);
  console.log(`  ${'neural network (32 relu, 32 relu, 1)'.padEnd(38)} ${fmt(network.mae).padStart(12)} ${fmt(network.mse).padStart(14)} ${network.r2.toFixed(3).padStart(8)}`);
  if ('error' in linear) console.log(`  linear baseline (least squares): not available (${linear.error})`);
  else console.log(`  ${'linear baseline (least squares)'.padEnd(38)} ${fmt(linear.mae).padStart(12)} ${fmt(linear.mse).padStart(14)} ${linear.r2.toFixed(3).padStart(8)}`);
  console.log(`  ${'predicting the training mean'.padEnd(38)} ${fmt(meanBaseline.mae).padStart(12)} ${fmt(meanBaseline.mse).padStart(14)} ${meanBaseline.r2.toFixed(3).padStart(8)}`);
  console.log(`  (network MAE on the ${scale}-scaled target: ${fmt(network.maeScaled)})`);

  const outDir = resolve(o.out);
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
  const files = writePictures(outDir, {
    'predicted-vs-true.png': picture,
    'loss-curve.png': lineChart({
      series: [{ name: 'training loss', values: result.lossHistory }],
      title: 'Training loss (MSE on the scaled target)', xLabel: 'epoch', yLabel: 'MSE',
    }),
  });
  await saveModel(result.model, join(outDir, 'model'));
  writeFileSync(join(outDir, 'model', 'preprocessing.json'), JSON.stringify({ target, preprocessor: result.preprocessor.toJSON() }, null, 1));
  console.log(`\n${wroteLine(files)}, and the model (with preprocessing.json) in ${join(outDir, 'model')}`);
}

export const command = defineCommand({
  summary: 'neural-network regression on a CSV or built-in table: held-out MAE/MSE vs a linear baseline, predicted-vs-true picture',
  usage: 'deepts regress <data.csv | cars | california | iris | penguins> --target COLUMN [options]',
  maxPositional: 1,
  options: regressOptions,
  run: (o, positional) => runRegress(o, positional),
});
