/**
 * A tiny seeded pseudo-random generator for data handling (shuffles, samples, splits).
 * Deliberately separate from the tensor library's RNG: data code must not depend on it,
 * and a data split must not change when model initialisation draws more numbers.
 *
 * Algorithm: mulberry32 (32-bit state, period 2^32) — plenty for shuffling tables.
 */

export interface DataRng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array;
}

/** Creates a seeded generator; without a seed it is seeded from Math.random. */
export function createDataRng(seed?: number): DataRng {
  if (seed !== undefined && !Number.isFinite(seed)) throw new Error(`data RNG: seed must be a finite number, got ${seed}`);
  let state = (seed === undefined ? Math.floor(Math.random() * 2 ** 32) : Math.floor(seed)) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const permutation = (n: number): Int32Array => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = int(i + 1);
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  };
  return { next, int, permutation };
}
