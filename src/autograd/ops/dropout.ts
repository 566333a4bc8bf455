/**
 * Inverted dropout as one kernel each way: y = x · mᵢ with mᵢ = 1/(1 − rate) where element i's
 * Philox4x32-10 uniform under `key` is ≥ rate, else 0 (backend/kernels.ts `dropout`). The mask
 * is never stored: dx = dy · mᵢ is the same kernel on dy with the same key, which the caller
 * must not change before the backward pass (layers draw a fresh key array per call).
 */
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { float, kernels, newTensor } from './util.js';

/** Dropout of x with the mask of `key` (two int32 words); rate in [0, 1). */
export function dropout(x: Tensor, rate: number, key: Int32Array): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  if (!(key instanceof Int32Array) || key.length !== 2) throw new Error('dropout: key must be an Int32Array of 2 words');
  const y = newTensor(x.shape);
  kernels().dropout(float(x, 'dropout'), key, rate, y.values);
  return record(y, 'dropout', [x], (g) => {
    const dx = newTensor(x.shape);
    kernels().dropout(float(g, 'dropout'), key, rate, dx.values);
    return [dx];
  });
}
