/**
 * What fit / evaluate / predict accept, turned into one list of batch-first tensors per side
 * (one per model input, one per model output), with the checks that make bad data fail
 * before the first step with an error naming the problem.
 */
import { Tensor, tensor, type NestedArray } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { kernels } from '../backend/registry.js';
import { inBufferScope } from '../tensor/buffer-pool.js';
import { ops } from '../autograd/index.js';
import type { Loss } from './losses.js';

/** One array of samples: a Tensor or nested number arrays. */
export type TensorInput = Tensor | NestedArray;
/** Data for a model: one array, a list (one per input/output), or a record by input/output name. */
export type ModelData = TensorInput | readonly TensorInput[] | { readonly [name: string]: TensorInput };

function describeData(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') {
    const tag = Object.prototype.toString.call(v);
    if (tag === '[object Generator]' || tag === '[object AsyncGenerator]') return 'a generator';
    const ctor = (v as object).constructor?.name;
    if (ctor && ctor !== 'Object') return `a ${ctor}`;
    if (typeof (v as { next?: unknown }).next === 'function') return 'an iterator';
    return 'a plain object';
  }
  return `a ${typeof v}`;
}

function isNumberNest(v: unknown): v is NestedArray {
  if (typeof v === 'number') return true;
  if (!Array.isArray(v)) return false;
  let probe: unknown = v;
  while (Array.isArray(probe) && probe.length > 0) probe = probe[0];
  return typeof probe === 'number' || (Array.isArray(probe) && probe.length === 0);
}

const ACCEPTS = 'a Tensor, nested arrays of numbers, a list of those (one per model input/output), or a { name: tensor } record';

function one(v: unknown, what: string): Tensor {
  if (v instanceof Tensor) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    throw new Error(`${what}: got a ${(v as object).constructor.name} without a shape; wrap it as tensor(values, shape)`);
  }
  if (isNumberNest(v)) return tensor(v);
  throw new Error(`${what} must be ${ACCEPTS}; got ${describeData(v)}`);
}

/**
 * The tensors of x or y, in the order of `names` (the model's inputs or outputs). A list whose
 * items are tensors (or nested arrays, when the model has several inputs) is one per name.
 */
export function toTensorList(v: unknown, names: readonly string[], what: string): Tensor[] {
  if (v instanceof Tensor) return [v];
  if (Array.isArray(v) && v.length > 0 && (v.every((e) => e instanceof Tensor) || (names.length > 1 && v.length === names.length && v.every((e) => Array.isArray(e))))) {
    return v.map((e, i) => one(e, `${what}[${i}]`));
  }
  if (isNumberNest(v)) return [tensor(v)];
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype && names.length > 0) {
    const rec = v as Record<string, unknown>;
    const unknown = Object.keys(rec).filter((k) => !names.includes(k));
    if (unknown.length > 0) throw new Error(`${what}: no model input/output is named ${unknown.map((k) => `'${k}'`).join(', ')} (names: ${names.join(', ')})`);
    return names.map((n) => {
      if (!(n in rec)) throw new Error(`${what}: missing data for '${n}' (names: ${names.join(', ')})`);
      return one(rec[n], `${what}['${n}']`);
    });
  }
  return [one(v, what)];
}

/**
 * Checks the number of arrays, a common sample count, and finiteness (not again for tensors in
 * `checked`). With `remember` (the data given to fit / evaluate / predict) an array that passed is
 * not read again by a later call (see checkedArrays).
 */
export function checkArrays(xs: readonly Tensor[], expected: number, what: string, side: string, checked: readonly Tensor[] = [], remember = false): number {
  if (xs.length !== expected) throw new Error(`${what}: the model has ${expected} ${side}${expected === 1 ? '' : 's'} but ${xs.length} arrays were given`);
  let n: number | undefined;
  xs.forEach((t, i) => {
    if (t.rank === 0) throw new Error(`${what}: ${side}s need a batch axis, got a scalar`);
    if (n === undefined) n = t.shape[0];
    else if (t.shape[0] !== n) throw new Error(`${what}: ${side} ${i} has ${t.shape[0]} samples (shape ${formatShape(t.shape)}) but ${side} 0 has ${n}`);
    if (!checked.includes(t)) assertFinite(t, `${what} ${side}s`, remember);
  });
  return n ?? 0;
}

