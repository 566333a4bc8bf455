/**
 * Preprocessing fitted on training data and applied to new data, after scikit-learn:
 * MinMaxScaler, StandardScaler, OneHotEncoder, LabelEncoder, trainTestSplit and a
 * ColumnTransformer-like TabularPreprocessor for Tables. Pure TypeScript, plain arrays.
 *
 * Matrices are either rows (`number[][]`, returned as rows) or a dense row-major
 * `{ data, rows, cols }` (returned dense with Float64Array data).
 */
import { toRng } from '../tensor/random.js';

export interface DenseMatrix {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}
export interface DenseMatrix64 extends DenseMatrix {
  data: Float64Array;
}
export type MatrixInput = readonly (readonly number[])[] | DenseMatrix;

function toDense(x: MatrixInput, who: string, cols?: number): DenseMatrix64 {
  let dense: DenseMatrix64;
  if ('rows' in x && !Array.isArray(x)) {
    const d = x as DenseMatrix;
    if (d.data.length !== d.rows * d.cols) throw new Error(`${who}: data has ${d.data.length} values, not rows×cols = ${d.rows}×${d.cols}`);
    dense = { data: Float64Array.from(d.data), rows: d.rows, cols: d.cols };
  } else {
    const rows = x as readonly (readonly number[])[];
    const width = rows.length > 0 ? rows[0]!.length : (cols ?? 0);
    const data = new Float64Array(rows.length * width);
    rows.forEach((r, i) => {
      if (r.length !== width) throw new Error(`${who}: row ${i} has ${r.length} values, row 0 has ${width}`);
      data.set(r, i * width);
    });
    dense = { data, rows: rows.length, cols: width };
  }
  if (cols !== undefined && dense.cols !== cols) throw new Error(`${who}: fitted on ${cols} features, got ${dense.cols}`);
  return dense;
}

function fromDense<X extends MatrixInput>(like: X, m: DenseMatrix64): X extends DenseMatrix ? DenseMatrix64 : number[][] {
  type R = X extends DenseMatrix ? DenseMatrix64 : number[][];
  if (!Array.isArray(like)) return m as R;
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols))) as R;
}

/** Per-column statistics skipping NaN (scikit-learn scalers ignore NaN when fitting). */
function columnStats(m: DenseMatrix64): { min: number[]; max: number[]; mean: number[]; variance: number[] } {
  const { rows, cols, data } = m;
  const min = new Array<number>(cols).fill(Infinity);
  const max = new Array<number>(cols).fill(-Infinity);
  const sum = new Array<number>(cols).fill(0);
  const count = new Array<number>(cols).fill(0);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j]!;
      if (Number.isNaN(v)) continue;
      if (v < min[j]!) min[j] = v;
      if (v > max[j]!) max[j] = v;
      sum[j]! += v;
      count[j]!++;
    }
  }
  const mean = sum.map((s, j) => s / count[j]!);
  const ss = new Array<number>(cols).fill(0);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j]!;
      if (!Number.isNaN(v)) ss[j]! += (v - mean[j]!) ** 2;
    }
  }
  count.forEach((c, j) => {
    if (c === 0) throw new Error(`column ${j} has no values to fit on (all missing or no rows)`);
  });
  return { min, max, mean, variance: ss.map((s, j) => s / count[j]!) };
}

function applyAffine(m: DenseMatrix64, scale: readonly number[], offset: readonly number[], inverse: boolean): DenseMatrix64 {
  const out = new Float64Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      const k = i * m.cols + j;
      out[k] = inverse ? (m.data[k]! - offset[j]!) / scale[j]! : m.data[k]! * scale[j]! + offset[j]!;
    }
  }
  return { data: out, rows: m.rows, cols: m.cols };
}

/** scikit-learn's `_handle_zeros_in_scale`: a range or std this small counts as a constant feature. */
const CONSTANT_SCALE = 10 * Number.EPSILON;

export function notFitted(who: string): never {
  throw new Error(`${who}: not fitted yet; call fit() on training data first`);
}

/** Scaler interface shared by MinMaxScaler and StandardScaler: out = x·scale + offset. */
abstract class AffineScaler {
  protected scale?: number[];
  protected offset?: number[];
  protected abstract readonly who: string;
  protected abstract compute(m: DenseMatrix64): void;

