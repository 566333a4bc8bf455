import { Normal } from './normal.js';
import { logSumExp } from './special.js';
import { checkFiniteMatrix, checkWidth } from './validate.js';

/** A class label: numbers and strings are both allowed (not mixed). */
export type ClassLabel = number | string;

export interface GaussianNBOptions {
  /**
   * Fraction of the largest feature variance (over all of X) added to every
   * per-class variance, exactly like scikit-learn's `var_smoothing`. It keeps
   * a feature that is constant within one class from giving a variance of 0
   * (an infinitely narrow bell that makes every other value impossible).
   * Default 1e-9, scikit-learn's default.
   */
  varSmoothing?: number;
  /** Fixed class priors in sorted-class order (must be ≥ 0 and sum to 1). Default: class frequencies. */
  priors?: ArrayLike<number>;
}

/**
 * Gaussian naive Bayes: classification by maximum likelihood with one normal
 * distribution per (class, feature).
 *
 * fit() estimates, for every class c, the prior P(c) and for every feature j
 * the MLE mean θ[c][j] and variance var[c][j] (÷ n, plus epsilon). A new row x
 * is scored by its joint log likelihood
 *
 *   log P(c) + Σⱼ log N(xⱼ | θ[c][j], var[c][j])
 *
 * ("naive": features are treated as independent given the class), and the
 * class with the largest score wins. Probabilities are normalised in log space
 * with log-sum-exp, so rows far from every class do not underflow to 0/0.
 *
 * The semantics follow scikit-learn's GaussianNB (1.2) exactly: classes
 * sorted, epsilon = varSmoothing × max feature variance of X, the same joint
 * log likelihood; tools/sklearn-check holds the comparison. One deliberate
 * difference: fitting with a single class is an error here (there is nothing
 * to classify), while scikit-learn accepts it.
 */
export class GaussianNB<L extends ClassLabel = ClassLabel> {
  readonly varSmoothing: number;
  readonly priors: number[] | undefined;

  private fitted: {
    classes: L[];
    classCount: number[];
    classPrior: number[];
    theta: number[][];
    variance: number[][];
    epsilon: number;
  } | null = null;

  constructor(options: GaussianNBOptions = {}) {
    const varSmoothing = options.varSmoothing ?? 1e-9;
    if (typeof varSmoothing !== 'number' || !Number.isFinite(varSmoothing) || varSmoothing < 0) {
      throw new Error(`GaussianNB: varSmoothing must be a finite number ≥ 0, got ${varSmoothing}`);
    }
    this.varSmoothing = varSmoothing;
    this.priors = options.priors === undefined ? undefined : Array.from(options.priors);
  }

  /** Estimates priors, means and variances from rows X and labels y. */
  fit(X: ReadonlyArray<ArrayLike<number>>, y: ReadonlyArray<L>): this {
    const width = checkFiniteMatrix('GaussianNB.fit', 'X', X);
    if (!Array.isArray(y)) throw new Error('GaussianNB.fit: y must be an array of labels');
    if (y.length !== X.length) {
      throw new Error(`GaussianNB.fit: X has ${X.length} rows but y has ${y.length} labels`);
    }
    const classes = sortedUniqueLabels('GaussianNB.fit', y);
    if (classes.length < 2) {
      throw new Error(`GaussianNB.fit: y has a single class (${JSON.stringify(classes[0])}); need at least 2 classes`);
    }
    const index = new Map<L, number>(classes.map((c, i) => [c, i]));
    const k = classes.length;

    // epsilon: varSmoothing × the largest per-feature variance of all of X.
    const overallMean = columnMeans(X, width, null, -1);
    let maxVariance = 0;
    for (let j = 0; j < width; j++) {
      let ss = 0;
      for (const row of X) ss += (row[j]! - overallMean[j]!) ** 2;
      maxVariance = Math.max(maxVariance, ss / X.length);
    }
    if (maxVariance === 0) {
      throw new Error('GaussianNB.fit: every feature of X is constant; there is nothing to learn from');
    }
    const epsilon = this.varSmoothing * maxVariance;

    const labelIndex = y.map((label) => index.get(label)!);
    const classCount = new Array<number>(k).fill(0);
    for (const c of labelIndex) classCount[c]!++;
    const theta: number[][] = [];
    const variance: number[][] = [];
    for (let c = 0; c < k; c++) {
      const mu = columnMeans(X, width, labelIndex, c);
      const v = new Array<number>(width).fill(0);
      for (let r = 0; r < X.length; r++) {
        if (labelIndex[r] !== c) continue;
        const row = X[r]!;
        for (let j = 0; j < width; j++) v[j]! += (row[j]! - mu[j]!) ** 2;
      }
      theta.push(mu);
      variance.push(v.map((s) => s / classCount[c]! + epsilon));
    }

    const classPrior = this.priors === undefined
      ? classCount.map((n) => n / X.length)
      : checkPriors(this.priors, k);
    this.fitted = { classes, classCount, classPrior, theta, variance, epsilon };
    return this;
  }

  /** Sorted class labels (scikit-learn's `classes_`). */
  get classes_(): L[] {
    return [...this.model('classes_').classes];
  }
  /** Training rows per class. */
  get classCount(): number[] {
    return [...this.model('classCount').classCount];
  }
  /** P(class), from counts or from the `priors` option. */
  get classPrior(): number[] {
    return [...this.model('classPrior').classPrior];
  }
  /** Per-class feature means, shape [classes][features]. */
  get theta(): number[][] {
    return this.model('theta').theta.map((row) => [...row]);
  }
  /** Per-class feature variances including epsilon, shape [classes][features]. */
  get var(): number[][] {
    return this.model('var').variance.map((row) => [...row]);
  }
  /** The variance added to every entry of `var`: varSmoothing × max feature variance. */
  get epsilon(): number {
    return this.model('epsilon').epsilon;
  }

