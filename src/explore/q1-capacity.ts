/**
 * Q1 "Why those numbers of layers and nodes?" — a capacity sweep: the same data
 * (California housing, a limited training set so over-fitting can show) through
 * networks of 1–3 hidden layers of 2…512 units. Train vs validation error per
 * setting shows under-fitting (both high) and over-fitting (train low, validation up),
 * and where the course's 32-32 sits.
 */
import { setSeed } from '../tensor/random.js';
import { Sequential } from '../models/sequential.js';
import { Dense } from '../nn/layers/dense.js';
import { InputLayer } from '../nn/layers/reshaping.js';
import { Adam } from '../train/optimizers/index.js';
import { lineChart } from '../viz/charts.js';
import { experiment, fmt, type Figure } from './experiment.js';
import { numericXY, split, standardize, xTensor, yTensor } from './tabular.js';

export interface CapacityRun {
  depth: number;
  width: number;
  params: number;
  trainMse: number;
  valMse: number;
}

export interface CapacityNumbers {
  runs: CapacityRun[];
  trainRows: number;
  epochs: number;
  /** Validation MSE of always predicting the training mean. */
  baselineMse: number;
}

const FEATURES = ['longitude', 'latitude', 'housing_median_age', 'total_rooms', 'total_bedrooms', 'population', 'households', 'median_income'];
const TARGET_SCALE = 100_000; // dollars → units of $100k, so MSE reads in ($100k)²

export const capacity = experiment<CapacityNumbers>({
  id: 1,
  name: 'capacity',
  question: 'Why those specific numbers of layers and nodes?',
  async measure({ data, quick, seed, log }) {
    const table = await data.table('california');
    const all = numericXY(table, FEATURES, 'median_house_value');
    const parts = split(all, seed, 0.2, quick ? 400 : 1500, quick ? 1000 : 3400);
    const { train, test } = standardize(parts.train, parts.test);
    const widths = quick ? [2, 32, 256] : [2, 8, 32, 128, 384];
    const depths = quick ? [1, 2] : [1, 2, 3];
    const epochs = quick ? 30 : 120;
    const x = xTensor(train), y = yTensor(train, TARGET_SCALE), xv = xTensor(test), yv = yTensor(test, TARGET_SCALE);
    const trainMean = train.y.reduce((s, v) => s + v, 0) / train.rows / TARGET_SCALE;
    const baselineMse = test.y.reduce((s, v) => s + (v / TARGET_SCALE - trainMean) ** 2, 0) / test.rows;
    const runs: CapacityRun[] = [];
    for (const depth of depths) {
      for (const width of widths) {
        setSeed(seed);
        const model = new Sequential([new InputLayer({ shape: [FEATURES.length] }), ...Array.from({ length: depth }, () => new Dense(width, { activation: 'relu' })), new Dense(1)]);
        model.compile({ optimizer: new Adam({ learningRate: 0.001 }), loss: 'mse' });
        await model.fit(x, y, { epochs, batchSize: 32, verbose: 0 });
        const trainMse = (await model.evaluateLogs(x, y, { batchSize: 1024, verbose: 0 }))['loss']!;
        const valMse = (await model.evaluateLogs(xv, yv, { batchSize: 1024, verbose: 0 }))['loss']!;
        runs.push({ depth, width, params: model.countParams(), trainMse, valMse });
        log(`  ${depth} × ${String(width).padStart(3)} units (${model.countParams()} params): train MSE ${fmt(trainMse)}, validation MSE ${fmt(valMse)}`);
      }
    }
    const figures: Figure[] = [{
      file: 'capacity',
      title: 'Train vs validation error by network size',
      picture: lineChart({
        title: `Capacity sweep: California housing, ${train.rows} training rows, ${epochs} epochs`,
        xLabel: 'units per hidden layer (log scale)',
        yLabel: 'MSE, ($100k)^2',
        x: widths.map((w) => Math.log2(w)),
        xTicks: widths.map((w) => ({ value: Math.log2(w), label: String(w) })),
        logY: true,
        series: depths.flatMap((d) => [
          { name: `${d} layer${d > 1 ? 's' : ''}: train`, values: runs.filter((r) => r.depth === d).map((r) => r.trainMse) },
          { name: `${d} layer${d > 1 ? 's' : ''}: validation`, values: runs.filter((r) => r.depth === d).map((r) => r.valMse) },
        ]),
        width: 760,
        height: 460,
      }),
    }];
    return { numbers: { runs, trainRows: train.rows, epochs, baselineMse }, figures };
  },
  conclude({ runs, trainRows, epochs, baselineMse }) {
    const name = (r: CapacityRun): string => `${r.depth}×${r.width} (${r.params.toLocaleString('en-US')} weights)`;
    const bySize = [...runs].sort((a, b) => a.params - b.params);
    const smallest = bySize[0]!, largest = bySize[bySize.length - 1]!;
    const best = runs.reduce((a, b) => (b.valMse < a.valMse ? b : a));
    const lines: string[] = [];
    lines.push(`Trained on ${trainRows.toLocaleString('en-US')} rows for ${epochs} epochs; guessing the mean scores a validation MSE of ${fmt(baselineMse)}.`);
    const underfit = smallest.trainMse > 1.5 * best.trainMse;
    lines.push(underfit
      ? `The smallest network, ${name(smallest)}, cannot even fit its training data (train MSE ${fmt(smallest.trainMse)} against ${fmt(best.trainMse)} for the best): too little capacity, under-fitting.`
      : `Even the smallest network, ${name(smallest)}, fits the training data nearly as well as the best (train MSE ${fmt(smallest.trainMse)}): this data needs little capacity.`);
    const gap = largest.valMse / Math.max(largest.trainMse, 1e-12);
    lines.push(gap > 1.5 && largest.valMse > best.valMse
      ? `The largest, ${name(largest)}, drives its training error down to ${fmt(largest.trainMse)} but validates at ${fmt(largest.valMse)} (${fmt(gap, 2)}× its training error): it memorises the ${trainRows.toLocaleString('en-US')} rows instead of learning the pattern, over-fitting.`
      : `The largest, ${name(largest)}, validates at ${fmt(largest.valMse)} with training error ${fmt(largest.trainMse)}: no strong over-fitting at this training length.`);
    lines.push(`Best validation error: ${name(best)} at ${fmt(best.valMse)}.`);
    const course = runs.find((r) => r.depth === 2 && r.width === 32);
    if (course) {
      const rank = [...runs].sort((a, b) => a.valMse - b.valMse).indexOf(course) + 1;
      lines.push(`The course's 32-32 validates at ${fmt(course.valMse)}, ${rank === 1 ? 'the best of all settings' : `rank ${rank} of ${runs.length}, ${fmt((course.valMse / best.valMse - 1) * 100, 2)} % above the best`}${rank <= Math.ceil(runs.length / 2) ? ': a sensible middle for a table of a few features' : ': on this much data another size suits better'}.`);
    }
    lines.push('There is no formula for layers and nodes: pick a size between the two failure modes by measuring validation error, as here.');
    return lines.join('\n');
  },
});
