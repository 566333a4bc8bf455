/** Special functions of the statistics: erf and erfc (shared with the kernels, see src/tensor/erf.ts) and logSumExp. */
export { erf, erfc } from '../tensor/erf.js';

/**
 * log(Σ exp(values)) without overflow: the largest value is factored out.
 * Returns −Infinity for an empty list or when every value is −Infinity.
 */
export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  if (max === -Infinity) return -Infinity;
  if (!Number.isFinite(max)) return max; // +Infinity or NaN propagate
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i]! - max);
  return Math.log(sum) + max;
}
