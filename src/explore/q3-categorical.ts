/**
 * Q3 "Strings and categorical values" — cars' fuel use (miles per gallon) from weight,
 * horsepower and model year plus the car's origin (Europe / Japan / USA, a string).
 * The origin is dropped, label-encoded (Europe = 0, Japan = 1, USA = 2, alphabetical) or
 * one-hot encoded, for a linear model (least squares) and the course's network.
 */
import { setSeed } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Adam } from '../train/optimizers/index.js';
import { StandardScaler, trainTestSplit } from '../data/preprocessing.js';
import { fitOLS } from '../stats/linear-regression.js';
import { buildRegressionNetwork } from '../tasks/tabular-regression.js';
import { barChart } from '../viz/bar-chart.js';
import { experiment, fmt, type Figure } from './experiment.js';
import { meanAbs } from './tabular.js';

export type Encoding = 'dropped' | 'label codes' | 'one-hot';
export interface CategoricalNumbers {
  categories: string[];
  /** Mean target per category, in the order of `categories` (alphabetical = the label codes). */
  categoryMeans: number[];
  /** Test MAE (mpg), mean over seeds, per model and encoding. */
  mae: { linear: Record<Encoding, number>; network: Record<Encoding, number> };
  baselineMae: number;
  seeds: number;
}

const NUMERIC = ['Weight_in_lbs', 'Horsepower', 'Model_Year'];
const ENCODINGS: readonly Encoding[] = ['dropped', 'label codes', 'one-hot'];

/** Rows of numeric features followed by the origin, encoded one of the three ways. */
function encode(numeric: number[][], origin: string[], categories: string[], how: Encoding, dropFirst: boolean): number[][] {
  return numeric.map((row, i) => {
    const code = categories.indexOf(origin[i]!);
    if (how === 'dropped') return row;
    if (how === 'label codes') return [...row, code];
    // A linear model with an intercept needs one column fewer (the first category is the reference).
    const hot = categories.map((_, k) => (k === code ? 1 : 0));
    return [...row, ...(dropFirst ? hot.slice(1) : hot)];
  });
}

