/**
 * The lecture's recap regression, exactly as the course's notebook configures it:
 *
 *   df = df.dropna(); df = (df - df.min()) / (df.max() - df.min())    # min-max, every column
 *   80/20 train/test split
 *   Input(8) → Dense(32, relu) → Dense(32, relu) → Dense(1)
 *   compile(optimizer=RMSprop(0.001), loss='mse', metrics=['mae'])
 *   fit(batch_size=16, epochs=10, validation_split=0.2)          # Keras: the last 20% validate
 *
 * The course reports a test MAE of about 0.09 on the scaled target. Run:
 *   node dist/examples/california-housing.js [outDir]
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Dense, getBackend, InputLayer, loadCaliforniaHousing, MinMaxScaler, RMSprop, Sequential, setSeed, stats, Tensor, trainTestSplit, viz, writePng } from '../src/index.js';
const { meanAbsoluteError, meanSquaredError } = stats;
const { lineChart, scatterPlot } = viz;

const outDir = resolve(process.argv[2] ?? 'examples-out/california-housing');
mkdirSync(outDir, { recursive: true });
const SEED = 42;
setSeed(SEED);

const raw = loadCaliforniaHousing();
const table = raw.dropna();
console.log(`California housing: ${raw.numRows} rows, ${raw.numRows - table.numRows} dropped by dropna()`);
console.log(table.head().toString());

// The course scales the whole data frame, target included, before splitting.
const columns = table.columns;
const features = columns.filter((c) => c !== 'median_house_value');
const scaler = new MinMaxScaler();
const scaled = scaler.fitTransform({ data: table.toMatrix([...features, 'median_house_value']), rows: table.numRows, cols: columns.length });
const width = columns.length;
const { trainIndices, testIndices } = trainTestSplit(table.numRows, { testSize: 0.2, seed: SEED });
const pick = (indices: Int32Array, from: number, count: number): Float32Array => {
  const out = new Float32Array(indices.length * count);
  indices.forEach((r, i) => { for (let j = 0; j < count; j++) out[i * count + j] = scaled.data[r * width + from + j]!; });
  return out;
};
const xTrain = new Tensor(pick(trainIndices, 0, 8), [trainIndices.length, 8]);
const yTrain = new Tensor(pick(trainIndices, 8, 1), [trainIndices.length, 1]);
const xTest = new Tensor(pick(testIndices, 0, 8), [testIndices.length, 8]);
const yTest = pick(testIndices, 8, 1);
console.log(`Split: ${trainIndices.length} training rows (of which Keras-style validationSplit 0.2 keeps the last ${Math.floor(trainIndices.length * 0.2)} for validation), ${testIndices.length} test rows`);

const model = new Sequential([
  new InputLayer({ shape: [8] }),
  new Dense(32, { activation: 'relu' }),
  new Dense(32, { activation: 'relu' }),
  new Dense(1),
], { name: 'california_regression' });
model.summary();
model.compile({ optimizer: new RMSprop({ learningRate: 0.001 }), loss: 'mse', metrics: ['mae'] });
const started = performance.now();
const history = await model.fit(xTrain, yTrain, { batchSize: 16, epochs: 10, validationSplit: 0.2, verbose: 2 });
const seconds = (performance.now() - started) / 1000;

const logs = await model.evaluateLogs(xTest, new Tensor(yTest, [yTest.length, 1]));
const predicted = Array.from(model.predict(xTest).values);
const yTrue = Array.from(yTest);
const maeScaled = meanAbsoluteError(yTrue, predicted);
const range = scaler.dataMax![8]! - scaler.dataMin![8]!;
console.log(`\nTest (${yTrue.length} rows): loss (MSE) ${logs['loss']!.toFixed(4)}, MAE ${logs['mae']!.toFixed(4)} on min-max-scaled values`);
console.log(`  the course: test MAE ≈ 0.09 on scaled values; deepts: ${maeScaled.toFixed(4)}`);
console.log(`  in dollars: MAE ${(maeScaled * range).toFixed(0)} (target range ${scaler.dataMin![8]}..${scaler.dataMax![8]}), RMSE ${(Math.sqrt(meanSquaredError(yTrue, predicted)) * range).toFixed(0)}`);
console.log(`  training time: ${seconds.toFixed(1)} s for 10 epochs on the ${getBackend().name} backend`);

writePng(join(outDir, 'loss-curve.png'), lineChart({
  series: [{ name: 'loss', values: history.history['loss'] ?? [] }, { name: 'val_loss', values: history.history['val_loss'] ?? [] }],
  title: 'California housing: MSE per epoch (scaled)', xLabel: 'epoch', yLabel: 'MSE',
}));
const toDollars = (v: number): number => v * range + scaler.dataMin![8]!;
const shown = yTrue.slice(0, 1500);
writePng(join(outDir, 'predicted-vs-true.png'), scatterPlot({
  points: shown.map((t, i) => ({ x: toDollars(t), y: toDollars(predicted[i]!) })),
  lines: [{ x1: toDollars(0), y1: toDollars(0), x2: toDollars(1), y2: toDollars(1), name: 'predicted = true' }],
  title: `Test median_house_value (MAE ${maeScaled.toFixed(3)} scaled)`, xLabel: 'true value ($)', yLabel: 'predicted value ($)',
}));
console.log(`Wrote ${join(outDir, 'loss-curve.png')} and ${join(outDir, 'predicted-vs-true.png')}`);
