/**
 * The reference dropout kernel: out[i] = x[i] · (uᵢ ≥ rate ? 1/(1 − rate) : 0), where uᵢ =
 * wordᵢ / 2^32 is element i's Philox4x32-10 word under the key (src/tensor/philox.ts). The
 * mask is never stored: the backward pass calls the same kernel on dy with the same key.
 * NaN and ±∞ in x propagate through dropped elements too (x·0), as x·mask does in Keras.
 */
import type { F32 } from '../kernels.js';
import { M0, M0_HI, M0_LO, M1, M1_HI, M1_LO, PHILOX_GROUP, W0, W1, dropoutScale, dropoutThreshold, mulhi } from '../../tensor/philox.js';

/** Checks a dropout call's arguments (every backend's entry point). */
export function checkDropout(x: F32, key: Int32Array, rate: number, out: F32): void {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  if (key.length < 2) throw new Error(`dropout: the key must hold 2 int32 words, got ${key.length}`);
  if (out.length < x.length) throw new Error(`dropout: out has ${out.length} elements, x has ${x.length}`);
}

/** philox4x32 (src/tensor/philox.ts) inlined per block, words written straight to their elements: 2× faster than calling it. */
export function dropout(x: F32, key: Int32Array, rate: number, out: F32): void {
  checkDropout(x, key, rate, out);
  const n = x.length;
  const key0 = key[0]! >>> 0, key1 = key[1]! >>> 0;
  const threshold = dropoutThreshold(rate);
  const scale = dropoutScale(rate);
  for (let base = 0; base < n; base += PHILOX_GROUP) {
    const counter = base / 4; // 16 counters per group of 64
    const high = Math.floor(counter / 4294967296) >>> 0;
    for (let j = 0; j < 16; j++) {
      let c0 = (counter + j) >>> 0, c1 = high, c2 = 0, c3 = 0, k0 = key0, k1 = key1;
      for (let r = 0; r < 10; r++) {
        if (r > 0) {
          k0 = (k0 + W0) >>> 0;
          k1 = (k1 + W1) >>> 0;
        }
        const hi0 = mulhi(c0, M0_LO, M0_HI), lo0 = Math.imul(c0, M0) >>> 0;
        const hi1 = mulhi(c2, M1_LO, M1_HI), lo1 = Math.imul(c2, M1) >>> 0;
        c0 = (hi1 ^ c1 ^ k0) >>> 0;
        c1 = lo1;
        c2 = (hi0 ^ c3 ^ k1) >>> 0;
        c3 = lo0;
      }
      let i = base + j;
      if (i < n) out[i] = x[i]! * (c0 >= threshold ? scale : 0);
      if ((i += 16) < n) out[i] = x[i]! * (c1 >= threshold ? scale : 0);
      if ((i += 16) < n) out[i] = x[i]! * (c2 >= threshold ? scale : 0);
      if ((i += 16) < n) out[i] = x[i]! * (c3 >= threshold ? scale : 0);
    }
  }
}
