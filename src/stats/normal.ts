import { erfc } from './special.js';
import { Rng, toRng } from '../tensor/random.js';
import { checkFiniteVector, mean, sumSquaredDeviations } from './validate.js';

const LOG_SQRT_2PI = 0.9189385332046728; // ½·log(2π)
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const SQRT1_2 = Math.SQRT1_2;

/** Options for {@link Normal.fit}. */
export interface NormalFitOptions {
  /** Divide by n − 1 instead of n (Bessel's correction). Default false: the MLE. */
  unbiased?: boolean;
}

/**
 * The normal (Gaussian) distribution N(μ, σ²), the lecture's
 *
 *   f(x | μ, σ²) = 1/√(2πσ²) · exp(−(x − μ)² / (2σ²)).
 */
export class Normal {
  readonly mu: number;
  readonly sigma: number;

  constructor(mu: number = 0, sigma: number = 1) {
    if (typeof mu !== 'number' || !Number.isFinite(mu)) {
      throw new Error(`Normal: mu must be a finite number, got ${mu}`);
    }
    if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) {
      throw new Error(`Normal: sigma must be a finite number > 0, got ${sigma}`);
    }
    this.mu = mu;
    this.sigma = sigma;
  }

  /** σ². */
  get variance(): number {
    return this.sigma * this.sigma;
  }

  /** Probability density at x. */
  pdf(x: number): number {
    const z = (x - this.mu) / this.sigma;
    return (INV_SQRT_2PI / this.sigma) * Math.exp(-0.5 * z * z);
  }

  /**
   * log f(x) = −½·log(2π) − log σ − (x − μ)²/(2σ²). Computed directly rather
   * than as log(pdf(x)) so that it stays finite far in the tails, where the
   * density itself underflows to 0.
   */
  logPdf(x: number): number {
    const z = (x - this.mu) / this.sigma;
    return -LOG_SQRT_2PI - Math.log(this.sigma) - 0.5 * z * z;
  }

  /** P(X ≤ x) = ½·erfc(−(x − μ)/(σ√2)); accurate in the lower tail too. */
  cdf(x: number): number {
    const z = (x - this.mu) / this.sigma;
    return 0.5 * erfc(-z * SQRT1_2);
  }

  /** P(X > x), accurate in the upper tail (where 1 − cdf(x) would round to 0). */
  sf(x: number): number {
    const z = (x - this.mu) / this.sigma;
    return 0.5 * erfc(z * SQRT1_2);
  }

  /** n independent draws; pass a seed or an {@link Rng} (without either, seed 42: the same numbers every run). */
  sample(n: number, rng?: Rng | number): Float64Array {
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`Normal.sample: n must be a non-negative integer, got ${n}`);
    }
    const random = toRng(rng ?? 42);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.mu + this.sigma * random.normal();
    return out;
  }

  /**
   * Fits μ and σ to data by maximum likelihood.
   *
   * Maximising the lecture's log L(μ, σ) = −(n/2)·log(2πσ²) − Σ(xᵢ − μ)²/(2σ²)
   * gives μ̂ = mean(x) and σ̂² = Σ(xᵢ − μ̂)²/n. That σ̂² is the MLE but it is
   * biased: on average it underestimates σ² by the factor (n − 1)/n, because
   * μ̂ was fitted to the same data and sits closer to them than the true μ.
   * With `{ unbiased: true }` the sum is divided by n − 1 instead (Bessel's
   * correction; what pandas' `std()` and numpy's `std(ddof=1)` return), which
   * makes σ̂² unbiased. numpy's `std()` and scikit-learn use the MLE (÷ n).
   * The difference matters only for small n: for n = 8 it is a factor √(8/7).
   */
  static fit(data: ArrayLike<number>, options: NormalFitOptions = {}): Normal {
    checkFiniteVector('Normal.fit', 'data', data);
    const n = data.length;
    const unbiased = options.unbiased ?? false;
    if (unbiased && n < 2) {
      throw new Error('Normal.fit: the unbiased estimate divides by n − 1 and needs at least 2 values');
    }
    const mu = mean(data);
    const ss = sumSquaredDeviations(data, mu);
    const sigma = Math.sqrt(ss / (unbiased ? n - 1 : n));
    if (!(sigma > 0)) {
      throw new Error(
        `Normal.fit: all ${n} values equal ${data[0]}; σ would be 0, which is not a normal distribution`,
      );
    }
    return new Normal(mu, sigma);
  }

  toString(): string {
    return `Normal(mu=${this.mu}, sigma=${this.sigma})`;
  }
}

/** Anything with a log density: a {@link Normal}, or a user's own model. */
export interface LogDensity {
  logPdf(x: number): number;
}

/**
 * Log-likelihood of a data set under a model: log Πᵢ f(xᵢ) = Σᵢ log f(xᵢ).
 * Summing logs instead of multiplying densities avoids underflow (the product
 * of 1000 densities of 0.1 is 1e-1000, which is 0 in double precision).
 */
export function logLikelihood(data: ArrayLike<number>, model: LogDensity): number {
  checkFiniteVector('logLikelihood', 'data', data);
  let total = 0;
  for (let i = 0; i < data.length; i++) total += model.logPdf(data[i]!);
  return total;
}
