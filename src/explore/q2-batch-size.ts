/**
 * Q2 "Why that specific batch size? What's an epoch?" — the course's network on
 * California housing with batch sizes from 8 to 1024: steps per epoch, time per epoch,
 * training loss against the number of examples seen, and the validation loss reached.
 */
import { setSeed } from '../tensor/random.js';
import { RMSprop } from '../train/optimizers/index.js';
import { buildRegressionNetwork } from '../tasks/tabular-regression.js';
import { lineChart } from '../viz/charts.js';
import { experiment, fmt, now, type Figure } from './experiment.js';
import { numericXY, split, standardize, xTensor, yTensor } from './tabular.js';

export interface BatchRun {
  batchSize: number;
  stepsPerEpoch: number;
  secondsPerEpoch: number;
  /** Validation loss after each epoch. */
  valLoss: number[];
  /** Training loss of every step (the batch's loss), in order. */
  stepLoss: number[];
}

export interface BatchNumbers {
  trainRows: number;
  epochs: number;
  runs: BatchRun[];
}

const FEATURES = ['longitude', 'latitude', 'housing_median_age', 'total_rooms', 'total_bedrooms', 'population', 'households', 'median_income'];

export const batchSize = experiment<BatchNumbers>({
  id: 2,
  name: 'batch-size',
  question: "Why that specific batch size? What's an epoch?",
  async measure({ data, quick, seed, log }) {
    const table = await data.table('california');
    const parts = split(numericXY(table, FEATURES, 'median_house_value'), seed, 0.2, quick ? 2000 : Infinity, quick ? 1000 : Infinity);
    const { train, test } = standardize(parts.train, parts.test);
    const x = xTensor(train), y = yTensor(train, 100_000), xv = xTensor(test), yv = yTensor(test, 100_000);
    const epochs = quick ? 4 : 20;
    const runs: BatchRun[] = [];
    for (const b of quick ? [8, 64, 512] : [8, 32, 128, 512, 1024]) {
      setSeed(seed);
      const model = buildRegressionNetwork(FEATURES.length);
      model.compile({ optimizer: new RMSprop({ learningRate: 0.001 }), loss: 'mse' });
      const stepLoss: number[] = [];
      let sumBefore = 0;
      const t0 = now();
      const history = await model.fit(x, y, {
        epochs, batchSize: b, verbose: 0, validationData: [xv, yv],
        // logs.loss is the running mean over the epoch (as Keras); recover each step's own loss.
        callbacks: [{ onEpochBegin: () => { sumBefore = 0; }, onBatchEnd: (step, logs) => { const total = (logs?.['loss'] ?? NaN) * (step + 1); stepLoss.push(total - sumBefore); sumBefore = total; } }],
      });
      const seconds = (now() - t0) / 1000;
      const valLoss = history.history['val_loss'] ?? [];
      runs.push({ batchSize: b, stepsPerEpoch: Math.ceil(train.rows / b), secondsPerEpoch: seconds / epochs, valLoss, stepLoss });
      log(`  batch ${String(b).padStart(4)}: ${Math.ceil(train.rows / b)} steps per epoch, ${fmt(seconds / epochs)} s per epoch, validation MSE ${fmt(valLoss[valLoss.length - 1] ?? NaN)}`);
    }
    const perEpoch = lineChart({
      title: 'Validation loss per epoch', xLabel: 'epoch', yLabel: 'validation MSE, ($100k)^2', logY: true,
      series: runs.map((r) => ({ name: `batch ${r.batchSize}`, values: r.valLoss })), width: 700, height: 440,
    });
    // Loss against examples seen (thousands), smoothed over a window of about 1,000 examples.
    const maxSeen = train.rows * epochs;
    const grid = Array.from({ length: 60 }, (_, i) => ((i + 1) / 60) * maxSeen);
    const perSample = lineChart({
      title: 'Training loss vs examples seen', xLabel: 'examples seen (thousands)', yLabel: 'training MSE (smoothed)', logY: true,
      x: grid.map((g) => Math.round(g / 100) / 10),
      series: runs.map((r) => ({
        name: `batch ${r.batchSize}`,
        values: grid.map((g) => {
          const step = Math.min(r.stepLoss.length - 1, Math.floor(g / r.batchSize) - 1);
          const window = Math.max(1, Math.round(1000 / r.batchSize));
          const from = Math.max(0, step - window + 1);
          const slice = r.stepLoss.slice(from, step + 1).filter(Number.isFinite);
          return slice.length ? slice.reduce((s, v) => s + v, 0) / slice.length : NaN;
        }),
      })),
      width: 700, height: 440,
    });
    const figures: Figure[] = [
      { file: 'batch-size-per-epoch', title: 'Validation loss per epoch by batch size', picture: perEpoch },
      { file: 'batch-size-per-example', title: 'Training loss against examples seen by batch size', picture: perSample },
    ];
    return { numbers: { trainRows: train.rows, epochs, runs }, figures };
  },
  conclude({ trainRows, epochs, runs }) {
    const lines: string[] = [];
    const first = runs[0]!, last = runs[runs.length - 1]!;
    lines.push(`An epoch is one pass over all ${trainRows.toLocaleString('en-US')} training rows. With batch size b it takes ceil(${trainRows}/b) steps, one weight update per step: ${runs.map((r) => `b=${r.batchSize} → ${r.stepsPerEpoch} steps`).join(', ')}.`);
    const final = (r: BatchRun): number => r.valLoss[r.valLoss.length - 1] ?? NaN;
    const best = runs.reduce((a, b) => (final(b) < final(a) ? b : a));
    const fastest = runs.reduce((a, b) => (b.secondsPerEpoch < a.secondsPerEpoch ? b : a));
    lines.push(`Per epoch, batch ${fastest.batchSize} was fastest (${fmt(fastest.secondsPerEpoch)} s) and batch ${first.batchSize} took ${fmt(first.secondsPerEpoch)} s: small batches pay a fixed cost per step ${first.stepsPerEpoch} times.`);
    lines.push(`After ${epochs} epochs the best validation MSE came from batch ${best.batchSize} (${fmt(final(best))}); batch ${last.batchSize} reached ${fmt(final(last))}${final(last) > 1.2 * final(best) ? ` — ${fmt(final(last) / final(best), 2)}× worse, because it made only ${last.stepsPerEpoch * epochs} updates in all` : ''}.`);
    lines.push(best.batchSize === first.batchSize
      ? 'Here the smallest batch learned most per epoch (most updates), at the highest cost in time: the batch size trades updates per epoch against speed per example.'
      : `Neither extreme won: mid-sized batches (the course's choice is of this kind) give enough updates per epoch while keeping each step efficient.`);
    return lines.join('\n');
  },
});
