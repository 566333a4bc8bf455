/**
 * Batch normalization over the last axis (channels last), fused: one kernel computes the
 * batch statistics, one normalizes, one gives all three gradients
 *
 *   y = (x − μ)·γ/σ + β,  σ = √(var + ε)
 *   dγ = Σ dy·x̂,  dβ = Σ dy,  dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂))   (x̂ = (x − μ)/σ)
 *
 * where the sums run over every axis but the last. With batch statistics (training) dx flows
 * through μ and var too; with given statistics (inference) they are constants: dx = γ/σ·dy.
 */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';
import { record } from '../tape.js';
import { float, kernels, newTensor } from './util.js';

function check(x: Tensor, params: readonly (Tensor | null)[], what: string): { rows: number; cols: number } {
  if (x.rank < 2) throw new Error(`${what}: expects a batch of rank ≥ 2 (channels last), got shape ${formatShape(x.shape)}`);
  const cols = x.shape[x.rank - 1]!;
  for (const p of params) {
    if (p && (p.rank !== 1 || p.shape[0] !== cols)) throw new Error(`${what}: parameters must have shape [${cols}] (the last axis), got ${formatShape(p.shape)}`);
  }
  return { rows: cols === 0 ? 0 : x.size / cols, cols };
}

function normalize(x: Tensor, gamma: Tensor | null, beta: Tensor | null, mean: Tensor, variance: Tensor, epsilon: number, training: boolean, rows: number, cols: number): Tensor {
  const y = newTensor(x.shape);
  const f = (t: Tensor | null): Float32Array | null => (t ? float(t, 'batchNorm') : null);
  kernels().batchNorm(float(x, 'batchNorm'), f(gamma), f(beta), float(mean, 'batchNorm'), float(variance, 'batchNorm'), y.values, rows, cols, epsilon);
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return record(y, 'batchNorm', inputs, (g) => {
    const dx = x.requiresGrad ? newTensor(x.shape) : null;
    const dgamma = gamma?.requiresGrad ? newTensor([cols]) : null;
    const dbeta = beta?.requiresGrad ? newTensor([cols]) : null;
    kernels().batchNormBackward(float(g, 'batchNorm'), x.values, f(gamma), mean.values, variance.values, dx?.values ?? null, dgamma?.values ?? null, dbeta?.values ?? null,
      rows, cols, epsilon, training);
    return [dx, ...(gamma ? [dgamma] : []), ...(beta ? [dbeta] : [])];
  });
}

/**
 * Normalizes x [..., C] with its own statistics over every axis but the last; returns them
 * too (the biased variance, as Keras' moving averages take it). gamma / beta may be null.
 */
export function batchNormTraining(x: Tensor, gamma: Tensor | null, beta: Tensor | null, epsilon: number): { y: Tensor; mean: Tensor; variance: Tensor } {
  const { rows, cols } = check(x, [gamma, beta], 'batchNorm');
  const mean = newTensor([cols]);
  const variance = newTensor([cols]);
  kernels().batchNormStats(float(x, 'batchNorm'), mean.values, variance.values, rows, cols);
  return { y: normalize(x, gamma, beta, mean, variance, epsilon, true, rows, cols), mean, variance };
}

/** Normalizes x [..., C] with the given mean and variance (a layer's moving averages), which get no gradient. */
export function batchNormInference(x: Tensor, gamma: Tensor | null, beta: Tensor | null, mean: Tensor, variance: Tensor, epsilon: number): Tensor {
  const { rows, cols } = check(x, [gamma, beta, mean, variance], 'batchNorm');
  return normalize(x, gamma, beta, mean, variance, epsilon, false, rows, cols);
}
