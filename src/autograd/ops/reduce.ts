/** Reductions and their gradients. */
import { Tensor } from '../../tensor/tensor.js';
import { normalizeAxes, normalizeAxis, reducedShape, sizeOf, type Shape } from '../../tensor/shape.js';
import { record } from '../tape.js';
import { hostWrite } from '../../tensor/step-trace.js';
import type { ReduceOp } from '../../backend/kernels.js';
import { float, kernels, newTensor, zerosTensor } from './util.js';
import { binaryOp, mul } from './elementwise.js';
import { reshape } from './shape.js';

export type Axes = number | readonly number[] | undefined;

function reduceRaw(op: ReduceOp, x: Tensor, axes: number[], keepDims: boolean): Tensor {
  const out = newTensor(reducedShape(x.shape, axes, keepDims));
  if (axes.length === 0) hostWrite(out.values, () => out.values.set(float(x, op)));
  else kernels().reduce(op, float(x, op), x.shape, axes, out.values);
  return out;
}

/** Broadcasts a reduced gradient back to the input shape. */
function broadcastTo(g: Tensor, shape: Shape, axes: readonly number[]): Tensor {
  return expandTo(reshape(g, reducedShape(shape, axes, true)), shape);
}

/** Repeats a tensor whose reduced axes have size 1 up to `shape`. */
function expandTo(g: Tensor, shape: Shape): Tensor {
  const out = newTensor(shape);
  kernels().binary('add', zerosTensor(shape).values, shape, g.values, g.shape, out.values, shape);
  return out;
}

export function sum(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  const axes = normalizeAxes(axis, x.rank);
  const out = reduceRaw('sum', x, axes, keepDims);
  return record(out, 'sum', [x], (g) => [broadcastTo(g, x.shape, axes)]);
}

export function mean(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  const axes = normalizeAxes(axis, x.rank);
  let count = 1;
  for (const a of axes) count *= x.shape[a]!;
  const out = reduceRaw('sum', x, axes, keepDims);
  // Kernels, not JS loops, so a compiled step replays the division (float32 division by the count).
  const n = new Float32Array([count]);
  kernels().binary('div', out.values, out.shape, n, [], out.values, out.shape);
  return record(out, 'mean', [x], (g) => {
    const b = broadcastTo(g, x.shape, axes);
    kernels().binary('div', b.values, b.shape, n, [], b.values, b.shape);
    return [b];
  });
}

function extremum(op: 'max' | 'min', x: Tensor, axis: Axes, keepDims: boolean): Tensor {
  const axes = normalizeAxes(axis, x.rank);
  const out = reduceRaw(op, x, axes, keepDims);
  return record(out, op, [x], (g) => {
    // The gradient flows to the positions holding the extremum (shared among ties, as in TF).
    const kept = reducedShape(x.shape, axes, true);
    const mask = newTensor(x.shape);
    kernels().binary('equal', x.values, x.shape, out.values, kept, mask.values, x.shape);
    const counts = reduceRaw('sum', mask, axes, true);
    const share = binaryOp('div', reshape(g, kept), counts);
    return [mul(share, mask)];
  });
}

export function max(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  return extremum('max', x, axis, keepDims);
}

export function min(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  return extremum('min', x, axis, keepDims);
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number): Tensor {
  const ax = normalizeAxis(axis, x.rank);
  const shape = x.shape.filter((_, i) => i !== ax);
  const out = new Int32Array(sizeOf(shape));
  if (x.shape[ax] === 0) throw new Error(`${op} over an empty axis ${ax}`);
  kernels().argReduce(op, float(x, op), x.shape, ax, out);
  return new Tensor(out, shape);
}

/** Index of the largest value along `axis` (int32, not differentiable). */
export function argMax(x: Tensor, axis = -1): Tensor {
  return argReduce('argmax', x, axis);
}

export function argMin(x: Tensor, axis = -1): Tensor {
  return argReduce('argmin', x, axis);
}
