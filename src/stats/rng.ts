/**
 * A small, seedable pseudo-random generator for reproducible sampling.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's "small fast counting" PRNG):
 * 128 bits of state, passes PractRand/BigCrush, and needs only 32-bit integer
 * arithmetic, so it runs identically in every JavaScript engine. The seed is
 * expanded into the state with splitmix32 so that nearby seeds (1, 2, 3, ...)
 * still give unrelated streams.
 *
 * Normal variates come from Marsaglia's polar method, which avoids the sin/cos
 * of Box–Muller and produces values in pairs (the second one is cached).
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number = 42) {
    if (!Number.isFinite(seed)) {
      throw new Error(`SeededRandom: seed must be a finite number, got ${seed}`);
    }
    // splitmix32 over the seed gives four well-mixed state words.
    let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
    // Discard the first outputs: sfc32 mixes its state during warm-up.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform double in [0, 1) with the full 53 bits of precision. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform integer in [0, maxExclusive). */
  nextInt(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0) {
      throw new Error(`SeededRandom.nextInt: maxExclusive must be a positive integer, got ${maxExclusive}`);
    }
    return Math.floor(this.nextFloat() * maxExclusive);
  }

  /** Standard normal variate N(0, 1) by Marsaglia's polar method. */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.nextFloat() - 1;
      v = 2 * this.nextFloat() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * factor;
    return u * factor;
  }
}

/** Accepts either a generator or a seed, so callers can write `sample(100, 7)`. */
export function toRandom(rngOrSeed: SeededRandom | number | undefined): SeededRandom {
  if (rngOrSeed instanceof SeededRandom) return rngOrSeed;
  return new SeededRandom(rngOrSeed ?? 42);
}
