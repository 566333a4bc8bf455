/**
 * The reference backend: every kernel in plain TypeScript. Correctness first,
 * with simple fast paths for the common layouts so that training on it is
 * merely slow, not unusable. Other backends are tested against these.
 */
import type { Shape } from '../../tensor/shape.js';
import type { TypedData } from '../../tensor/dtype.js';
import { sizeOf, stridesOf } from '../../tensor/shape.js';
import type { BinaryOp, F32, Kernels, LossOp, ReduceOp, UnaryOp } from '../kernels.js';
import { unaryDerivative, unaryScalar } from './math.js';
import { LOSS_EPSILON } from '../ops.js';
import { matmul } from './matmul.js';
import { optimizerStep } from './optimizer-step.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, pool2d, pool2dBackward } from './conv.js';
import { biasActPool, biasActPoolBackward, conv2dBiasActPool, conv2dBiasActPoolBackprop, conv2dBiasActPoolBackpropFilter } from './conv-pool.js';
import { batchNorm, batchNormBackward, batchNormStats } from './batch-norm.js';
import { dropout } from './dropout.js';

function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add': return (a, b) => a + b;
    case 'sub': return (a, b) => a - b;
    case 'mul': return (a, b) => a * b;
    case 'div': return (a, b) => a / b;
    case 'pow': return (a, b) => Math.pow(a, b);
    case 'maximum': return (a, b) => (a > b || Number.isNaN(a) ? a : b);
    case 'minimum': return (a, b) => (a < b || Number.isNaN(a) ? a : b);
    case 'squaredDifference': return (a, b) => (a - b) * (a - b);
    case 'greater': return (a, b) => (a > b ? 1 : 0);
    case 'greaterEqual': return (a, b) => (a >= b ? 1 : 0);
    case 'less': return (a, b) => (a < b ? 1 : 0);
    case 'lessEqual': return (a, b) => (a <= b ? 1 : 0);
    case 'equal': return (a, b) => (a === b ? 1 : 0);
    case 'notEqual': return (a, b) => (a !== b ? 1 : 0);
  }
}

