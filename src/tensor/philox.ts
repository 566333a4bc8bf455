/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the
 * counter-based generator behind TensorFlow's, JAX's and PyTorch's stateless random ops: four
 * 32-bit words out of a 128-bit counter and a 64-bit key, ten rounds of two 32×32→64-bit
 * multiplications. Element i of a stream depends only on (key, i), so any backend, any vector
 * width and any split over threads draws the same numbers (native/philox.inc is the same
 * function in C++; the known-answer vectors of Random123 check both).
 *
 * The stream layout (one definition shared by every backend, chosen so 4-, 8- and 16-lane
 * vectors each store whole words without transposing): element i sits in group g = ⌊i / 64⌋ at
 * r = i mod 64; it is word ⌊r / 16⌋ of the block with counter 16·g + (r mod 16) (counter words
 * [low 32 bits, high bits, 0, 0]).
 */

/** Philox4x32's multipliers and Weyl key increments (Random123). */
export const M0 = 0xd2511f53;
export const M1 = 0xcd9e8d57;
export const W0 = 0x9e3779b9;
export const W1 = 0xbb67ae85;
export const M0_LO = M0 & 0xffff, M0_HI = M0 >>> 16;
export const M1_LO = M1 & 0xffff, M1_HI = M1 >>> 16;
const TWO32 = 4294967296;

/**
 * The high 32 bits of a·m for uint32 a and m = mHi·2^16 + mLo, exactly, in doubles: a·mHi and
 * a·mLo are below 2^48, ⌊a·m / 2^16⌋ = a·mHi + ⌊a·mLo / 2^16⌋ < 2^49, and the high word is that
 * over 2^16 (scalings by powers of two are exact).
 */
export function mulhi(a: number, mLo: number, mHi: number): number {
  return Math.floor((a * mHi + Math.floor(a * mLo * INV16)) * INV16);
}

const INV16 = 1 / 65536;

/** Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1), into out[0..3] (uint32 values). */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array | number[]): void {
  c0 >>>= 0; c1 >>>= 0; c2 >>>= 0; c3 >>>= 0; k0 >>>= 0; k1 >>>= 0;
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
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** Elements per group of the stream layout (16 counters × 4 words). */
export const PHILOX_GROUP = 64;

/**
 * Calls visit(i, word) for the stream elements i in [begin, end) under key (k0, k1), in
 * increasing i: the uint32 word of element i in the layout above.
 */
export function philoxStream(k0: number, k1: number, begin: number, end: number, visit: (i: number, word: number) => void): void {
  const words = new Uint32Array(PHILOX_GROUP);
  const block = [0, 0, 0, 0];
  for (let g = Math.floor(begin / PHILOX_GROUP); g * PHILOX_GROUP < end; g++) {
    const counter = 16 * g;
    const hi = Math.floor(counter / TWO32) >>> 0;
    for (let j = 0; j < 16; j++) {
      philox4x32((counter + j) >>> 0, hi, 0, 0, k0, k1, block);
      words[j] = block[0]!;
      words[16 + j] = block[1]!;
      words[32 + j] = block[2]!;
      words[48 + j] = block[3]!;
    }
    const base = g * PHILOX_GROUP;
    for (let r = Math.max(0, begin - base); r < PHILOX_GROUP && base + r < end; r++) visit(base + r, words[r]!);
  }
}

/**
 * The integer t such that an element is kept when its word ≥ t: u = word / 2^32 ≥ rate, i.e.
 * t = ⌈rate · 2^32⌉ (exact in double), at most 2^32 − 1 (a rate within 2^-32 of 1 keeps 1 in 2^32).
 */
export function dropoutThreshold(rate: number): number {
  return Math.min(Math.ceil(rate * TWO32), TWO32 - 1);
}

/** The factor kept elements are multiplied by: 1/(1 − rate) rounded once to float32. */
export function dropoutScale(rate: number): number {
  return Math.fround(1 / (1 - rate));
}
