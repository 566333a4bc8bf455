/**
 * Strings, categories and missing values on real data: predict a car's miles per gallon from
 * the vega-datasets cars table (406 cars, 1970–1982). `Origin` is a string column (USA,
 * Europe, Japan) → one-hot; `Horsepower` and `Miles_per_Gallon` have gaps → those rows are
 * dropped (and counted); numbers are standardized (z-scores) with statistics of the training rows only
 * (min-max works too, it needs about 200 epochs for the same result: see normalization-vs-standardization).
 *
 * The course's regression network (Dense 32 relu → Dense 32 relu → Dense 1, RMSprop 0.001,
 * batch 16) against ordinary least squares on the same encoded inputs, over five seeded
 * splits so the comparison is not one lucky split. Run: node dist/examples/cars-mpg.js [outDir]
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dropMissing, loadCars, type TabularRegressionResult, trainTabularRegression, viz, writePng } from '../src/index.js';
const { scatterPlot } = viz;

const outDir = resolve(process.argv[2] ?? 'examples-out/cars-mpg');
mkdirSync(outDir, { recursive: true });

const raw = loadCars();
console.log(raw.head().toString());
console.log(`Missing values per column: ${JSON.stringify(raw.missing())}`);
// Year is stored as an ISO date ("1970-01-01"); the model year as a number is the useful input.
const cars = raw.withColumn('Model_Year', raw.strings('Year').map((d) => (d === null ? null : Number(d.slice(0, 4)))));
const target = 'Miles_per_Gallon';
const features = ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Model_Year', 'Origin'];
const table = dropMissing(cars, [...features, target]);
console.log(`Origin categories: ${[...table.valueCounts('Origin').entries()].map(([k, v]) => `${k} (${v})`).join(', ')}`);

const seeds = [1, 2, 3, 4, 5];
const runs: TabularRegressionResult[] = [];
for (const seed of seeds) {
  const r = await trainTabularRegression(table, { target, features, scale: 'standard', testSize: 0.2, seed, epochs: 100, batchSize: 16, learningRate: 0.001 });
  runs.push(r);
  const lin = 'error' in r.linear ? NaN : r.linear.mae;
  console.log(`seed ${seed}: held-out MAE network ${r.network.mae.toFixed(3)} mpg, linear ${lin.toFixed(3)} mpg  (MSE ${r.network.mse.toFixed(2)} vs ${'error' in r.linear ? 'n/a' : r.linear.mse.toFixed(2)})`);
}
const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
const sd = (v: number[]): number => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));
const nn = runs.map((r) => r.network.mae);
const lin = runs.map((r) => ('error' in r.linear ? NaN : r.linear.mae));
console.log(`\n${runs[0]!.featureNames.length} inputs after encoding: ${runs[0]!.featureNames.join(', ')}`);
console.log(`Held-out MAE over ${seeds.length} splits (${runs[0]!.nTest} cars each):`);
console.log(`  neural network      ${mean(nn).toFixed(3)} ± ${sd(nn).toFixed(3)} mpg`);
console.log(`  linear (OLS)        ${mean(lin).toFixed(3)} ± ${sd(lin).toFixed(3)} mpg`);
console.log(`  the network wins on ${nn.filter((v, i) => v < lin[i]!).length} of ${seeds.length} splits; mean gain ${(mean(lin) - mean(nn)).toFixed(3)} mpg (${(100 * (1 - mean(nn) / mean(lin))).toFixed(0)}%)`);

const first = runs[0]!;
const points = first.yTest.map((t, i) => ({ x: t, y: first.network.predictions[i]!, cls: 0 }));
if (!('error' in first.linear)) { const l = first.linear; points.push(...first.yTest.map((t, i) => ({ x: t, y: l.predictions[i]!, cls: 1 }))); }
writePng(join(outDir, 'predicted-vs-true.png'), scatterPlot({
  points,
  classNames: [`network (MAE ${first.network.mae.toFixed(2)})`, `linear (MAE ${('error' in first.linear ? NaN : first.linear.mae).toFixed(2)})`],
  lines: [{ x1: 9, y1: 9, x2: 47, y2: 47, name: 'predicted = true', color: '#444444' }],
  title: 'Cars: held-out miles per gallon (seed 1)', xLabel: 'true MPG', yLabel: 'predicted MPG',
}));
console.log(`Wrote ${join(outDir, 'predicted-vs-true.png')}`);
