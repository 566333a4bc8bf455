/**
 * The fast paths that stack a batch of fromTensorSlices rows with one gather kernel call: the
 * sources fromTensorSlices slices (registered by buffer, checked finite once), the ring of row
 * views each slicer made (RowLog), and the stacking of tuples, columns and plain row views from
 * them. structure.ts falls back to copying views one by one when none applies.
 */
import { Tensor } from '../../tensor/tensor.js';
import { shapesEqual } from '../../tensor/shape.js';
import { allocFloat32 } from '../../tensor/buffer-pool.js';
import { backendCount, kernels } from '../../backend/registry.js';
import { firstNonFinite, vouchFinite } from '../../train/data-adapter.js';
import { rowBatch } from './row-batch.js';

/** Most leaves of a tuple stackLoggedTuples takes (wider tuples take the general path). */
const MAX_LOGGED_LEAVES = 8;

/**
 * Flat tuples whose leaves are, leaf by leaf, the last n row views of one slicer each, or in every
 * element the same tensor as an earlier leaf of it (x => [x, x]): what fromTensorSlices → map →
 * shuffle → batch yields. Checked and gathered in one pass over the elements (the general path
 * builds a column per leaf, compares columns, then reads each column's ids: several passes over
 * elements that a training step has pushed out of the cache meanwhile). Exactly what the general
 * path stacks; null when any element differs, and the general path stacks them (or names the mismatch).
 */
export function stackLoggedTuples(elements: readonly unknown[], first: readonly unknown[], lazy: boolean): Tensor[] | null {
  const n = elements.length;
  const k = first.length;
  if (n < 2 || n > ROW_LOG_SIZE || k === 0 || k > MAX_LOGGED_LEAVES || backendCount() === 0) return null;
  const repeats: number[] = []; // per leaf: the first leaf of element 0 holding the same tensor (itself if none)
  const logs: (RowLog | null)[] = [];
  for (let j = 0; j < k; j++) {
    const t = first[j];
    if (!(t instanceof Tensor)) return null;
    const r = first.indexOf(t);
    repeats.push(r);
    const log = r === j ? logOfLastViews(t, n) : null;
    if (r === j && !log) return null;
    logs.push(log);
  }
  // Each batch its own row numbers: a lazy batch (row-batch.ts) keeps them until it is read.
  const rowsOf = logs.map((log) => (log ? new Int32Array(n) : null));
  for (let i = 0; i < n; i++) {
    const e = elements[i];
    if (!Array.isArray(e) || e.length !== k) return null;
    for (let j = 0; j < k; j++) {
      const t: unknown = e[j];
      const r = repeats[j]!;
      if (r !== j) {
        if (t !== e[r]) return null;
        continue;
      }
      const log = logs[j]!;
      const at = (log.count - n + i) & log.mask;
      // An id names one tensor for good: a match is that view, whose row was logged with it.
      if (!(t instanceof Tensor) || t.id !== log.ids[at]) return null;
      rowsOf[j]![i] = log.rows[at]!;
    }
  }
  const stacked: Tensor[] = [];
  for (let j = 0; j < k; j++) stacked.push(repeats[j] !== j ? stacked[repeats[j]!]! : gatherSourceRows(logs[j]!.source, rowsOf[j]!, first[j] as Tensor, lazy));
  return stacked;
}

/** The row log of the slicer whose last n views begin with `head` (the first element's leaf), or null. */
function logOfLastViews(head: Tensor, n: number): RowLog | null {
  if (!(head.data instanceof Float32Array)) return null;
  const sources = sliceSources.get(head.data.buffer);
  if (!sources) return null;
  for (const src of sources) {
    const log = rowLogs.get(src);
    if (!log || n > log.ids.length || src.size / src.shape[0]! !== head.size) continue;
    const start = log.count - n;
    if (start >= 0 && log.ids[start & log.mask] === head.id) return log;
  }
  return null;
}

/** Rows `rows` of a registered source, stacked into a batch of `head`'s shape (vouched finite when the source is). */
function gatherSourceRows(src: Tensor, rows: Int32Array, head: Tensor, lazy: boolean): Tensor {
  const batch = rowBatch(src, rows, head.shape, lazy);
  if (sourceKnownFinite(src)) vouchFinite(batch);
  return batch;
}

/**
 * The float32 tensors fromTensorSlices slices, by buffer: a batch gathered from rows of one of
 * them needs no NaN check of its own once the whole source was checked (once per source, as
 * fit checks tensors once per call, instead of once per batch). Tensors are immutable, and
 * trainable variables (updated in place) are not registered.
 */
const sliceSources = new WeakMap<ArrayBufferLike, Tensor[]>();
/** Whether a registered source holds only finite values (checked at its first batch). */
const sourceFinite = new WeakMap<Tensor, boolean>();

/**
 * The last row views a slicer of `source` made, as (tensor id, row) in a ring: a batch whose
 * leaves are the last n views, in order, is gathered from these rows without reading each view's
 * buffer and offset (measured: those reads were most of the per-row cost of stacking). Ids, not
 * the views themselves: the ring keeps no element alive, and ids are never reused.
 */
export interface RowLog {
  readonly source: Tensor;
  readonly ids: Float64Array;
  readonly rows: Int32Array;
  readonly mask: number;
  /** Views made so far (the next one goes to count & mask). */
  count: number;
}

