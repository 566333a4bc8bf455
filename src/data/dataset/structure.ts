/**
 * Dataset elements are nested structures (tf.nest): a Tensor or a number at the
 * leaves, inside tuples (arrays) and records (plain objects). This file slices,
 * stacks and unstacks such structures along their first axis — what
 * fromTensorSlices, batch and unbatch do to every leaf at once.
 */
import { Tensor, tensor, type NestedArray } from '../../tensor/tensor.js';
import { formatShape, shapesEqual } from '../../tensor/shape.js';
import { allocate, type TypedData } from '../../tensor/dtype.js';
import { allocFloat32 } from '../../tensor/buffer-pool.js';
import { gatherRowViewColumn, gatherRowViews, registerSliceSource, stackRowViewTuples } from './row-gather.js';
import { rowViewMaker } from './row-view.js';

/** One dataset element: tensors or numbers, possibly inside tuples and records. */
export type Element = Tensor | number | readonly Element[] | { readonly [key: string]: Element };

/** What Dataset.fromTensorSlices accepts: tensors, nested number arrays, and tuples/records of them. */
export type SliceInput = Tensor | NestedArray | readonly SliceInput[] | { readonly [key: string]: SliceInput };

/** The element type fromTensorSlices yields for an input: every leaf loses its first axis. */
export type Sliced<T> = T extends Tensor ? Tensor
  : T extends number ? never
  : T extends NestedArray ? Tensor
  : { -readonly [K in keyof T]: Sliced<T[K]> };

/** The element type after batch(): numbers become 1-D tensors, tensors gain a batch axis. */
export type Batched<T> = T extends Tensor | number ? Tensor : { -readonly [K in keyof T]: Batched<T[K]> };

/** The element type after unbatch(): every leaf is a tensor one rank lower. */
export type Unbatched<T> = T extends Tensor ? Tensor : T extends number ? never : { -readonly [K in keyof T]: Unbatched<T[K]> };

/** A plain array of numbers (possibly nested) is a tensor literal, not a tuple. */
export function isNumberArray(v: unknown): v is NestedArray {
  if (!Array.isArray(v)) return false;
  return v.every((x) => typeof x === 'number' || isNumberArray(x));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor);
}

/** Applies fn to every leaf, keeping the structure; `path` names the leaf for error messages. */
export function mapLeaves(s: unknown, fn: (leaf: Tensor | number, path: string) => unknown, path = 'element'): unknown {
  if (s instanceof Tensor || typeof s === 'number') return fn(s, path);
  if (Array.isArray(s)) return s.map((x, i) => mapLeaves(x, fn, `${path}[${i}]`));
  if (isRecord(s)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) out[k] = mapLeaves(v, fn, `${path}.${k}`);
    return out;
  }
  throw new Error(`${path} is ${describe(s)}: dataset elements hold tensors and numbers, inside arrays and plain objects`);
}

/** The leaves in a fixed (depth-first) order (hot in batch: no closures, no paths). */
export function leavesOf(s: unknown, out: (Tensor | number)[] = []): (Tensor | number)[] {
  if (s instanceof Tensor || typeof s === 'number') out.push(s);
  else if (Array.isArray(s)) for (const x of s) leavesOf(x, out);
  else if (isRecord(s)) for (const k in s) leavesOf(s[k], out);
  else mapLeaves(s, () => 0); // throws the descriptive error
  return out;
}