export const categorical = experiment<CategoricalNumbers>({
  id: 3,
  name: 'categorical',
  question: 'Strings and categorical values',
  async measure({ data, quick, seed, log }) {
    const raw = await data.table('cars');
    const withYear = raw.withColumn('Model_Year', raw.strings('Year').map((d) => (d === null ? null : Number(d.slice(0, 4)))));
    const cars = withYear.dropna([...NUMERIC, 'Origin', 'Miles_per_Gallon']);
    const numeric = cars.toArrays(NUMERIC);
    const origin = cars.strings('Origin').map((s) => s ?? '');
    const y = cars.numbers('Miles_per_Gallon');
    const categories = [...new Set(origin)].sort();
    const categoryMeans = categories.map((c) => { const v = y.filter((_, i) => origin[i] === c); return v.reduce((s, a) => s + a, 0) / v.length; });
    const seeds = quick ? 1 : 5;
    const sums = { linear: { dropped: 0, 'label codes': 0, 'one-hot': 0 }, network: { dropped: 0, 'label codes': 0, 'one-hot': 0 } };
    let baseline = 0;
    for (let s = 0; s < seeds; s++) {
      const { trainIndices, testIndices } = trainTestSplit(cars.numRows, { testSize: 0.2, seed: seed + s });
      const pick = <T>(a: T[], idx: Int32Array): T[] => Array.from(idx, (i) => a[i]!);
      const yTrain = pick(y, trainIndices), yTest = pick(y, testIndices);
      const trainMean = yTrain.reduce((a, b) => a + b, 0) / yTrain.length;
      baseline += meanAbs(yTest, yTest.map(() => trainMean)) / seeds;
      for (const how of ENCODINGS) {
        const xl = encode(numeric, origin, categories, how, true);
        const ols = fitOLS(pick(xl, trainIndices), yTrain);
        sums.linear[how] += meanAbs(yTest, ols.predict(pick(xl, testIndices))) / seeds;
        const xn = encode(numeric, origin, categories, how, false);
        const scaler = new StandardScaler().fit(pick(xn, trainIndices));
        const t = (rows: number[][]): Tensor => new Tensor(Float32Array.from(scaler.transform(rows).flat()), [rows.length, rows[0]!.length]);
        setSeed(seed + s);
        const model = buildRegressionNetwork(xn[0]!.length);
        model.compile({ optimizer: new Adam({ learningRate: 0.003 }), loss: 'mse' });
        await model.fit(t(pick(xn, trainIndices)), new Tensor(Float32Array.from(yTrain), [yTrain.length, 1]), { epochs: quick ? 60 : 200, batchSize: 16, verbose: 0 });
        sums.network[how] += meanAbs(yTest, model.predict(t(pick(xn, testIndices))).values) / seeds;
      }
      log(`  split ${s + 1}/${seeds} done`);
    }
    const numbers: CategoricalNumbers = { categories, categoryMeans, mae: sums, baselineMae: baseline, seeds };
    for (const m of ['linear', 'network'] as const) log(`  ${m}: ${ENCODINGS.map((e) => `${e} ${fmt(sums[m][e])} mpg`).join(', ')}`);
    const figures: Figure[] = [{
      file: 'categorical',
      title: 'Test error by encoding of the origin column',
      picture: barChart({
        title: `Cars MPG: test MAE by how "Origin" is encoded (mean of ${seeds} split${seeds > 1 ? 's' : ''})`,
        yLabel: 'test MAE (mpg)',
        groups: ENCODINGS.map((e) => e),
        series: [{ name: 'linear (least squares)', values: ENCODINGS.map((e) => sums.linear[e]) }, { name: 'network 32-32', values: ENCODINGS.map((e) => sums.network[e]) }],
        reference: { name: 'guess the mean', value: baseline },
      }),
    }];
    return { numbers, figures };
  },
  conclude({ categories, categoryMeans, mae, baselineMae }) {
    const lines: string[] = [];
    lines.push(`A network only takes numbers, so a string column must be encoded. Origin has ${categories.length} values: ${categories.map((c, i) => `${c} (code ${i}, mean ${fmt(categoryMeans[i]!)} mpg)`).join(', ')}.`);
    const monotone = categoryMeans.every((m, i) => i === 0 || m >= categoryMeans[i - 1]!) || categoryMeans.every((m, i) => i === 0 || m <= categoryMeans[i - 1]!);
    lines.push(monotone
      ? 'Here the mean mpg happens to rise or fall steadily with the alphabetical codes, so label codes are less harmful than usual.'
      : 'The mean mpg does not rise or fall steadily with the codes: a label code tells the model that Japan lies "between" Europe and USA and that USA is "twice" Japan, which is false.');
    const l = mae.linear, n = mae.network;
    lines.push(`Linear model: dropped ${fmt(l.dropped)}, label codes ${fmt(l['label codes'])}, one-hot ${fmt(l['one-hot'])} mpg (guessing the mean: ${fmt(baselineMae)}).`);
    lines.push(l['one-hot'] < l['label codes']
      ? `One-hot beat label codes for the linear model by ${fmt(l['label codes'] - l['one-hot'], 2)} mpg: a straight line through arbitrary codes cannot give each origin its own offset; one column per origin can.`
      : `For the linear model, label codes did as well as one-hot here (${fmt(l['label codes'])} vs ${fmt(l['one-hot'])}).`);
    lines.push(`Network: dropped ${fmt(n.dropped)}, label codes ${fmt(n['label codes'])}, one-hot ${fmt(n['one-hot'])} mpg. ${n['one-hot'] <= n['label codes']
      ? 'One-hot is also the safer input for the network; it can bend around label codes only by spending units on undoing the false order.'
      : 'The network bent around the false order of the codes here, but it has to learn to undo it; one-hot gives it the categories directly.'}`);
    lines.push('Rule: one-hot encode unordered categories (OneHotEncoder, or TabularPreprocessor does it for every string column); keep label codes for targets of a classifier and for truly ordered values.');
    return lines.join('\n');
  },
});
