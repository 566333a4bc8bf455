/** Ops that move data around: reshape, transpose, slice, gather, concat, oneHot. */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape, normalizeAxis, sizeOf, type Shape } from '../../tensor/shape.js';
import { record } from '../tape.js';
import { float, kernels, newTensor, zerosTensor } from './util.js';
import { dataMovement } from '../../backend/js/kernels.js';
import { hostWrite } from '../../tensor/step-trace.js';

/**
 * int32 tensors (labels, indices) only need data movement, never math or gradients: the
 * reference kernels' element-type-generic copies serve them (see dataMovement).
 */
function movedInt32(x: Tensor, shape: readonly number[], fill: (src: Int32Array, out: Int32Array) => void): Tensor | null {
  if (!(x.data instanceof Int32Array)) return null;
  const out = new Int32Array(sizeOf(shape));
  fill(x.data, out);
  return new Tensor(out, shape);
}

/** Same data, new shape (one dimension may be -1). Shares memory: reshape is free. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const target = [...shape];
  const unknown = target.indexOf(-1);
  if (unknown >= 0) {
    const known = sizeOf(target.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) throw new Error(`cannot reshape ${formatShape(x.shape)} to ${formatShape(shape)}`);
    target[unknown] = x.size / known;
  }
  if (sizeOf(target) !== x.size) {
    throw new Error(`cannot reshape a tensor of shape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)} (${sizeOf(target)} elements)`);
  }
  const out = new Tensor(x.data, target);
  return record(out, 'reshape', [x], (g) => [new Tensor(g.data, x.shape)]);
}

export function flatten(x: Tensor): Tensor {
  return reshape(x, [x.shape[0] ?? 1, -1]);
}

export function expandDims(x: Tensor, axis: number): Tensor {
  const ax = normalizeAxis(axis, x.rank + 1);
  const s = [...x.shape];
  s.splice(ax, 0, 1);
  return reshape(x, s);
}

export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const ax = normalizeAxis(axis, x.rank);
  if (x.shape[ax] !== 1) throw new Error(`squeeze: axis ${axis} has size ${x.shape[ax]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => i !== ax));
}

export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new Error(`transpose: ${JSON.stringify(p)} is not a permutation of the ${x.rank} axes of ${formatShape(x.shape)}`);
  }
  const outShape = p.map((i) => x.shape[i]!);
  const ints = movedInt32(x, outShape, (src, out) => dataMovement.transpose(src, x.shape, p, out));
  if (ints) return ints;
  const out = newTensor(outShape);
  kernels().transpose(float(x, 'transpose'), x.shape, p, out.values);
  const inverse = new Array<number>(p.length);
  p.forEach((v, i) => (inverse[v] = i));
  return record(out, 'transpose', [x], (g) => [transpose(g, inverse)]);
}

/** x[begin : begin + size] per axis; size -1 means "to the end". */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  if (begin.length !== x.rank) throw new Error(`slice: begin has ${begin.length} entries for a rank-${x.rank} tensor`);
  const sz = x.shape.map((d, i) => {
    const s = size?.[i] ?? -1;
    return s === -1 ? d - begin[i]! : s;
  });
  for (let i = 0; i < x.rank; i++) {
    if (begin[i]! < 0 || sz[i]! < 0 || begin[i]! + sz[i]! > x.shape[i]!) {
      throw new Error(`slice: begin ${JSON.stringify(begin)} size ${JSON.stringify(sz)} is out of bounds for ${formatShape(x.shape)}`);
    }
  }
  const ints = movedInt32(x, sz, (src, out) => dataMovement.slice(src, x.shape, begin, sz, out));
  if (ints) return ints;
  const out = newTensor(sz);
  kernels().slice(float(x, 'slice'), x.shape, begin, sz, out.values);
  return record(out, 'slice', [x], (g) => {
    const dx = zerosTensor(x.shape);
    hostWrite(dx.values, () => (x.rank === 0 ? dx.values.set(g.values) : padInto(g, dx, begin)));
    return [dx];
  });
}