/** Rebuilds a structure like `template` from leaves in leavesOf order. */
export function fromLeaves(template: unknown, leaves: readonly unknown[]): unknown {
  let i = 0;
  return mapLeaves(template, () => leaves[i++]);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (v instanceof Tensor) return `a tensor of shape ${formatShape(v.shape)}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  return typeof v === 'object' ? `a ${v.constructor?.name ?? 'object'}` : `a ${typeof v}`;
}

/** Turns a fromTensorSlices input into the same structure with Tensor leaves, checking one shared first axis. */
export function toSliceable(input: SliceInput): { structure: unknown; length: number } {
  const convert = (v: unknown, path: string): unknown => {
    if (v instanceof Tensor) return v;
    if (typeof v === 'number') throw new Error(`fromTensorSlices: ${path} is a single number; slices need an axis to slice along (pass an array)`);
    if (isNumberArray(v)) return tensor(v);
    if (Array.isArray(v)) return v.map((x, i) => convert(x, `${path}[${i}]`));
    if (isRecord(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = convert(x, `${path}.${k}`);
      return out;
    }
    throw new Error(`fromTensorSlices: ${path} is ${describe(v)}; expected tensors, number arrays, or arrays/objects of them`);
  };
  const structure = convert(input, 'input');
  let length = -1;
  let first = '';
  mapLeaves(structure, (leaf, path) => {
    const t = leaf as Tensor;
    if (t.rank === 0) throw new Error(`fromTensorSlices: ${path} is a scalar tensor; slices need an axis to slice along`);
    if (length < 0) [length, first] = [t.shape[0]!, path];
    else if (t.shape[0] !== length) {
      throw new Error(`fromTensorSlices: all inputs must have the same first dimension, but ${first} has ${length} and ${path} has ${t.shape[0]} (shape ${formatShape(t.shape)})`);
    }
  }, 'input');
  if (length < 0) throw new Error('fromTensorSlices: the input holds no tensors');
  return { structure, length };
}

/** Row i of a tensor as a view (no copy: tensors are immutable). */
export function row(t: Tensor, i: number): Tensor {
  const stride = t.size / t.shape[0]!;
  return new Tensor(t.data.subarray(i * stride, (i + 1) * stride), t.shape.slice(1));
}

/**
 * Element i of a sliceable structure, as a function prepared once per dataset: the per-element
 * work is the row views and the tuples/records holding them (no leaf paths, no shape arithmetic).
 */
export function slicer(structure: unknown): (i: number) => unknown {
  if (structure instanceof Tensor) {
    // Float32 rows as RowViews (typed arrays made only when read); others as typed-array views now.
    if (registerSliceSource(structure)) return rowViewMaker(structure);
    const view = Tensor.viewMaker(structure.shape.slice(1));
    const rowData = rowDataMaker(structure.data, structure.size / structure.shape[0]!);
    return (i) => view(rowData(i));
  }
  if (Array.isArray(structure)) {
    const parts = structure.map(slicer);
    return (i) => parts.map((part) => part(i));
  }
  const keys = Object.keys(structure as object);
  const parts = keys.map((k) => slicer((structure as Record<string, unknown>)[k]));
  return (i) => {
    const out: Record<string, unknown> = {};
    for (let k = 0; k < keys.length; k++) out[keys[k]!] = parts[k]!(i);
    return out;
  };
}

/**
 * Row i of `data` (rows of `stride` values) as a typed-array view. Made by the typed array's
 * constructor over the buffer: subarray() (a species lookup, then the same constructor) was
 * about 40 % of the instructions the fused pipeline spends per element (callgrind).
 */
function rowDataMaker(data: TypedData, stride: number): (i: number) => TypedData {
  const { buffer, byteOffset } = data;
  const rowBytes = stride * data.BYTES_PER_ELEMENT;
  if (data instanceof Float32Array) return (i) => new Float32Array(buffer, byteOffset + i * rowBytes, stride);
  return (i) => new Int32Array(buffer, byteOffset + i * rowBytes, stride);
}

/**
 * Stacks elements of one structure into a batch: every leaf gains a first axis of length
 * elements.length. A leaf that is the same tensor as an earlier one in every element (an
 * autoencoder's [x, x]) is stacked once and shared, so the trainer also gathers it once.
 * Runs once per batch in a training loop: plain loops, and leaf paths only for error messages.
 */
export function stackElements(elements: readonly unknown[], where: string, lazy = false): unknown {
  const first = elements[0];
  if (first instanceof Tensor) return stackLeaf(elements as (Tensor | number)[], where, () => 'element');
  const rowTuples = Array.isArray(first) ? stackRowViewTuples(elements, first, lazy) : null;
  if (rowTuples) return rowTuples;
  const flat = flatTupleColumns(elements);
  const columns = flat ?? leafColumns(elements, where);
  let paths: string[] | null = null;
  const pathOf = (j: number) => (): string => (paths ??= leafPaths(first))[j]!;
  const stacked: Tensor[] = [];
  for (let j = 0; j < columns.length; j++) {
    const col = columns[j]!;
    let same = -1;
    for (let k = 0; k < j && same < 0; k++) if (sameTensors(columns[k]!, col)) same = k;
    if (same >= 0) stacked.push(stacked[same]!);
    else stacked.push(stackLeaf(col, where, pathOf(j)));
  }
  return flat ? stacked : fromLeaves(first, stacked);
}

/** Whether two columns hold the same tensor objects, element by element. */
function sameTensors(a: readonly (Tensor | number)[], b: readonly (Tensor | number)[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] || !(a[i] instanceof Tensor)) return false;
  return true;
}

function leafPaths(structure: unknown): string[] {
  const paths: string[] = [];
  mapLeaves(structure, (_, p) => paths.push(p));
  return paths;
}

/** The columns of elements that are all tuples of the same length holding leaves only ([x, y], [x, x]), else null. */
function flatTupleColumns(elements: readonly unknown[]): (Tensor | number)[][] | null {
  const first = elements[0];
  if (!Array.isArray(first)) return null;
  const k = first.length;
  for (let j = 0; j < k; j++) if (!(first[j] instanceof Tensor || typeof first[j] === 'number')) return null;
  const columns: (Tensor | number)[][] = [];
  for (let j = 0; j < k; j++) columns.push(new Array<Tensor | number>(elements.length)); // sized once: no garbage from growing
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i];
    if (!Array.isArray(e) || e.length !== k) return null; // the general path names the mismatch
    for (let j = 0; j < k; j++) {
      const v: unknown = e[j];
      if (!(v instanceof Tensor || typeof v === 'number')) return null;
      columns[j]![i] = v;
    }
  }
  return columns;
}

/** Column j holds leaf j (leavesOf order) of every element. */
function leafColumns(elements: readonly unknown[], where: string): (Tensor | number)[][] {
  const columns = leavesOf(elements[0]).map(() => [] as (Tensor | number)[]);
  const leaves: (Tensor | number)[] = [];
  for (let i = 0; i < elements.length; i++) {
    leaves.length = 0;
    leavesOf(elements[i], leaves);
    if (leaves.length !== columns.length) throw new Error(`${where}: element ${i} has ${leaves.length} leaves but element 0 has ${columns.length} (every element must have the same structure)`);
    for (let j = 0; j < leaves.length; j++) columns[j]!.push(leaves[j]!);
  }
  return columns;
}

/** path names the leaf in error messages only (made on demand: stacking runs once per batch). */
function stackLeaf(col: readonly (Tensor | number)[], batchWhere: string, path: () => string): Tensor {
  const where = (): string => `${batchWhere}: ${path()}`;
  const head = col[0]!;
  if (typeof head === 'number') {
    const data = new Float32Array(col.length);
    col.forEach((v, i) => {
      if (typeof v !== 'number') throw new Error(`${where()} is a number in element 0 but ${describe(v)} in element ${i}`);
      data[i] = v;
    });
    return new Tensor(data, [col.length]);
  }
  const stride = head.size;
  const gathered = gatherRowViewColumn(col, head) ?? gatherRowViews(col, head, stride);
  if (gathered) return gathered;
  // Every value is written below; inside a trainer's step scope (Dataset.deferredIterator) the buffer is recycled.
  const data = head.dtype === 'float32' ? allocFloat32(stride * col.length, false) : allocate(head.dtype, stride * col.length);
  for (let i = 0; i < col.length; i++) {
    const t = col[i]!;
    if (!(t instanceof Tensor) || t.size !== stride || !shapesEqual(t.shape, head.shape)) {
      throw new Error(`${where()} has shape ${formatShape(head.shape)} in element 0 but ${t instanceof Tensor ? `shape ${formatShape(t.shape)}` : describe(t)} in element ${i}; batch needs equal shapes (resize or crop first)`);
    }
    data.set(t.data, i * stride);
  }
  return new Tensor(data, [col.length, ...head.shape]);
}

/** Splits a batched element back into its rows. */
export function unstackElement(e: unknown, where: string): unknown[] {
  let n = -1;
  mapLeaves(e, (leaf, path) => {
    if (!(leaf instanceof Tensor) || leaf.rank === 0) throw new Error(`${where}: ${path} is ${describe(leaf)} without a batch axis to unbatch`);
    if (n < 0) n = leaf.shape[0]!;
    else if (leaf.shape[0] !== n) throw new Error(`${where}: leaves have different batch sizes (${n} and ${leaf.shape[0]} at ${path})`);
  });
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(mapLeaves(e, (leaf) => row(leaf as Tensor, i)));
  return out;
}
