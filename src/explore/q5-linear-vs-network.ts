/**
 * Q5 "If this is a Linear Regression why are we using a Neural Net?" — on data that
 * really is a line, least squares (closed form), one Dense unit trained by gradient
 * descent and a deeper network all find the same line. On curved data only the deeper
 * network fits: hidden layers with a non-linear activation are what a line cannot do.
 */
import { Rng, setSeed } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Sequential } from '../models/sequential.js';
import { Dense } from '../nn/layers/dense.js';
import { InputLayer } from '../nn/layers/reshaping.js';
import { Adam } from '../train/optimizers/index.js';
import { simpleLinearRegression } from '../stats/linear-regression.js';
import { scatterPlot } from '../viz/charts.js';
import { experiment, fmt, type Figure } from './experiment.js';

export interface FitNumbers {
  ols: { a: number; b: number; mse: number };
  dense1: { a: number; b: number; mse: number };
  deep: { mse: number };
}

export interface LinearVsNetworkNumbers {
  /** The line the linear data was drawn from, and its noise's standard deviation. */
  truth: { a: number; b: number; noise: number };
  linear: FitNumbers;
  curved: FitNumbers;
}

const N = 300;

function data(rng: Rng, f: (x: number) => number, noise: number): { x: number[]; y: number[] } {
  const x = Array.from({ length: N }, () => rng.uniform(-3, 3));
  return { x, y: x.map((v) => f(v) + rng.normal(0, noise)) };
}

async function fitAll(x: number[], y: number[], seed: number, epochs: number): Promise<{ numbers: FitNumbers; curves: { name: string; points: { x: number; y: number }[] }[] }> {
  const mse = (pred: ArrayLike<number>): number => y.reduce((s, v, i) => s + (v - pred[i]!) ** 2, 0) / y.length;
  const ols = simpleLinearRegression(x, y);
  const xt = new Tensor(Float32Array.from(x), [N, 1]), yt = new Tensor(Float32Array.from(y), [N, 1]);
  setSeed(seed);
  const unit = new Dense(1);
  const linear = new Sequential([new InputLayer({ shape: [1] }), unit]);
  // Whole-batch gradient descent, so it settles on the minimum instead of jittering around it.
  linear.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'mse' });
  await linear.fit(xt, yt, { epochs: 5 * epochs, batchSize: N, verbose: 0 });
  setSeed(seed);
  const deep = new Sequential([new InputLayer({ shape: [1] }), new Dense(32, { activation: 'relu' }), new Dense(32, { activation: 'relu' }), new Dense(1)]);
  deep.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'mse' });
  await deep.fit(xt, yt, { epochs, batchSize: 32, verbose: 0 });
  const [kernel, bias] = linear.getWeights();
  const grid = Array.from({ length: 61 }, (_, i) => -3 + i * 0.1);
  const gridT = new Tensor(Float32Array.from(grid), [grid.length, 1]);
  const line = (a: number, b: number) => grid.map((g) => ({ x: g, y: a * g + b }));
  const deepGrid = deep.predict(gridT).values;
  return {
    numbers: {
      ols: { a: ols.a, b: ols.b, mse: mse(x.map((v) => ols.a * v + ols.b)) },
      dense1: { a: kernel!.values[0]!, b: bias!.values[0]!, mse: mse(linear.predict(xt).values) },
      deep: { mse: mse(deep.predict(xt).values) },
    },
    curves: [
      { name: 'least squares (closed form)', points: line(ols.a, ols.b) },
      { name: 'Dense(1), trained', points: line(kernel!.values[0]!, bias!.values[0]!) },
      { name: 'network 32-32 relu', points: grid.map((g, i) => ({ x: g, y: deepGrid[i]! })) },
    ],
  };
}

export const linearVsNetwork = experiment<LinearVsNetworkNumbers>({
  id: 5,
  name: 'linear-vs-network',
  question: 'If this is a Linear Regression why are we using a Neural Net?',
  async measure({ quick, seed, log }) {
    const rng = new Rng(seed);
    const truth = { a: 2, b: 1, noise: 0.5 };
    const lin = data(rng, (v) => truth.a * v + truth.b, truth.noise);
    const curved = data(rng, (v) => Math.sin(2 * v) + 0.3 * v * v, 0.15);
    const epochs = quick ? 60 : 300;
    const a = await fitAll(lin.x, lin.y, seed, epochs);
    const b = await fitAll(curved.x, curved.y, seed, epochs);
    log(`  linear data: OLS MSE ${fmt(a.numbers.ols.mse)}, Dense(1) ${fmt(a.numbers.dense1.mse)}, deep ${fmt(a.numbers.deep.mse)}`);
    log(`  curved data: OLS MSE ${fmt(b.numbers.ols.mse)}, Dense(1) ${fmt(b.numbers.dense1.mse)}, deep ${fmt(b.numbers.deep.mse)}`);
    const plot = (d: { x: number[]; y: number[] }, curves: typeof a.curves, title: string) => scatterPlot({
      title, xLabel: 'x', yLabel: 'y', points: d.x.map((x, i) => ({ x, y: d.y[i]!, cls: 7 })),
      curves: curves.map((c, i) => ({ ...c, color: ['#d62728', '#1f77b4', '#2ca02c'][i], thickness: i === 0 ? 5 : 2 })), // the wide red line shows under the blue one where they agree width: 640, height: 420,
    });
    const figures: Figure[] = [
      { file: 'linear-data', title: 'Linear data: three fits', picture: plot(lin, a.curves, 'Linear data y = 2x + 1 + noise: three fits') },
      { file: 'curved-data', title: 'Curved data: three fits', picture: plot(curved, b.curves, 'Curved data y = sin(2x) + 0.3x^2 + noise') },
    ];
    return { numbers: { truth, linear: a.numbers, curved: b.numbers }, figures };
  },
  conclude({ truth, linear, curved }) {
    const lines: string[] = [];
    const da = Math.abs(linear.ols.a - linear.dense1.a), db = Math.abs(linear.ols.b - linear.dense1.b);
    lines.push(`On data drawn from y = ${truth.a}x + ${truth.b} plus noise, least squares finds a = ${fmt(linear.ols.a, 4)}, b = ${fmt(linear.ols.b, 4)}; one Dense unit trained by gradient descent finds a = ${fmt(linear.dense1.a, 4)}, b = ${fmt(linear.dense1.b, 4)}${da < 0.01 && db < 0.01 ? ' — the same line' : ` (off by ${fmt(Math.max(da, db), 2)}: not fully converged)`}. A Dense(1) layer without activation IS linear regression, and minimising MSE is least squares.`);
    lines.push(`The 32-32 network reaches MSE ${fmt(linear.deep.mse)} there against ${fmt(linear.ols.mse)} for the line: ${linear.deep.mse < 0.9 * linear.ols.mse ? 'a little lower, by bending to the noise — not a better model' : 'no better'}; on linear data a network buys nothing.`);
    const gain = curved.ols.mse / Math.max(curved.deep.mse, 1e-12);
    lines.push(`On curved data the best line has MSE ${fmt(curved.ols.mse)}, the network ${fmt(curved.deep.mse)}${gain > 2 ? ` — ${fmt(gain, 2)}× lower: hidden layers with relu can bend; a line cannot` : ' — the network did not do much better here'}.`);
    lines.push('That is why the course uses a network: the same code fits whatever shape the data has, and for truly linear data it gives the linear answer.');
    return lines.join('\n');
  },
});