/** Batches up to this many rows are gathered through the row log (larger ones read the views). */
const ROW_LOG_SIZE = 4096;
const rowLogs = new WeakMap<Tensor, RowLog>();

export function registerSliceSource(t: Tensor): RowLog | null {
  if (!(t.data instanceof Float32Array) || t.requiresGrad || t.size === 0) return null;
  const list = sliceSources.get(t.data.buffer);
  if (!list) sliceSources.set(t.data.buffer, [t]);
  else if (!list.includes(t)) list.push(t);
  let log = rowLogs.get(t);
  if (!log) {
    let size = 2;
    while (size < Math.min(t.shape[0]!, ROW_LOG_SIZE)) size *= 2;
    rowLogs.set(t, (log = { source: t, ids: new Float64Array(size).fill(-1), rows: new Int32Array(size), mask: size - 1, count: 0 }));
  }
  return log;
}

function sourceKnownFinite(src: Tensor): boolean {
  let finite = sourceFinite.get(src);
  if (finite === undefined) sourceFinite.set(src, (finite = firstNonFinite(src.data as Float32Array) < 0));
  return finite;
}

/** Whether rows lo..hi (of `rowBytes` each, counted from byte `base` of buffer) lie in a registered source that is all finite. */
function rowsKnownFinite(buffer: ArrayBufferLike, base: number, rowBytes: number, lo: number, hi: number): boolean {
  const sources = sliceSources.get(buffer);
  if (!sources || backendCount() === 0) return false;
  for (const src of sources) {
    const first = (src.data.byteOffset - base) / rowBytes;
    if (src.size / src.shape[0]! * 4 !== rowBytes || !Number.isInteger(first) || first > lo || first + src.shape[0]! <= hi) continue;
    if (sourceKnownFinite(src)) return true;
  }
  return false;
}

/**
 * A column whose tensors are the last col.length row views one slicer made, in that order (the
 * fused batch of fromTensorSlices → element-wise maps → shuffle → batch, and x => [x, x]
 * pairs): one gather of their rows, the row numbers read from the slicer's log. Null otherwise.
 */
export function gatherLoggedRows(col: readonly (Tensor | number)[], head: Tensor, stride: number): Tensor | null {
  const n = col.length;
  if (!(head.data instanceof Float32Array) || n < 2 || n > ROW_LOG_SIZE || backendCount() === 0) return null;
  const sources = sliceSources.get(head.data.buffer);
  if (!sources) return null;
  for (const src of sources) {
    const log = rowLogs.get(src);
    if (!log || n > log.ids.length || src.size / src.shape[0]! !== stride) continue;
    const { ids, rows, mask } = log;
    const start = log.count - n;
    if (start < 0 || ids[start & mask] !== head.id) continue;
    if (rowScratch.length !== n) rowScratch = new Int32Array(n);
    const indices = rowScratch;
    for (let k = 0; k < n; k++) {
      const t = col[k];
      const at = (start + k) & mask;
      // An id names one tensor for good: a match is that view, whose row was logged with it.
      if (!(t instanceof Tensor) || t.id !== ids[at]) return null;
      indices[k] = rows[at]!;
    }
    return gatherSourceRows(src, indices, head, false);
  }
  return null;
}

/** The row numbers of a batch being gathered (reused: the gather kernel reads them synchronously). */
let rowScratch = new Int32Array(0);

/**
 * Rows that are all views into one float32 buffer (fromTensorSlices rows, passed through maps
 * like x => [x, x]) are copied by one gather kernel call instead of a TypedArray.set per row
 * (measured: the per-row calls made stacking ~1.5× the tensor path's gather). Null otherwise,
 * or when no backend is registered (the data layer imported alone).
 */
export function gatherRowViews(col: readonly (Tensor | number)[], head: Tensor, stride: number): Tensor | null {
  if (!(head.data instanceof Float32Array) || stride === 0 || col.length < 2 || backendCount() === 0) return null;
  const buffer = head.data.buffer;
  const rowBytes = stride * 4;
  const base = head.data.byteOffset % rowBytes;
  if (rowScratch.length !== col.length) rowScratch = new Int32Array(col.length);
  const indices = rowScratch;
  const shape = head.shape;
  let lo = Infinity;
  let hi = -1;
  for (let i = 0; i < col.length; i++) {
    const t = col[i];
    if (!(t instanceof Tensor)) return null;
    const data = t.data;
    // Rows of one slicer share their shape array (Tensor.viewMaker): compared by identity first.
    if (data.buffer !== buffer || !(data instanceof Float32Array) || (t.shape !== shape && (t.size !== stride || !shapesEqual(t.shape, shape)))) return null;
    const r = (data.byteOffset - base) / rowBytes;
    if (r !== Math.floor(r)) return null;
    indices[i] = r;
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  const rows = Math.floor((buffer.byteLength - base) / rowBytes);
  const out = allocFloat32(stride * col.length, false);
  kernels().gather(new Float32Array(buffer, base, rows * stride), [rows, stride], indices, 0, out);
  const batch = new Tensor(out, [col.length, ...head.shape]);
  if (rowsKnownFinite(buffer, base, rowBytes, lo, hi)) vouchFinite(batch);
  return batch;
}
