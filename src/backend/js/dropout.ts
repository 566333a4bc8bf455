/**
 * The reference dropout kernel: out[i] = x[i] · (uᵢ ≥ rate ? 1/(1 − rate) : 0), where uᵢ =
 * wordᵢ / 2^32 is element i's Philox4x32-10 word under the key (src/tensor/philox.ts). The
 * mask is never stored: the backward pass calls the same kernel on dy with the same key.
 * NaN and ±∞ in x propagate through dropped elements too (x·0), as x·mask does in Keras.
 */
import type { F32 } from '../kernels.js';
import { PHILOX_GROUP, dropoutScale, dropoutThreshold, philox4x32 } from '../../tensor/philox.js';

/** Checks a dropout call's arguments (every backend's entry point). */
export function checkDropout(x: F32, key: Int32Array, rate: number, out: F32): void {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  if (key.length < 2) throw new Error(`dropout: the key must hold 2 int32 words, got ${key.length}`);
  if (out.length < x.length) throw new Error(`dropout: out has ${out.length} elements, x has ${x.length}`);
}

export function dropout(x: F32, key: Int32Array, rate: number, out: F32): void {
  checkDropout(x, key, rate, out);
  const n = x.length;
  const k0 = key[0]! >>> 0, k1 = key[1]! >>> 0;
  const threshold = dropoutThreshold(rate);
  const scale = dropoutScale(rate);
  const block = [0, 0, 0, 0];
  for (let base = 0; base < n; base += PHILOX_GROUP) {
    const counter = base / 4; // 16 counters per group of 64
    const hi = Math.floor(counter / 4294967296) >>> 0;
    for (let j = 0; j < 16; j++) {
      philox4x32((counter + j) >>> 0, hi, 0, 0, k0, k1, block);
      for (let w = 0; w < 4; w++) {
        const i = base + 16 * w + j;
        if (i < n) out[i] = x[i]! * (block[w]! >= threshold ? scale : 0);
      }
    }
  }
}
