/**
 * The fast paths that stack a batch of fromTensorSlices rows with one gather kernel call: the
 * sources fromTensorSlices slices (registered by buffer, checked finite once), and the stacking
 * of tuples, columns and plain row views from the rows' RowViews (which name their source and
 * row) or from their typed arrays. structure.ts falls back to copying views one by one when none applies.
 */
import { Tensor } from '../../tensor/tensor.js';
import { shapesEqual } from '../../tensor/shape.js';
import { allocFloat32 } from '../../tensor/buffer-pool.js';
import { backendCount, kernels } from '../../backend/registry.js';
import { firstNonFinite, vouchFinite } from '../../train/data-adapter.js';
import { rowBatch } from './row-batch.js';
import { RowView } from './row-view.js';

/** Most leaves of a tuple stackRowViewTuples takes (wider tuples take the general path). */
const MAX_ROW_VIEW_LEAVES = 8;

/**
 * Flat tuples whose leaves are, leaf by leaf, rows of one source each (RowViews), or in every
 * element the same tensor as an earlier leaf of it (x => [x, x]): what fromTensorSlices → map →
 * shuffle → batch yields. Checked and gathered in one pass over the elements (the general path
 * builds a column per leaf, compares columns, then reads each column's rows: several passes over
 * elements that a training step has pushed out of the cache meanwhile). Exactly what the general
 * path stacks; null when any element differs, and the general path stacks them (or names the mismatch).
 */
export function stackRowViewTuples(elements: readonly unknown[], first: readonly unknown[], lazy: boolean): Tensor[] | null {
  const n = elements.length;
  const k = first.length;
  if (n < 2 || k === 0 || k > MAX_ROW_VIEW_LEAVES || backendCount() === 0) return null;
  const repeats: number[] = []; // per leaf: the first leaf of element 0 holding the same tensor (itself if none)
  const sources: (Tensor | null)[] = [];
  for (let j = 0; j < k; j++) {
    const t = first[j];
    if (!(t instanceof RowView)) return null;
    const r = first.indexOf(t);
    repeats.push(r);
    sources.push(r === j ? t.rowSource : null);
  }
  // Each batch its own row numbers: a lazy batch (row-batch.ts) keeps them until it is read.
  const rowsOf = sources.map((src) => (src ? rowNumbers(n) : null));
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
      if (!(t instanceof RowView) || t.rowSource !== sources[j]) return null;
      rowsOf[j]![i] = t.row;
    }
  }
  const stacked: Tensor[] = [];
  for (let j = 0; j < k; j++) stacked.push(repeats[j] !== j ? stacked[repeats[j]!]! : gatherSourceRows(sources[j]!, rowsOf[j]!, first[j] as Tensor, lazy));
  return stacked;
}

/** Row numbers handed out per batch, never written again (a batch keeps its own until it is read). */
let arena = new Int32Array(0);
let arenaUsed = 0;
const ARENA_SIZE = 1 << 16;

/**
 * Room for n row numbers of one batch: a view into a shared arena. An Int32Array of its own per
 * batch (a backing store outside the JS heap, allocated and registered with the GC) measured
 * several µs per batch, more than the batch's gather.
 */
function rowNumbers(n: number): Int32Array {
  if (arenaUsed + n > arena.length) {
    arena = new Int32Array(Math.max(ARENA_SIZE, n));
    arenaUsed = 0;
  }
  return arena.subarray(arenaUsed, (arenaUsed += n));
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

/** Registers t as a slice source, when its rows can be RowViews (float32, not empty, not a trainable variable). */
export function registerSliceSource(t: Tensor): boolean {
  if (!(t.data instanceof Float32Array) || t.requiresGrad || t.size === 0) return false;
  const list = sliceSources.get(t.data.buffer);
  if (!list) sliceSources.set(t.data.buffer, [t]);
  else if (!list.includes(t)) list.push(t);
  return true;
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
 * A column of rows of one source (RowViews: the fused batch of fromTensorSlices → element-wise
 * maps → shuffle → batch, and x => [x, x] pairs): one gather of their rows, read from the views
 * without making their typed arrays. Null otherwise.
 */
export function gatherRowViewColumn(col: readonly (Tensor | number)[], head: Tensor): Tensor | null {
  const n = col.length;
  if (!(head instanceof RowView) || n < 2 || backendCount() === 0) return null;
  const src = head.rowSource;
  const indices = rowNumbers(n);
  for (let k = 0; k < n; k++) {
    const t = col[k];
    if (!(t instanceof RowView) || t.rowSource !== src) return null;
    indices[k] = t.row;
  }
  return gatherSourceRows(src, indices, head, false);
}

/** The row numbers of a batch of typed-array views being gathered (reused: the gather kernel reads them synchronously). */
let rowScratch = new Int32Array(0);

/**
 * Rows that are all views into one float32 buffer (rows passed through maps that read them,
 * subarrays) are copied by one gather kernel call instead of a TypedArray.set per row
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
    // Rows of one slicer share their shape array (Tensor.viewsOf): compared by identity first.
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
