/**
 * The fused batch normalization (autograd/ops/normalization.ts): the same values and gradients
 * as the formula written with separate ops, finite-difference gradients in training and
 * inference mode, and a BatchNormalization layer on the last axis running it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchNormalization, Tensor, listBackends, getBackend, ops, setBackend } from '../src/index.js';
import { gradients } from '../src/autograd/tape.js';
import { Rng } from '../src/tensor/random.js';
import { assertClose, checkGradients, randomTensor } from './helpers.js';

const EPS = 1e-3;

/** The batch-norm formula from separate ops, over every axis but the last. */
function composite(x: Tensor, gamma: Tensor, beta: Tensor, stats?: { mean: Tensor; variance: Tensor }): Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const c = x.shape[x.rank - 1]!;
  const shape = x.shape.map((d, i) => (i === x.rank - 1 ? d : 1));
  const mean = stats ? ops.reshape(stats.mean, shape) : ops.mean(x, axes, true);
  const centred = ops.sub(x, mean);
  const variance = stats ? ops.reshape(stats.variance, shape) : ops.mean(ops.square(centred), axes, true);
  const y = ops.mul(centred, ops.rsqrt(ops.add(variance, EPS)));
  return ops.add(ops.mul(y, ops.reshape(gamma, [c])), ops.reshape(beta, [c]));
}

for (const backend of listBackends().map((b) => b.name)) {
  test(`batchNormTraining equals the formula written with separate ops, values and gradients (${backend})`, () => {
    const before = getBackend().name;
    setBackend(backend);
    try {
      const rng = new Rng(3);
      for (const shape of [[7, 5], [4, 6, 5, 3], [128, 13, 13, 32]]) {
        const c = shape[shape.length - 1]!;
        const x = new Tensor(randomTensor(shape, rng, -2, 3).values, shape, true);
        const gamma = new Tensor(randomTensor([c], rng, 0.5, 1.5).values, [c], true);
        const beta = new Tensor(randomTensor([c], rng).values, [c], true);
        const fused = ops.batchNormTraining(x, gamma, beta, EPS);
        const plain = composite(x, gamma, beta);
        assertClose(fused.y.values, plain.values, 2e-5, `${shape} y`);
        const w = randomTensor(shape, rng);
        const gf = gradients(ops.sum(ops.mul(fused.y, w)), [x, gamma, beta]);
        const gp = gradients(ops.sum(ops.mul(plain, w)), [x, gamma, beta]);
        // dx sums cancel: compared against the size of the sums' terms
        gf.forEach((g, i) => assertClose(g!.values, gp[i]!.values, i === 0 ? 1e-4 : 2e-4, `${shape} gradient ${i}`));
        // the returned statistics: the biased variance, as the moving averages take it
        const axes = shape.slice(0, -1).map((_, i) => i);
        assertClose(fused.mean.values, ops.mean(x, axes).values, 1e-5, `${shape} mean`);
        assertClose(fused.variance.values, ops.mean(ops.square(ops.sub(x, ops.mean(x, axes, true))), axes).values, 1e-5, `${shape} variance`);
      }
    } finally {
      setBackend(before);
    }
  });
}

test('batch norm gradients match finite differences, training (through the batch statistics) and inference', () => {
  const rng = new Rng(9);
  const x = randomTensor([6, 4], rng, -2, 2);
  const gamma = randomTensor([4], rng, 0.5, 1.5);
  const beta = randomTensor([4], rng);
  checkGradients((a, g, b) => ops.batchNormTraining(a!, g!, b!, EPS).y, [x, gamma, beta], { eps: 1e-2, tol: 2e-2 });
  const mean = randomTensor([4], rng), variance = randomTensor([4], rng, 0.5, 2);
  checkGradients((a, g, b) => ops.batchNormInference(a!, g!, b!, mean, variance, EPS), [x, gamma, beta], { eps: 1e-2, tol: 2e-2 });
  // without gamma and beta (center: false, scale: false)
  checkGradients((a) => ops.batchNormTraining(a!, null, null, EPS).y, [randomTensor([5, 3, 2], rng)], { eps: 1e-2, tol: 2e-2 });
});

test('the layer on the last axis: training uses and returns batch statistics, inference the moving ones; NaN propagates', () => {
  const rng = new Rng(4);
  const bn = new BatchNormalization({ momentum: 0.5 });
  const x = randomTensor([16, 3, 3, 4], rng, 1, 5);
  const y = bn.apply(x, { training: true }) as Tensor;
  const axes = [0, 1, 2];
  assertClose(ops.mean(y, axes).values, [0, 0, 0, 0], 1e-5, 'batch mean of the output');
  // moving = 0.5·initial + 0.5·batch
  assertClose(bn.movingMean!.values, ops.mul(ops.mean(x, axes), 0.5).values, 1e-5, 'moving mean');
  const inference = bn.apply(x, { training: false }) as Tensor;
  assertClose(inference.values, composite(x, bn.gamma!, bn.beta!, { mean: bn.movingMean!, variance: bn.movingVariance! }).values, 1e-5, 'inference');
  const bad = Float32Array.from(x.values);
  bad[5] = NaN; // channel 1
  const yBad = bn.apply(new Tensor(bad, x.shape), { training: true }) as Tensor;
  for (let i = 0; i < yBad.size; i++) assert.equal(Number.isNaN(yBad.values[i]!), i % 4 === 1, `element ${i}`);
});