export function checkSameCount(nx: number, ny: number, xs: readonly Tensor[], ys: readonly Tensor[], what: string): void {
  if (nx !== ny) {
    throw new Error(`${what}: inputs have ${nx} samples (shape ${formatShape(xs[0]!.shape)}) but targets have ${ny} (shape ${formatShape(ys[0]!.shape)})`);
  }
}

/**
 * Marks of a dataset's lazily gathered batch (markRows), as properties of the batch itself: where
 * its rows come from, and true when its values are known to be finite (gathered from rows of a
 * source that was checked), so they are not checked again. Properties, not WeakMap/WeakSet
 * entries: one of each per batch, and an insertion into a weak table (its ephemeron write
 * barrier) cost more than the step's use of it. Other tensors are vouched for in a WeakSet, so
 * plain tensors keep one hidden class (a property added to some would split it at every site
 * that reads tensors).
 */
const FINITE = Symbol('knownFinite');
const ROWS = Symbol('rowSource');
type Marked = Tensor & { [FINITE]?: true; [ROWS]?: RowSource };
const vouchedTensors = new WeakSet<Tensor>();

/** Records that t holds no NaN or ±Infinity, so checkArrays skips its pass over t (the caller checked its source). */
export function vouchFinite(t: Tensor): void {
  if (ROWS in t) (t as Marked)[FINITE] = true;
  else vouchedTensors.add(t);
}

function vouched(t: Tensor): boolean {
  return (t as Marked)[FINITE] === true || vouchedTensors.has(t);
}

/** A batch that is rows of a larger tensor: the tensor and the row numbers, in batch order. */
export interface RowSource {
  readonly source: Tensor;
  readonly indices: Int32Array;
}

/**
 * Records that `batch` holds rows `indices` of `source`, so a compiled step can copy them from the
 * source itself (the batches a dataset gathers lazily, data/dataset/row-batch.ts).
 */
export function markRows(batch: Tensor, source: Tensor, indices: Int32Array): void {
  (batch as Marked)[ROWS] = { source, indices };
}

/** Where a batch's rows come from, when markRows recorded it. */
export function rowSourceOf(t: Tensor): RowSource | undefined {
  return (t as Marked)[ROWS];
}

/** Whether assertFinite would pass t without reading its values (int32, empty, or vouched for). */
export function knownFinite(t: Tensor): boolean {
  return vouched(t) || t.dtype !== 'float32' || t.size === 0; // (not t.data: a lazy batch would be gathered)
}

/** The flat index of the first NaN or ±Infinity in d, or -1. */
export function firstNonFinite(d: Float32Array): number {
  if (d.length === 0) return -1;
  // A sum is finite unless some element is NaN/±Infinity (or the sum overflows): one vectorised
  // pass by the backend; only when it is not finite, look for the culprit element by element.
  const total = new Float32Array(1);
  kernels().reduce('sum', d, [d.length], [0], total);
  if (Number.isFinite(total[0]!)) return -1;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return i;
  return -1;
}

/**
 * The float arrays of data given to fit / evaluate / predict that passed assertFinite, so a later
 * call with the same tensor does not read all of it again: Keras users evaluate the same test set
 * after every epoch, and the check is a pass over all of it (4-14 ms for MNIST's 10,000 test images,
 * a tenth of an evaluation). Tensors are immutable by contract; should a caller rewrite a checked
 * array in place, the NaN or Infinity it writes shows in the loss, and fit and evaluate then check
 * their data again and name the value (recheckFinite). Weak: an array forgotten by its owner is
 * forgotten here. Never arrays allocated while a step's buffer scope is open (they are recycled).
 */
const checkedArrays = new WeakSet<Float32Array>();

/** Throws a clear error when t holds a NaN or ±Infinity; `remember` as checkArrays. */
export function assertFinite(t: Tensor, what: string, remember = false): void {
  if (!(t.data instanceof Float32Array) || t.size === 0 || vouched(t)) return; // int32 cannot hold NaN or Infinity
  const data = t.data;
  if (remember && checkedArrays.has(data)) return;
  const i = firstNonFinite(data);
  if (i >= 0) {
    throw new Error(`${what} contain ${data[i]} at flat index ${i} (sample ${Math.floor(i / Math.max(1, t.size / (t.shape[0] ?? 1)))}): clean or impute the data first`);
  }
  if (remember && !inBufferScope() && !t.requiresGrad) checkedArrays.add(data);
}