/** Strides of `shape` seen through the broadcast `outShape` (0 on broadcast axes). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = stridesOf(shape);
  const out = new Array<number>(outShape.length).fill(0);
  const offset = outShape.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[i + offset] = shape[i] === 1 ? 0 : strides[i]!;
  return out;
}

function binary(op: BinaryOp, a: F32, aShape: Shape, b: F32, bShape: Shape, out: F32, outShape: Shape): void {
  const f = binaryFn(op);
  const n = out.length;
  if (a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!);
    return;
  }
  if (b.length === 1 && a.length === n) {
    const s = b[0]!;
    for (let i = 0; i < n; i++) out[i] = f(a[i]!, s);
    return;
  }
  if (a.length === 1 && b.length === n) {
    const s = a[0]!;
    for (let i = 0; i < n; i++) out[i] = f(s, b[i]!);
    return;
  }
  // General case: walk the output with an odometer, stepping each input by its broadcast strides.
  const rank = outShape.length;
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const idx = new Array<number>(rank).fill(0);
  const inner = rank > 0 ? outShape[rank - 1]! : 1;
  const ia = rank > 0 ? sa[rank - 1]! : 0;
  const ib = rank > 0 ? sb[rank - 1]! : 0;
  let oa = 0;
  let ob = 0;
  for (let o = 0; o < n; o += inner) {
    let pa = oa;
    let pb = ob;
    for (let j = 0; j < inner; j++, pa += ia, pb += ib) out[o + j] = f(a[pa]!, b[pb]!);
    // advance the odometer over the outer axes
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      oa += sa[d]!;
      ob += sb[d]!;
      if (idx[d]! < outShape[d]!) break;
      oa -= sa[d]! * outShape[d]!;
      ob -= sb[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

function reduceInit(op: ReduceOp): number {
  switch (op) {
    case 'sum': return 0;
    case 'prod': return 1;
    case 'max': return -Infinity;
    case 'min': return Infinity;
  }
}

function reduce(op: ReduceOp, x: F32, shape: Shape, axes: readonly number[], out: F32): void {
  out.fill(reduceInit(op));
  const rank = shape.length;
  // Output strides as seen from x's index space: 0 on reduced axes.
  const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const os = broadcastStrides(keptShape, shape);
  const idx = new Array<number>(rank).fill(0);
  const inner = rank > 0 ? shape[rank - 1]! : 1;
  const io = rank > 0 ? os[rank - 1]! : 0;
  let oo = 0;
  const n = x.length;
  for (let i = 0; i < n; i += inner) {
    let po = oo;
    if (op === 'sum') for (let j = 0; j < inner; j++, po += io) out[po] += x[i + j]!;
    else if (op === 'prod') for (let j = 0; j < inner; j++, po += io) out[po] *= x[i + j]!;
    else if (op === 'max') {
      for (let j = 0; j < inner; j++, po += io) {
        const v = x[i + j]!;
        if (v > out[po]! || Number.isNaN(v)) out[po] = v;
      }
    } else {
      for (let j = 0; j < inner; j++, po += io) {
        const v = x[i + j]!;
        if (v < out[po]! || Number.isNaN(v)) out[po] = v;
      }
    }
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      oo += os[d]!;
      if (idx[d]! < shape[d]!) break;
      oo -= os[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

function argReduce(op: 'argmax' | 'argmin', x: F32, shape: Shape, axis: number, out: Int32Array): void {
  const outer = sizeOf(shape.slice(0, axis));
  const len = shape[axis]!;
  const inner = sizeOf(shape.slice(axis + 1));
  // NaN counts as the extreme (the first NaN wins), as NumPy's and PyTorch's argmax: NaN propagates.
  const better = op === 'argmax'
    ? (v: number, b: number) => b === b && (v > b || v !== v)
    : (v: number, b: number) => b === b && (v < b || v !== v);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let best = x[base]!;
      let bestIdx = 0;
      for (let j = 1; j < len; j++) {
        const v = x[base + j * inner]!;
        if (better(v, best)) {
          best = v;
          bestIdx = j;
        }
      }
      out[o * inner + i] = bestIdx;
    }
  }
}

function transpose<T extends TypedData>(x: T, shape: Shape, perm: readonly number[], out: T): void {
  const rank = shape.length;
  const xs = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  const steps = perm.map((p) => xs[p]!); // x stride for each out axis
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  const n = out.length;
  for (let o = 0; o < n; o++) {
    out[o] = x[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      src += steps[d]!;
      if (idx[d]! < outShape[d]!) break;
      src -= steps[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

function slice<T extends TypedData>(x: T, shape: Shape, begin: readonly number[], size: readonly number[], out: T): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0]!;
    return;
  }
  const xs = stridesOf(shape);
  const inner = size[rank - 1]!;
  const rows = sizeOf(size.slice(0, -1));
  const idx = new Array<number>(rank - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let src = begin[rank - 1]!;
    for (let d = 0; d < rank - 1; d++) src += (begin[d]! + idx[d]!) * xs[d]!;
    out.set(x.subarray(src, src + inner), r * inner);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < size[d]!) break;
      idx[d] = 0;
    }
  }
}

function gather<T extends TypedData>(x: T, shape: Shape, indices: Int32Array, axis: number, out: T): void {
  const outer = sizeOf(shape.slice(0, axis));
  const len = shape[axis]!;
  const inner = sizeOf(shape.slice(axis + 1));
  const m = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = (o * len + indices[j]!) * inner;
      out.set(x.subarray(src, src + inner), (o * m + j) * inner);
    }
  }
}

function scatterAdd(dy: F32, indices: Int32Array, axis: number, outShape: Shape, out: F32): void {
  out.fill(0);
  const outer = sizeOf(outShape.slice(0, axis));
  const len = outShape[axis]!;
  const inner = sizeOf(outShape.slice(axis + 1));
  const m = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const dst = (o * len + indices[j]!) * inner;
      const src = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] += dy[src + i]!;
    }
  }
}

function concat<T extends TypedData>(xs: readonly T[], shapes: readonly Shape[], axis: number, out: T): void {
  const outer = sizeOf(shapes[0]!.slice(0, axis));
  const chunks = shapes.map((s) => sizeOf(s.slice(axis)));
  const total = chunks.reduce((a, b) => a + b, 0);
  for (let o = 0; o < outer; o++) {
    let dst = o * total;
    for (let t = 0; t < xs.length; t++) {
      const c = chunks[t]!;
      out.set(xs[t]!.subarray(o * c, o * c + c), dst);
      dst += c;
    }
  }
}

function unary(op: UnaryOp, x: F32, out: F32, alpha: number): void {
  const n = x.length;
  switch (op) {
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v > 0 || v !== v ? v : 0; } return;
    case 'linear': if (out !== x) out.set(x); return;
    default: for (let i = 0; i < n; i++) out[i] = unaryScalar(op, x[i]!, alpha);
  }
}

function unaryBackward(op: UnaryOp, x: F32, y: F32, dy: F32, out: F32, alpha: number): void {
  const n = dy.length;
  for (let i = 0; i < n; i++) out[i] = dy[i]! * unaryDerivative(op, x[i] ?? 0, y[i] ?? 0, alpha);
}

function biasAct(x: F32, bias: F32 | null, act: UnaryOp, alpha: number, out: F32, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const z = x[o + c]! + (bias ? bias[c]! : 0);
      out[o + c] = act === 'linear' ? z : act === 'relu' ? (z > 0 || z !== z ? z : 0) : unaryScalar(act, z, alpha);
    }
  }
}

function biasActBackward(y: F32, dy: F32, act: UnaryOp, alpha: number, dz: F32, dbias: F32 | null, rows: number, cols: number): void {
  if (dbias) dbias.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const g = dy[o + c]! * unaryDerivative(act, 0, y[o + c]!, alpha);
      dz[o + c] = g;
      if (dbias) dbias[c] += g;
    }
  }
}

const BCE_LO = Math.fround(LOSS_EPSILON), BCE_HI = Math.fround(1 - LOSS_EPSILON);

function pointwiseLoss(op: LossOp, pred: F32, target: F32, sum: F32, grad: F32 | null, scale: number): void {
  const n = pred.length;
  const s = Math.fround(scale);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.fround(pred[i]! - target[i]!);
    if (op === 'squaredError') {
      total += Math.fround(d * d);
      if (grad) grad[i] = s * d;
    } else if (op === 'binaryCrossentropy') {
      const p = pred[i]!, t = target[i]!;
      const pc = p < BCE_LO ? BCE_LO : p > BCE_HI ? BCE_HI : p;
      total += Math.fround(-(t * Math.log(pc) + (1 - t) * Math.log(Math.fround(1 - pc))));
      if (grad) grad[i] = p < BCE_LO || p > BCE_HI ? 0 : s * Math.fround((pc - t) / (pc * (1 - pc)));
    } else {
      total += Math.abs(d);
      if (grad) grad[i] = s * Math.sign(d);
    }
  }
  sum[0] = total;
}

function softmax(x: F32, out: F32, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[o + c]!);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[o + c]! - max);
    if (log) {
      // (x − max) − log Σ, not x − (max + log Σ): near |x| = 1e30 the log-sum would round away.
      const logSum = Math.log(sum);
      for (let c = 0; c < cols; c++) out[o + c] = (x[o + c]! - max) - logSum;
    } else {
      for (let c = 0; c < cols; c++) out[o + c] = Math.exp(x[o + c]! - max) / sum;
    }
  }
}

/**
 * The data-movement kernels for any element type: they only copy elements, so the same code
 * serves float32 values and int32 labels and indices (an int32 tensor never needs math or
 * gradients, so it never goes to the fast backends, whose kernels are float32).
 */
export const dataMovement = { transpose, slice, gather, concat } as const;

export const jsKernels: Kernels = {
  batchNormStats, batchNorm, batchNormBackward,
  matmul, unary, unaryBackward, binary, reduce, argReduce, transpose, slice, gather, scatterAdd, concat,
  biasAct, biasActBackward, pointwiseLoss, softmax, optimizerStep,
  conv2d, conv2dBackpropInput, conv2dBackpropFilter, pool2d, pool2dBackward, biasActPool, biasActPoolBackward,
  conv2dBiasActPool, conv2dBiasActPoolBackpropFilter, conv2dBiasActPoolBackprop, dropout,
};