  fit(x: MatrixInput): this {
    this.compute(toDense(x, `${this.who}.fit`));
    return this;
  }
  transform<X extends MatrixInput>(x: X): X extends DenseMatrix ? DenseMatrix64 : number[][] {
    const scale = this.scale ?? notFitted(this.who);
    return fromDense(x, applyAffine(toDense(x, `${this.who}.transform`, scale.length), scale, this.offset!, false));
  }
  fitTransform<X extends MatrixInput>(x: X): X extends DenseMatrix ? DenseMatrix64 : number[][] {
    return this.fit(x).transform(x);
  }
  inverseTransform<X extends MatrixInput>(x: X): X extends DenseMatrix ? DenseMatrix64 : number[][] {
    const scale = this.scale ?? notFitted(this.who);
    return fromDense(x, applyAffine(toDense(x, `${this.who}.inverseTransform`, scale.length), scale, this.offset!, true));
  }
  get nFeatures(): number {
    return (this.scale ?? notFitted(this.who)).length;
  }
}

export interface MinMaxScalerJSON {
  type: 'MinMaxScaler';
  featureRange: [number, number];
  dataMin: number[];
  dataMax: number[];
}

/** Scales each feature to featureRange (default [0, 1]) using the training min and max. */
export class MinMaxScaler extends AffineScaler {
  protected readonly who = 'MinMaxScaler';
  readonly featureRange: [number, number];
  dataMin?: number[];
  dataMax?: number[];

  constructor(options: { featureRange?: [number, number] } = {}) {
    super();
    this.featureRange = options.featureRange ?? [0, 1];
    if (!(this.featureRange[0] < this.featureRange[1])) {
      throw new Error(`MinMaxScaler: featureRange must be [low, high] with low < high, got [${this.featureRange.join(', ')}]`);
    }
  }
  protected compute(m: DenseMatrix64): void {
    const { min, max } = columnStats(m);
    this.setRange(min, max);
  }
  private setRange(min: number[], max: number[]): void {
    const [lo, hi] = this.featureRange;
    this.dataMin = min;
    this.dataMax = max;
    // A constant feature gets range 1 (as scikit-learn), so it maps to `lo` instead of NaN.
    this.scale = min.map((mn, j) => (hi - lo) / (max[j]! - mn < CONSTANT_SCALE ? 1 : max[j]! - mn));
    this.offset = min.map((mn, j) => lo - mn * this.scale![j]!);
  }
  toJSON(): MinMaxScalerJSON {
    if (!this.dataMin) notFitted(this.who);
    return { type: 'MinMaxScaler', featureRange: this.featureRange, dataMin: this.dataMin, dataMax: this.dataMax! };
  }
  static fromJSON(json: MinMaxScalerJSON): MinMaxScaler {
    if (json.type !== 'MinMaxScaler') throw new Error(`MinMaxScaler.fromJSON: type is ${JSON.stringify(json.type)}`);
    const s = new MinMaxScaler({ featureRange: json.featureRange });
    s.setRange(json.dataMin, json.dataMax);
    return s;
  }
}

export interface StandardScalerJSON {
  type: 'StandardScaler';
  mean: number[];
  std: number[];
}

/** Standardizes each feature: (x − mean) / std, std the population std (ddof = 0); std 0 → 1. */
export class StandardScaler extends AffineScaler {
  protected readonly who = 'StandardScaler';
  mean?: number[];
  std?: number[];

  protected compute(m: DenseMatrix64): void {
    const { mean, variance } = columnStats(m);
    this.setStats(mean, variance.map((v) => (Math.sqrt(v) < CONSTANT_SCALE ? 1 : Math.sqrt(v))));
  }
  private setStats(mean: number[], std: number[]): void {
    this.mean = mean;
    this.std = std;
    this.scale = std.map((s) => 1 / s);
    this.offset = mean.map((mu, j) => -mu / std[j]!);
  }
  toJSON(): StandardScalerJSON {
    if (!this.mean) notFitted(this.who);
    return { type: 'StandardScaler', mean: this.mean, std: this.std! };
  }
  static fromJSON(json: StandardScalerJSON): StandardScaler {
    if (json.type !== 'StandardScaler') throw new Error(`StandardScaler.fromJSON: type is ${JSON.stringify(json.type)}`);
    const s = new StandardScaler();
    s.setStats(json.mean, json.std);
    return s;
  }
}

export type Category = string | number | null;

export interface OneHotEncoderJSON {
  type: 'OneHotEncoder';
  handleUnknown: 'error' | 'ignore';
  featureNames: string[];
  categories: Category[][];
}