/**
 * After a pass whose logs hold a non-finite value: checks the data again without trusting
 * checkedArrays, so a NaN written into a checked array in place still gets its clear error.
 */
export function recheckFinite(data: { x: readonly Tensor[]; y: readonly Tensor[]; sw?: readonly Tensor[] }, logs: Record<string, number>, what: string): void {
  for (const k in logs) {
    if (Number.isFinite(logs[k]!)) continue;
    for (const t of data.x) assertFinite(t, `${what} inputs`);
    for (const t of data.y) if (!data.x.includes(t)) assertFinite(t, `${what} targets`);
    for (const t of data.sw ?? []) assertFinite(t, `${what} sample weights`);
    return;
  }
}

/**
 * Targets against one output and its loss; returns the targets reshaped where Keras would
 * squeeze or expand them: (n,) targets for an (n, 1) output, and the reverse.
 */
export function checkTargets(loss: Loss, out: Tensor, y: Tensor): Tensor {
  if (loss.accuracyKind === 'sparse') {
    const classes = out.shape[out.rank - 1]!;
    const perSample = y.size / y.shape[0]!;
    if (perSample !== out.size / out.shape[0]! / classes) {
      const hint = y.shape[y.rank - 1] === classes ? ' (these look like one-hot rows: use categorical_crossentropy, or pass integer labels)' : '';
      throw new Error(`${loss.name}: targets of shape ${formatShape(y.shape)} do not give one integer label per prediction of shape [N, ${out.shape.slice(1).join(', ')}]${hint}`);
    }
    for (let i = 0; i < y.size; i++) {
      const v = y.data[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= classes) {
        throw new Error(`${loss.name}: label ${v} at index ${i} is not a class in [0, ${classes}) (the model outputs ${classes} classes)`);
      }
    }
    return y;
  }
  const sampleShape = out.shape.slice(1);
  let target = y;
  const ySample = y.shape.slice(1);
  if (ySample.join(',') !== sampleShape.join(',')) {
    // Keras squeezes or expands a trailing axis of 1 so (n,) targets fit an (n, 1) output.
    if (ySample.length + 1 === sampleShape.length && sampleShape[sampleShape.length - 1] === 1 && ySample.join(',') === sampleShape.slice(0, -1).join(',')) {
      target = ops.reshape(y, [y.shape[0]!, ...sampleShape]);
    } else if (ySample.length === sampleShape.length + 1 && ySample[ySample.length - 1] === 1 && ySample.slice(0, -1).join(',') === sampleShape.join(',')) {
      target = ops.reshape(y, [y.shape[0]!, ...sampleShape]);
    } else {
      const hint = loss.accuracyKind === 'categorical' && y.rank === 1 ? ' (integer labels need sparse_categorical_crossentropy, or one-hot them with toCategorical)' : '';
      throw new Error(`${loss.name}: targets have per-sample shape ${formatShape(ySample)} but the model outputs ${formatShape(sampleShape)}${hint}`);
    }
  }
  if (loss.accuracyKind === 'categorical' || loss.accuracyKind === 'binary') {
    for (let i = 0; i < target.size; i++) {
      const v = target.data[i]!;
      if (v < 0 || v > 1) throw new Error(`${loss.name}: target ${v} at index ${i} is not a probability in [0, 1]`);
    }
  }
  if (loss.accuracyKind === 'categorical') {
    // Each target row is a distribution over classes (one-hot, or smoothed): it must sum to 1.
    const classes = target.shape[target.rank - 1]!;
    for (let r = 0; r < target.size / classes; r++) {
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += target.data[r * classes + c]!;
      if (Math.abs(sum - 1) > 1e-3) {
        throw new Error(`${loss.name}: target row ${r} sums to ${sum}, not 1 (each row must be one-hot or a probability distribution; see toCategorical)`);
      }
    }
  }
  return target;
}

/** Samples [begin, begin + count) of a batch-first tensor. */
export function rowRange(t: Tensor, begin: number, count: number): Tensor {
  return ops.slice(t, t.shape.map((_, i) => (i === 0 ? begin : 0)), [count, ...t.shape.slice(1)]);
}

export function rowsOf(t: Tensor, indices: Int32Array): Tensor {
  return ops.gather(t, indices, 0);
}