/** Writes g into the region of dx starting at `begin` (the adjoint of slice). */
function padInto(g: Tensor, dx: Tensor, begin: readonly number[]): void {
  const rank = dx.rank;
  const strides: number[] = [];
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = s;
    s *= dx.shape[i]!;
  }
  const inner = g.shape[rank - 1] ?? 1;
  const rows = g.size / Math.max(inner, 1);
  const idx = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  for (let r = 0; r < rows; r++) {
    let dst = begin[rank - 1]!;
    for (let d = 0; d < rank - 1; d++) dst += (begin[d]! + idx[d]!) * strides[d]!;
    dx.values.set(g.values.subarray(r * inner, r * inner + inner), dst);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < g.shape[d]!) break;
      idx[d] = 0;
    }
  }
}

function toIndices(indices: Tensor | ArrayLike<number>, bound: number, what: string): Int32Array {
  const src = indices instanceof Tensor ? indices.data : indices;
  const out = src instanceof Int32Array ? src : Int32Array.from(src as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (v < 0 || v >= bound || (src !== out && (src as ArrayLike<number>)[i] !== v)) {
      throw new Error(`${what}: index ${(src as ArrayLike<number>)[i]} at position ${i} is out of range [0, ${bound})`);
    }
  }
  return out;
}

/** Rows (or slices along `axis`) of x at the given indices, like tf.gather / x[indices]. */
export function gather(x: Tensor, indices: Tensor | ArrayLike<number>, axis = 0): Tensor {
  const ax = normalizeAxis(axis, x.rank);
  const idx = toIndices(indices, x.shape[ax]!, 'gather');
  const shape = [...x.shape];
  shape[ax] = idx.length;
  const ints = movedInt32(x, shape, (src, out) => dataMovement.gather(src, x.shape, idx, ax, out));
  if (ints) return ints;
  const out = newTensor(shape);
  kernels().gather(float(x, 'gather'), x.shape, idx, ax, out.values);
  return record(out, 'gather', [x], (g) => {
    const dx = newTensor(x.shape);
    kernels().scatterAdd(g.values, idx, ax, x.shape, dx.values);
    return [dx];
  });
}

export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error('concat needs at least one tensor');
  const first = xs[0]!;
  const ax = normalizeAxis(axis, first.rank);
  for (const t of xs) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new Error(`concat: shapes ${xs.map((x) => formatShape(x.shape)).join(', ')} differ outside axis ${ax}`);
    }
  }
  const shape = [...first.shape];
  shape[ax] = xs.reduce((s, t) => s + t.shape[ax]!, 0);
  const allInts = xs.map((t) => t.data).filter((d): d is Int32Array => d instanceof Int32Array);
  if (allInts.length === xs.length) {
    return movedInt32(first, shape, (_, out) => dataMovement.concat(allInts, xs.map((t) => t.shape), ax, out))!;
  }
  const out = newTensor(shape);
  kernels().concat(xs.map((t) => float(t, 'concat')), xs.map((t) => t.shape), ax, out.values);
  return record(out, 'concat', xs, (g) => {
    let offset = 0;
    return xs.map((t) => {
      const begin = g.shape.map((_, i) => (i === ax ? offset : 0));
      offset += t.shape[ax]!;
      return slice(g, begin, t.shape);
    });
  });
}

export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  return concat(xs.map((t) => expandDims(t, axis)), axis);
}

/** One-hot rows for integer labels (like keras.utils.to_categorical). */
export function oneHot(labels: Tensor | ArrayLike<number>, numClasses: number): Tensor {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  const src = labels instanceof Tensor ? labels.data : labels;
  const n = src.length;
  const out = new Float32Array(n * numClasses);
  // Labels are data: a compiled step encodes each batch's labels again (see tensor/step-trace.ts).
  hostWrite(out, () => {
    out.fill(0);
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
        throw new Error(`oneHot: label ${v} at position ${i} is not an integer class in [0, ${numClasses})`);
      }
      out[i * numClasses + v] = 1;
    }
  });
  const lead = labels instanceof Tensor ? labels.shape : [n];
  return new Tensor(out, [...lead, numClasses]);
}

/** float32 ↔ int32 conversion (int32 truncates toward zero, as tf.cast). */
export function cast(x: Tensor, dtype: 'float32' | 'int32'): Tensor {
  if (x.dtype === dtype) return x;
  const data = dtype === 'int32' ? Int32Array.from(x.data, (v) => Math.trunc(v)) : Float32Array.from(x.data);
  return new Tensor(data, x.shape);
}