/** Sorted like scikit-learn: numbers ascending or strings by code point, missing (null) last. */
function sortCategories(values: Iterable<Category>): Category[] {
  const distinct = [...new Set(values)];
  const present = distinct.filter((v) => v !== null);
  const numeric = present.every((v) => typeof v === 'number');
  present.sort(numeric ? (a, b) => (a as number) - (b as number) : (a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  return distinct.includes(null) ? [...present, null] : present;
}

/** One 0/1 column per category of each input column. */
export class OneHotEncoder {
  readonly handleUnknown: 'error' | 'ignore';
  categories?: Category[][];
  featureNames?: string[];
  private lookup?: Map<Category, number>[];

  constructor(options: { handleUnknown?: 'error' | 'ignore' } = {}) {
    this.handleUnknown = options.handleUnknown ?? 'error';
  }

  /** `x` is rows of categories; `featureNames` name the columns in messages and output names. */
  fit(x: readonly (readonly Category[])[], featureNames?: readonly string[]): this {
    const width = x.length > 0 ? x[0]!.length : (featureNames?.length ?? 0);
    const names = featureNames ? [...featureNames] : Array.from({ length: width }, (_, j) => `x${j}`);
    if (names.length !== width) throw new Error(`OneHotEncoder.fit: ${names.length} feature names for ${width} columns`);
    const categories = names.map((_, j) => sortCategories(x.map((row) => normalizeCategory(row[j]))));
    this.setCategories(names, categories);
    return this;
  }

  private setCategories(names: string[], categories: Category[][]): void {
    this.featureNames = names;
    this.categories = categories;
    this.lookup = categories.map((cats) => new Map(cats.map((c, k) => [c, k])));
  }

  get outputWidth(): number {
    return (this.categories ?? notFitted('OneHotEncoder')).reduce((s, c) => s + c.length, 0);
  }

  /** Dense 0/1 matrix, row-major, outputWidth columns. */
  transform(x: readonly (readonly Category[])[]): DenseMatrix64 {
    const lookup = this.lookup ?? notFitted('OneHotEncoder');
    const width = this.outputWidth;
    const out = new Float64Array(x.length * width);
    x.forEach((row, i) => {
      if (row.length !== lookup.length) throw new Error(`OneHotEncoder.transform: row ${i} has ${row.length} values, fitted on ${lookup.length}`);
      let base = 0;
      row.forEach((raw, j) => {
        const value = normalizeCategory(raw);
        const k = lookup[j]!.get(value);
        if (k !== undefined) out[i * width + base + k] = 1;
        else if (this.handleUnknown === 'error') {
          throw new Error(
            `OneHotEncoder: unknown category ${JSON.stringify(value)} in column "${this.featureNames![j]}" (row ${i}); ` +
              `known: ${this.categories![j]!.map((c) => JSON.stringify(c)).join(', ')}. ` +
              `Use handleUnknown: 'ignore' to encode unknown categories as all zeros.`,
          );
        }
        base += this.categories![j]!.length;
      });
    });
    return { data: out, rows: x.length, cols: width };
  }

  fitTransform(x: readonly (readonly Category[])[], featureNames?: readonly string[]): DenseMatrix64 {
    return this.fit(x, featureNames).transform(x);
  }

  /** Back to categories; an all-zero group (an ignored unknown) gives null. */
  inverseTransform(m: DenseMatrix): Category[][] {
    const categories = this.categories ?? notFitted('OneHotEncoder');
    if (m.cols !== this.outputWidth) throw new Error(`OneHotEncoder.inverseTransform: expected ${this.outputWidth} columns, got ${m.cols}`);
    return Array.from({ length: m.rows }, (_, i) => {
      let base = 0;
      return categories.map((cats) => {
        let best = -1;
        for (let k = 0; k < cats.length; k++) if (m.data[i * m.cols + base + k]! > 0 && (best < 0 || m.data[i * m.cols + base + k]! > m.data[i * m.cols + base + best]!)) best = k;
        base += cats.length;
        return best < 0 ? null : cats[best]!;
      });
    });
  }

  /** Output column names, "feature=category" (e.g. "Origin=Europe"). */
  getFeatureNamesOut(): string[] {
    const categories = this.categories ?? notFitted('OneHotEncoder');
    return categories.flatMap((cats, j) => cats.map((c) => `${this.featureNames![j]}=${c === null ? 'null' : c}`));
  }

  toJSON(): OneHotEncoderJSON {
    const categories = this.categories ?? notFitted('OneHotEncoder');
    return { type: 'OneHotEncoder', handleUnknown: this.handleUnknown, featureNames: this.featureNames!, categories };
  }

  static fromJSON(json: OneHotEncoderJSON): OneHotEncoder {
    if (json.type !== 'OneHotEncoder') throw new Error(`OneHotEncoder.fromJSON: type is ${JSON.stringify(json.type)}`);
    const e = new OneHotEncoder({ handleUnknown: json.handleUnknown });
    e.setCategories(json.featureNames, json.categories);
    return e;
  }
}

function normalizeCategory(value: Category | undefined): Category {
  return value === undefined || (typeof value === 'number' && Number.isNaN(value)) ? null : value;
}

export interface LabelEncoderJSON {
  type: 'LabelEncoder';
  classes: (string | number)[];
}

/** Maps target labels to 0..k−1 in sorted order (scikit-learn's LabelEncoder). */
export class LabelEncoder {
  classes?: (string | number)[];
  private index?: Map<string | number, number>;

  fit(labels: readonly (string | number)[]): this {
    labels.forEach((l, i) => {
      if (l === null || l === undefined || (typeof l === 'number' && Number.isNaN(l))) {
        throw new Error(`LabelEncoder.fit: label ${i} is missing; drop rows without a target first`);
      }
    });
    this.setClasses(sortCategories(labels) as (string | number)[]);
    return this;
  }
  private setClasses(classes: (string | number)[]): void {
    this.classes = classes;
    this.index = new Map(classes.map((c, k) => [c, k]));
  }
  transform(labels: readonly (string | number)[]): Int32Array {
    const index = this.index ?? notFitted('LabelEncoder');
    return Int32Array.from(labels, (l, i) => {
      const k = index.get(l);
      if (k === undefined) throw new Error(`LabelEncoder: unknown label ${JSON.stringify(l)} at ${i}; known: ${this.classes!.map((c) => JSON.stringify(c)).join(', ')}`);
      return k;
    });
  }
  fitTransform(labels: readonly (string | number)[]): Int32Array {
    return this.fit(labels).transform(labels);
  }
  inverseTransform(codes: ArrayLike<number>): (string | number)[] {
    const classes = this.classes ?? notFitted('LabelEncoder');
    return Array.from(codes, (k) => {
      if (!Number.isInteger(k) || k < 0 || k >= classes.length) throw new Error(`LabelEncoder.inverseTransform: code ${k} is outside 0..${classes.length - 1}`);
      return classes[k]!;
    });
  }
  toJSON(): LabelEncoderJSON {
    return { type: 'LabelEncoder', classes: this.classes ?? notFitted('LabelEncoder') };
  }
  static fromJSON(json: LabelEncoderJSON): LabelEncoder {
    if (json.type !== 'LabelEncoder') throw new Error(`LabelEncoder.fromJSON: type is ${JSON.stringify(json.type)}`);
    const e = new LabelEncoder();
    e.setClasses(json.classes);
    return e;
  }
}

export interface TrainTestSplitOptions {
  /** Fraction in (0, 1) or a whole number of test rows. Default 0.25. */
  testSize?: number;
  seed?: number;
  shuffle?: boolean;
}

/**
 * Indices for a train/test split of n rows, like scikit-learn: nTest = ceil(testSize × n).
 * Shuffled with a seeded RNG (same seed, same split); unshuffled, the test rows are the last ones.
 */
export function trainTestSplit(n: number, options: TrainTestSplitOptions = {}): { trainIndices: Int32Array; testIndices: Int32Array } {
  const testSize = options.testSize ?? 0.25;
  if (!Number.isInteger(n) || n < 2) throw new Error(`trainTestSplit: need at least 2 rows, got ${n}`);
  const nTest = testSize > 0 && testSize < 1 ? Math.ceil(testSize * n) : testSize;
  if (!Number.isInteger(nTest) || nTest < 1 || nTest >= n) {
    throw new Error(`trainTestSplit: testSize ${testSize} leaves no training or no test rows for n = ${n} (fraction in (0, 1) or count in 1..${n - 1})`);
  }
  const order = options.shuffle ?? true ? toRng(options.seed).permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  if (options.shuffle ?? true) return { testIndices: order.slice(0, nTest), trainIndices: order.slice(nTest) };
  return { trainIndices: order.slice(0, n - nTest), testIndices: order.slice(n - nTest) };
}
