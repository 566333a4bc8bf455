/**
 * deepts' one seeded random generator, used by every layer: weight initialisation,
 * shuffling and dropout's keys (through the global generator, like keras.utils.set_random_seed;
 * the masks themselves come from the counter-based Philox stream of src/tensor/philox.ts),
 * data splits and samples (src/data), and statistical sampling (src/stats). Code that must
 * not disturb the global stream (a data split must not change when a model draws more
 * initial weights) makes its own `new Rng(seed)`.
 *
 * sfc32 (Chris Doty-Humphrey's "small fast counting" generator): 128 bits of state, passes
 * PractRand/BigCrush, 32-bit integer arithmetic only, so every JavaScript engine gives the
 * same numbers.
 */
import { Tensor } from './tensor.js';
import { assertValidShape, sizeOf, type Shape } from './shape.js';

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** A generator seeded from Math.random, for runs that asked for no seed. */
  static unseeded(): Rng {
    return new Rng(Math.floor(Math.random() * 4294967296));
  }

  /** The generator's whole state, so a computation can be run twice with the same draws. */
  getState(): number[] {
    return [this.a, this.b, this.c, this.d, this.spare ?? Number.NaN];
  }

  /** Puts back a state from getState(). */
  setState(state: readonly number[]): void {
    if (state.length !== 5) throw new Error(`Rng.setState: expected 5 numbers, got ${state.length}`);
    [this.a, this.b, this.c, this.d] = state as [number, number, number, number];
    this.spare = Number.isNaN(state[4]) ? null : state[4]!;
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) on a grid of 2^-32 (one draw): plenty for float32 weights and shuffles. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform double in [0, 1) with the full 53 bits (two draws), for double-precision statistics. */
  double(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Normal variate (Marsaglia's polar method: no sin/cos; values come in pairs, the second is kept). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return mean + std * s;
    }
    let u: number, v: number, s: number;
    do {
      u = this.next() * 2 - 1;
      v = this.next() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return mean + std * u * f;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    if (!(n > 0) || !Number.isInteger(n)) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

/** A generator from a seed, or the given generator itself, or an unseeded one: `sample(100, 7)` and `sample(100, rng)` both work. */
export function toRng(rngOrSeed?: Rng | number): Rng {
  if (rngOrSeed instanceof Rng) return rngOrSeed;
  return rngOrSeed === undefined ? Rng.unseeded() : new Rng(rngOrSeed);
}

let globalRng = Rng.unseeded();

/** Seeds deepts' global generator: same seed → same weights, shuffles and dropout masks. */
export function setSeed(seed: number): void {
  globalRng = new Rng(seed);
  opGenerators.clear();
}

export function getRng(): Rng {
  return globalRng;
}

/**
 * Op-level seeds, as tf.random ops: calls with the same seed continue one stream
 * (so a pipeline's map(addNoise) draws new noise for every element, yet the whole
 * run repeats exactly); setSeed restarts every stream. No seed: the global generator.
 */
const opGenerators = new Map<number, Rng>();

/** The generator behind an op-level seed (the global one without a seed); shared by every seeded op. */
export function generatorFor(seed: number | undefined, op: string): Rng {
  if (seed === undefined) return globalRng;
  if (!Number.isFinite(seed)) throw new Error(`${op}: seed must be a finite number, got ${seed}`);
  let rng = opGenerators.get(seed);
  if (!rng) opGenerators.set(seed, (rng = new Rng((seed ^ 0x5bd1e995) >>> 0)));
  return rng;
}

export interface RandomNormalArgs {
  mean?: number;
  stddev?: number;
  seed?: number;
}

/** Samples of N(mean, stddev²) (tf.random.normal; defaults mean 0, stddev 1). */
export function randomNormal(shape: Shape, args: RandomNormalArgs = {}): Tensor {
  assertValidShape(shape, 'randomNormal: shape');
  const { mean = 0, stddev = 1 } = args;
  if (!(stddev >= 0)) throw new Error(`randomNormal: stddev must be >= 0, got ${stddev}`);
  const rng = generatorFor(args.seed, 'randomNormal');
  const out = new Float32Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = rng.normal(mean, stddev);
  return new Tensor(out, shape);
}

export interface RandomUniformArgs {
  minval?: number;
  maxval?: number;
  seed?: number;
}

/** Samples uniform in [minval, maxval) (tf.random.uniform; defaults 0 and 1). */
export function randomUniform(shape: Shape, args: RandomUniformArgs = {}): Tensor {
  assertValidShape(shape, 'randomUniform: shape');
  const { minval = 0, maxval = 1 } = args;
  if (!(maxval > minval)) throw new Error(`randomUniform: maxval (${maxval}) must be greater than minval (${minval})`);
  const rng = generatorFor(args.seed, 'randomUniform');
  const out = new Float32Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(minval, maxval);
  return new Tensor(out, shape);
}
