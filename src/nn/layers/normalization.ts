/**
 * keras.layers.Normalization: standardizes each feature with a mean and variance learned
 * from data by `adapt(data)` (not by gradient descent):
 *
 *   y = (x − mean) / max(√variance, ε)        (invert: x · max(√variance, ε) + mean)
 *
 * mean and variance are the population statistics of the adapted data (divide by n, as
 * Keras). They (and the row count) are non-trainable weights, so they are saved and loaded with the model
 * like any other weight; the optimizer never touches them. As in Keras, they may instead
 * be given up front (`mean`, `variance`), then they are part of the layer's config.
 */
import { Tensor } from '../../tensor/tensor.js';
import { ops } from '../../autograd/index.js';
import { Layer, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';
import type { Variable } from '../variable.js';
import { registerLayer } from '../serialization.js';

/** Keras' backend.epsilon(): the smallest standard deviation divided by. */
export const NORMALIZATION_EPSILON = 1e-7;

export interface NormalizationArgs extends LayerArgs {
  /** Fixed per-feature means (with `variance`); the layer is then ready without adapt(). */
  mean?: readonly number[];
  /** Fixed per-feature variances (with `mean`). */
  variance?: readonly number[];
  /** Undo the normalization instead: x · std + mean (e.g. to map scaled predictions back). */
  invert?: boolean;
}

/** Rows of numbers, or a tensor whose last axis holds the features. */
export type AdaptData = Tensor | readonly (readonly number[])[];

export class Normalization extends Layer {
  readonly className = 'Normalization';
  readonly invert: boolean;
  private readonly fixed: { mean: number[]; variance: number[] } | undefined;
  meanWeight: Variable | null = null;
  varianceWeight: Variable | null = null;
  /** Rows seen by adapt() (Keras keeps this too, so summary() shows Keras' 2·d + 1 parameters). */
  countWeight: Variable | null = null;
  private adapted = false;

  constructor(args: NormalizationArgs = {}) {
    super(args);
    this.invert = args.invert ?? false;
    if ((args.mean === undefined) !== (args.variance === undefined)) {
      throw new Error('Normalization: give both mean and variance, or neither (then call adapt(data))');
    }
    if (args.mean && args.variance) {
      if (args.mean.length !== args.variance.length || args.mean.length === 0) {
        throw new Error(`Normalization: mean has ${args.mean.length} values but variance has ${args.variance.length}`);
      }
      args.variance.forEach((v, j) => {
        if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`Normalization: variance[${j}] must be a finite number ≥ 0, got ${v}`);
      });
      this.fixed = { mean: [...args.mean], variance: [...args.variance] };
    }
  }

  /** Number of features the layer normalizes (known once built or adapted). */
  get features(): number | undefined {
    return this.meanWeight?.shape[0] ?? this.fixed?.mean.length;
  }

  override build(inputShape: LayerShape): void {
    const d = inputShape[inputShape.length - 1];
    if (typeof d !== 'number') throw new Error(`Normalization '${this.name}': the last input dimension must be known, got ${JSON.stringify(inputShape)}`);
    if (this.fixed && this.fixed.mean.length !== d) {
      throw new Error(`Normalization '${this.name}': configured with ${this.fixed.mean.length} means but the input has ${d} features`);
    }
    const mean = this.fixed?.mean;
    const variance = this.fixed?.variance;
    this.meanWeight = this.addWeight('mean', [d], (s) => (mean ? Float32Array.from(mean) : new Float32Array(s[0]!)), false);
    this.varianceWeight = this.addWeight('variance', [d], (s) => (variance ? Float32Array.from(variance) : new Float32Array(s[0]!).fill(1)), false);
    this.countWeight = this.addWeight('count', [], () => new Float32Array(1), false);
  }

  /**
   * Learns each feature's mean and (population) variance from data, in double precision.
   * Rows with a missing (NaN) value are an error: drop them first.
   */
  adapt(data: AdaptData): this {
    const { values, rows, cols } = toRows(data);
    if (rows === 0) throw new Error(`Normalization '${this.name}'.adapt: no rows to adapt to`);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) {
        throw new Error(`Normalization '${this.name}'.adapt: row ${Math.floor(i / cols)}, feature ${i % cols} is ${values[i]} (drop missing values first)`);
      }
    }
    this.ensureBuilt([null, cols]);
    const d = this.meanWeight!.shape[0]!;
    if (cols !== d) throw new Error(`Normalization '${this.name}'.adapt: the layer has ${d} features, the data has ${cols}`);
    const mean = new Float64Array(d);
    for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) mean[j]! += values[i * d + j]!;
    for (let j = 0; j < d; j++) mean[j]! /= rows;
    const variance = new Float64Array(d);
    for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) variance[j]! += (values[i * d + j]! - mean[j]!) ** 2;
    for (let j = 0; j < d; j++) variance[j]! /= rows;
    this.meanWeight!.assign(Float32Array.from(mean));
    this.varianceWeight!.assign(Float32Array.from(variance));
    this.countWeight!.assign(Float32Array.of(rows));
    this.adapted = true;
    return this;
  }

  /** True once adapt() ran or mean/variance were given (a loaded model counts: its weights were saved adapted). */
  get isAdapted(): boolean {
    return this.adapted || this.fixed !== undefined;
  }

  /** The per-feature means and standard deviations in use (std already floored at ε). */
  statistics(): { mean: number[]; std: number[] } {
    if (!this.meanWeight) throw new Error(`Normalization '${this.name}': not built yet; call adapt(data) first`);
    return {
      mean: Array.from(this.meanWeight.values),
      std: Array.from(this.varianceWeight!.values, (v) => Math.max(Math.sqrt(v), NORMALIZATION_EPSILON)),
    };
  }

  call(x: Tensor): Tensor {
    this.assertInput(x, this.meanWeight!.shape[0]);
    // Constants, not the variables themselves: no gradient flows into the statistics.
    const { mean, std } = this.statistics();
    const meanT = new Tensor(Float32Array.from(mean), [mean.length]);
    const stdT = new Tensor(Float32Array.from(std), [std.length]);
    return this.invert ? ops.add(ops.mul(x, stdT), meanT) : ops.div(ops.sub(x, meanT), stdT);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  override getConfig(): LayerConfig {
    const config: LayerConfig = { name: this.name, invert: this.invert, trainable: this.trainable };
    if (this.fixed) {
      config['mean'] = this.fixed.mean;
      config['variance'] = this.fixed.variance;
    }
    return config;
  }

  /** Rebuilds from getConfig() output (the adapted statistics come back as weights). */
  static fromConfig(config: LayerConfig): Normalization {
    const numbers = (k: string): number[] | undefined => {
      const v = config[k];
      if (v === undefined || v === null) return undefined;
      if (!Array.isArray(v) || !v.every((e) => typeof e === 'number')) throw new Error(`Normalization config: '${k}' must be a list of numbers`);
      return v as number[];
    };
    return new Normalization({
      name: typeof config['name'] === 'string' ? config['name'] : undefined,
      invert: config['invert'] === true,
      trainable: config['trainable'] !== false,
      mean: numbers('mean'),
      variance: numbers('variance'),
    });
  }
}

function toRows(data: AdaptData): { values: Float64Array; rows: number; cols: number } {
  if (data instanceof Tensor) {
    if (data.rank < 1) throw new Error('Normalization.adapt: data must have a feature axis, got a scalar');
    const cols = data.shape[data.rank - 1]!;
    return { values: Float64Array.from(data.values), rows: cols === 0 ? 0 : data.size / cols, cols };
  }
  const rows = data.length;
  const cols = rows > 0 ? data[0]!.length : 0;
  const values = new Float64Array(rows * cols);
  data.forEach((r, i) => {
    if (r.length !== cols) throw new Error(`Normalization.adapt: row ${i} has ${r.length} values, row 0 has ${cols}`);
    values.set(r, i * cols);
  });
  return { values, rows, cols };
}

registerLayer('Normalization', (c) => Normalization.fromConfig(c));
