/**
 * Q4 "Normalization vs Standardization" — the course's network on California housing
 * with raw inputs, min-max scaling, z-scores and a Normalization layer (z-scores inside
 * the model). total_rooms has far outliers, which squeeze min-max values into a thin band.
 */
import { setSeed } from '../tensor/random.js';
import { Sequential } from '../models/sequential.js';
import { Dense } from '../nn/layers/dense.js';
import { InputLayer } from '../nn/layers/reshaping.js';
import { Normalization } from '../nn/layers/normalization.js';
import type { Layer } from '../nn/layer.js';
import { RMSprop } from '../train/optimizers/index.js';
import { MinMaxScaler, StandardScaler } from '../data/preprocessing.js';
import { lineChart } from '../viz/charts.js';
import { experiment, fmt, type Figure } from './experiment.js';
import { type XY, numericXY, split, xTensor, yTensor } from './tabular.js';

export type Scaling = 'raw' | 'min-max' | 'z-score' | 'Normalization layer';
export const SCALINGS: readonly Scaling[] = ['raw', 'min-max', 'z-score', 'Normalization layer'];

export interface ScalingNumbers {
  /** Validation MAE in dollars after each epoch, per scaling. */
  valMae: Record<Scaling, number[]>;
  /** Test MAE in dollars of always guessing the training mean. */
  baselineMae: number;
  /** total_rooms: max over median, and the median after min-max scaling. */
  outlier: { maxOverMedian: number; minMaxMedian: number };
}

const FEATURES = ['longitude', 'latitude', 'housing_median_age', 'total_rooms', 'total_bedrooms', 'population', 'households', 'median_income'];
const TARGET_SCALE = 100_000;

function scaled(how: Scaling, train: XY, test: XY): { train: XY; test: XY } {
  if (how !== 'min-max' && how !== 'z-score') return { train, test };
  const s = (how === 'min-max' ? new MinMaxScaler() : new StandardScaler()).fit({ data: train.x, rows: train.rows, cols: train.cols });
  const t = (d: XY): XY => ({ ...d, x: Float64Array.from(s.transform({ data: d.x, rows: d.rows, cols: d.cols }).data) });
  return { train: t(train), test: t(test) };
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

export const scaling = experiment<ScalingNumbers>({
  id: 4,
  name: 'scaling',
  question: 'Normalization vs Standardization',
  async measure({ data, quick, seed, log }) {
    const table = await data.table('california');
    const parts = split(numericXY(table, FEATURES, 'median_house_value'), seed, 0.2, quick ? 3000 : Infinity, quick ? 1000 : Infinity);
    const epochs = quick ? 5 : 30;
    const rooms = FEATURES.indexOf('total_rooms');
    const roomsRaw = Array.from({ length: parts.train.rows }, (_, i) => parts.train.x[i * parts.train.cols + rooms]!);
    const mm = scaled('min-max', parts.train, parts.test).train;
    const roomsMm = Array.from({ length: mm.rows }, (_, i) => mm.x[i * mm.cols + rooms]!);
    const trainMean = parts.train.y.reduce((s, v) => s + v, 0) / parts.train.rows;
    const baselineMae = parts.test.y.reduce((s, v) => s + Math.abs(v - trainMean), 0) / parts.test.rows;
    const valMae = {} as Record<Scaling, number[]>;
    for (const how of SCALINGS) {
      const { train, test } = scaled(how, parts.train, parts.test);
      setSeed(seed);
      const layers: Layer[] = [new InputLayer({ shape: [FEATURES.length] }), new Dense(32, { activation: 'relu' }), new Dense(32, { activation: 'relu' }), new Dense(1)];
      if (how === 'Normalization layer') {
        const rows = Array.from({ length: train.rows }, (_, i) => Array.from(train.x.subarray(i * train.cols, (i + 1) * train.cols)));
        layers.splice(1, 0, new Normalization().adapt(rows));
      }
      const model = new Sequential(layers);
      model.compile({ optimizer: new RMSprop({ learningRate: 0.001 }), loss: 'mse', metrics: ['mae'] });
      const h = await model.fit(xTensor(train), yTensor(train, TARGET_SCALE), { epochs, batchSize: 16, verbose: 0, validationData: [xTensor(test), yTensor(test, TARGET_SCALE)] });
      valMae[how] = (h.history['val_mae'] ?? []).map((v) => v * TARGET_SCALE);
      log(`  ${how.padEnd(20)} validation MAE after ${epochs} epochs: $${fmt(valMae[how][epochs - 1] ?? NaN)}`);
    }
    const figures: Figure[] = [{
      file: 'scaling',
      title: 'Validation error per epoch by input scaling',
      picture: lineChart({
        title: `California housing, course network: validation MAE by input scaling`,
        xLabel: 'epoch', yLabel: 'validation MAE ($)', logY: true,
        series: [...SCALINGS.map((s) => ({ name: s, values: valMae[s] })), { name: 'guess the mean', values: Array.from({ length: epochs }, () => baselineMae), color: '#888888' }],
        width: 720, height: 440,
      }),
    }];
    return { numbers: { valMae, baselineMae, outlier: { maxOverMedian: Math.max(...roomsRaw) / median(roomsRaw), minMaxMedian: median(roomsMm) } }, figures };
  },
  conclude({ valMae, baselineMae, outlier }) {
    const final = (s: Scaling): number => valMae[s][valMae[s].length - 1] ?? NaN;
    const dollars = (v: number): string => `$${Math.round(v).toLocaleString('en-US')}`;
    const lines: string[] = [];
    lines.push(`Normalization (min-max) maps each feature to [0, 1]; standardization (z-score) gives it mean 0 and standard deviation 1. Final validation MAE: ${SCALINGS.map((s) => `${s} ${dollars(final(s))}`).join(', ')}; guessing the mean: ${dollars(baselineMae)}.`);
    const scaledBest = Math.min(final('min-max'), final('z-score'), final('Normalization layer'));
    lines.push(final('raw') > 1.3 * scaledBest
      ? `Raw inputs were ${fmt(final('raw') / scaledBest, 2)}× worse than the best scaled run: features of very different sizes (total_rooms in thousands next to median_income near 4) make one learning rate too large for some weights and too small for others.`
      : `Raw inputs came within ${fmt((final('raw') / scaledBest - 1) * 100, 2)} % of the best scaled run here; scaling still makes training far less sensitive to the learning rate.`);
    const zBetter = final('z-score') < final('min-max');
    lines.push(`total_rooms has outliers (its maximum is ${fmt(outlier.maxOverMedian)}× its median): after min-max, half its values lie below ${fmt(outlier.minMaxMedian)}. ${zBetter
      ? `Z-scores keep that spread usable, and standardization won here (${dollars(final('z-score'))} vs ${dollars(final('min-max'))}).`
      : `Min-max still did as well as z-scores here (${dollars(final('min-max'))} vs ${dollars(final('z-score'))}).`}`);
    lines.push(`The Normalization layer computes the same z-scores inside the model (${dollars(final('Normalization layer'))}), so a saved model carries its own scaling. Whichever you choose, fit it on the training rows only.`);
    return lines.join('\n');
  },
});
