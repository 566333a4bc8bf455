/**
 * Sample weights, class weights and output masks in the compiled loss, as Keras 3 applies them
 * (keras/src/losses/loss.py reduce_weighted_values, apply_mask; data_adapter_utils
 * class_weight_to_sample_weights):
 *
 *   loss = Σ values · w / (number of values)        ('sum_over_batch_size', Keras' default)
 *
 * where values are the loss's per-sample values and w the sample weights. The divisor is the
 * number of values, not Σw: weights of 2 double a sample's pull, they do not renormalize. An
 * output that carries a mask (Masking, Embedding(maskZero)) multiplies w by mask · total/valid,
 * so the masked steps drop out and the mean is over the kept ones. As in Keras 3, the compiled
 * `metrics` are not weighted; compile's `weightedMetrics` are (train/metrics.ts: Σ v·w / Σ w).
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { ops } from '../autograd/index.js';
import { getMask } from '../nn/mask.js';
import type { Loss } from './losses.js';

/** Keras' squeeze_or_expand_to_same_rank for a weight against the loss values it scales. */
function alignWeight(weight: Tensor, values: Tensor, what: string): Tensor {
  let w = weight;
  if (w.rank === values.rank + 1 && w.shape[w.rank - 1] === 1) w = ops.reshape(w, w.shape.slice(0, -1));
  while (w.rank < values.rank) w = ops.reshape(w, [...w.shape, 1]);
  const fits = w.rank === values.rank && w.shape.every((d, i) => d === values.shape[i] || d === 1);
  if (!fits) throw new Error(`${what} of shape ${formatShape(weight.shape)} does not fit the loss values of shape ${formatShape(values.shape)} (give one weight per sample)`);
  return w;
}

/** The loss of one output with its sample weights (or null) and its prediction's mask, reduced as Keras does. */
export function weightedLoss(loss: Loss, yTrue: Tensor, yPred: Tensor, sampleWeight: Tensor | null): Tensor {
  const mask = getMask(yPred);
  if (!sampleWeight && !mask) return loss.call(yTrue, yPred);
  const values = loss.perSample(yTrue, yPred);
  if (values.rank === 0) {
    throw new Error(`loss '${loss.name}' returns one value for the whole batch, so sample weights and masks cannot weight its samples: make its call()/perSample() return one value per sample`);
  }
  let w: Tensor | null = sampleWeight ? alignWeight(sampleWeight, values, 'sampleWeight') : null;
  if (mask) {
    const m = alignWeight(mask, values, 'the output mask');
    // Kept entries weigh total/valid, so the mean over all entries is the mean over the kept ones.
    const valid = ops.sum(m).item();
    const scale = valid > 0 ? m.size / valid : 0;
    const maskWeight = ops.mul(m, scale);
    w = w ? ops.mul(w, maskWeight) : maskWeight;
  }
  return ops.div(ops.sum(ops.mul(values, w!)), values.size);
}

/** Keras' class_weight → one weight per sample, from the class of each target (argmax of one-hot rows, else the rounded label). */
export function classWeightToSampleWeights(y: Tensor, classWeight: { readonly [cls: number]: number }): Tensor {
  const entries = Object.entries(classWeight);
  const weights = new Map<number, number>();
  for (const [k, v] of entries) {
    const cls = Number(k);
    if (!Number.isInteger(cls) || cls < 0) throw new Error(`classWeight: keys must be class indices (non-negative integers), got '${k}'`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`classWeight: the weight of class ${k} must be a finite number, got ${String(v)}`);
    weights.set(cls, v);
  }
  const n = y.shape[0] ?? 0;
  const width = y.rank > 1 ? y.size / Math.max(n, 1) : 1;
  // One-hot (or probability) rows: their argmax, as Keras' np.argmax; else the label rounded.
  const classes = width > 1 ? ops.argMax(ops.reshape(y, [n, width]), -1).data : Float32Array.from(y.values, Math.round);
  return new Tensor(Float32Array.from(classes, (cls) => weights.get(cls) ?? 1), [n]);
}

/** Checks user-given sample weights: a tensor (or number[]) with one row per sample, finite and ≥ 0. */
export function toSampleWeight(v: unknown, samples: number, what: string): Tensor {
  const t = v instanceof Tensor ? v : Array.isArray(v) && v.every((e) => typeof e === 'number') ? new Tensor(Float32Array.from(v as number[]), [v.length]) : null;
  if (!t) throw new Error(`${what}: sampleWeight must be a tensor or an array of numbers, one per sample`);
  if (t.rank === 0 || t.shape[0] !== samples) throw new Error(`${what}: sampleWeight has shape ${formatShape(t.shape)} but there are ${samples} samples`);
  for (let i = 0; i < t.size; i++) {
    const w = t.values[i]!;
    if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`${what}: sampleWeight[${i}] is ${w}; weights must be finite and ≥ 0`);
  }
  return t;
}

/** fit's / evaluate's sampleWeight and (fit only) classWeight, as Keras' sample_weight and class_weight. */
export interface SampleWeightArgs {
  /** One weight per sample (a tensor of shape [n] or [n, 1], or number[]): the sample's weight in the loss. */
  sampleWeight?: unknown;
  /** { classIndex: weight }: each sample weighs its class's weight (1 for classes not listed), as Keras' class_weight. */
  classWeight?: { readonly [cls: number]: number };
}

/** The step data with its sample weights attached (sampleWeight × classWeight when both are given, as Keras multiplies them). */
export function withSampleWeights<D extends { x: Tensor[]; y: Tensor[]; sw?: Tensor[] }>(data: D, args: SampleWeightArgs, what: string): D {
  if (args.sampleWeight === undefined && args.classWeight === undefined) return data;
  const n = data.x[0]?.shape[0] ?? 0;
  let w = args.sampleWeight !== undefined ? toSampleWeight(args.sampleWeight, n, what) : null;
  if (args.classWeight !== undefined) {
    if (data.y.length !== 1) throw new Error(`${what}: classWeight applies to single-output models (as Keras); give sampleWeight instead`);
    const cw = classWeightToSampleWeights(data.y[0]!, args.classWeight);
    w = w ? new Tensor(Float32Array.from(cw.values, (v, i) => v * w!.values[i]!), [n]) : cw;
  }
  return { ...data, sw: [w!] };
}