  /**
   * The fitted bell curve N(θ[c][j], var[c][j]) of one feature within one
   * class, e.g. to draw it over that class's histogram.
   */
  classConditional(label: L, feature: number): Normal {
    const m = this.model('classConditional');
    const c = m.classes.indexOf(label);
    if (c < 0) throw new Error(`GaussianNB.classConditional: unknown class ${JSON.stringify(label)}; classes are ${JSON.stringify(m.classes)}`);
    const width = m.theta[0]!.length;
    if (!Number.isInteger(feature) || feature < 0 || feature >= width) {
      throw new Error(`GaussianNB.classConditional: feature must be an integer in [0, ${width}), got ${feature}`);
    }
    return new Normal(m.theta[c]![feature]!, Math.sqrt(m.variance[c]![feature]!));
  }

  /** log P(c) + Σⱼ log N(xⱼ | θ, var) for every row and class, shape [rows][classes]. */
  jointLogLikelihood(X: ReadonlyArray<ArrayLike<number>>): number[][] {
    const m = this.model('jointLogLikelihood');
    const width = checkFiniteMatrix('GaussianNB.predict', 'X', X);
    checkWidth('GaussianNB.predict', 'X', width, m.theta[0]!.length);
    // Per-class constant −½ Σⱼ log(2π var[c][j]), computed once.
    const logPriorPlusNorm = m.variance.map((v, c) => {
      let s = 0;
      for (const vj of v) s += Math.log(2 * Math.PI * vj);
      return Math.log(m.classPrior[c]!) - 0.5 * s;
    });
    return X.map((row) =>
      m.theta.map((mu, c) => {
        const v = m.variance[c]!;
        let quad = 0;
        for (let j = 0; j < width; j++) quad += (row[j]! - mu[j]!) ** 2 / v[j]!;
        return logPriorPlusNorm[c]! - 0.5 * quad;
      }),
    );
  }

  /** The most likely class for every row. */
  predict(X: ReadonlyArray<ArrayLike<number>>): L[] {
    const classes = this.model('predict').classes;
    return this.jointLogLikelihood(X).map((scores) => classes[argmax(scores)]!);
  }

  /** log P(class | x) for every row, shape [rows][classes]; normalised with log-sum-exp. */
  predictLogProba(X: ReadonlyArray<ArrayLike<number>>): number[][] {
    return this.jointLogLikelihood(X).map((scores) => {
      const norm = logSumExp(scores);
      return scores.map((s) => s - norm);
    });
  }

  /** P(class | x) for every row, shape [rows][classes]; rows sum to 1. */
  predictProba(X: ReadonlyArray<ArrayLike<number>>): number[][] {
    return this.predictLogProba(X).map((row) => row.map(Math.exp));
  }

  /** Accuracy: the fraction of rows whose predicted class equals y. */
  score(X: ReadonlyArray<ArrayLike<number>>, y: ReadonlyArray<L>): number {
    if (!Array.isArray(y) || y.length !== X.length) {
      throw new Error(`GaussianNB.score: X has ${X.length} rows but y has ${Array.isArray(y) ? y.length : 'no'} labels`);
    }
    const predicted = this.predict(X);
    let correct = 0;
    for (let i = 0; i < y.length; i++) if (predicted[i] === y[i]) correct++;
    return correct / y.length;
  }

  private model(what: string): NonNullable<GaussianNB<L>['fitted']> {
    if (this.fitted === null) throw new Error(`GaussianNB.${what}: call fit(X, y) first`);
    return this.fitted;
  }
}

function columnMeans(
  X: ReadonlyArray<ArrayLike<number>>, width: number, labels: number[] | null, cls: number,
): number[] {
  const sum = new Array<number>(width).fill(0);
  let n = 0;
  for (let r = 0; r < X.length; r++) {
    if (labels !== null && labels[r] !== cls) continue;
    const row = X[r]!;
    for (let j = 0; j < width; j++) sum[j]! += row[j]!;
    n++;
  }
  return sum.map((s) => s / n);
}

/** Unique labels sorted like numpy.unique: numbers ascending, strings by code unit. */
function sortedUniqueLabels<L extends ClassLabel>(where: string, y: ReadonlyArray<L>): L[] {
  if (y.length === 0) throw new Error(`${where}: y is empty`);
  const kind = typeof y[0];
  for (let i = 0; i < y.length; i++) {
    const label = y[i];
    if (typeof label === 'number' ? !Number.isFinite(label) : typeof label !== 'string') {
      throw new Error(`${where}: y[${i}] is ${String(label)}; labels must be finite numbers or strings`);
    }
    if (typeof label !== kind) {
      throw new Error(`${where}: y mixes numbers and strings (y[0] is a ${kind}, y[${i}] is a ${typeof label}); use one type`);
    }
  }
  return [...new Set(y)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function checkPriors(priors: number[], k: number): number[] {
  if (priors.length !== k) {
    throw new Error(`GaussianNB.fit: priors has ${priors.length} entries but y has ${k} classes`);
  }
  let sum = 0;
  for (let i = 0; i < k; i++) {
    const p = priors[i]!;
    if (!Number.isFinite(p) || p < 0) throw new Error(`GaussianNB.fit: priors[${i}] is ${p}; priors must be ≥ 0`);
    sum += p;
  }
  // Same tolerance as numpy.isclose(sum, 1), which scikit-learn uses.
  if (Math.abs(sum - 1) > 1e-8 + 1e-5) throw new Error(`GaussianNB.fit: priors sum to ${sum}, not 1`);
  return [...priors];
}

function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
