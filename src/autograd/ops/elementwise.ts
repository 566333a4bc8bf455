/** Elementwise ops (unary and broadcasting binary) and their gradients. */
import { Tensor } from '../../tensor/tensor.js';
import { broadcastShapes, shapesEqual, type Shape } from '../../tensor/shape.js';
import type { BinaryOp, UnaryOp } from '../../backend/kernels.js';
import { record } from '../tape.js';
import { hostWrite } from '../../tensor/step-trace.js';
import { asTensor, float, kernels, newTensor, type TensorLike } from './util.js';

/** Sums a broadcast gradient back down to `shape` (the adjoint of broadcasting). */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const offset = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < offset || shape[i - offset] === 1) axes.push(i);
  }
  const out = newTensor(shape);
  if (axes.length === 0) hostWrite(out.values, () => out.values.set(g.values));
  else kernels().reduce('sum', g.values, g.shape, axes, out.values);
  return out;
}

/** Raw broadcasting binary kernel call, no gradient. */
export function binaryOp(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const out = newTensor(shape);
  kernels().binary(op, float(a, op), a.shape, float(b, op), b.shape, out.values, shape);
  return out;
}

export function unaryOp(op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  const out = newTensor(x.shape);
  kernels().unary(op, float(x, op), out.values, alpha);
  return out;
}

/** Differentiable elementwise function (relu, exp, tanh, ...). */
export function unary(op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  const y = unaryOp(op, x, alpha);
  return record(y, op, [x], (g) => {
    const dx = newTensor(x.shape);
    kernels().unaryBackward(op, x.values, y.values, g.values, dx.values, alpha);
    return [dx];
  });
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryOp('add', x, y), 'add', [x, y], (g) => [unbroadcast(g, x.shape), unbroadcast(g, y.shape)]);
}

export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryOp('sub', x, y), 'sub', [x, y], (g) => [unbroadcast(g, x.shape), y.requiresGrad ? unbroadcast(unaryOp('neg', g), y.shape) : null]);
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryOp('mul', x, y), 'mul', [x, y], (g) => [
    x.requiresGrad ? unbroadcast(binaryOp('mul', g, y), x.shape) : null,
    y.requiresGrad ? unbroadcast(binaryOp('mul', g, x), y.shape) : null,
  ]);
}

export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  const out = binaryOp('div', x, y);
  return record(out, 'div', [x, y], (g) => [
    x.requiresGrad ? unbroadcast(binaryOp('div', g, y), x.shape) : null,
    // d(x/y)/dy = -x/y² = -out/y
    y.requiresGrad ? unbroadcast(unaryOp('neg', binaryOp('div', binaryOp('mul', g, out), y)), y.shape) : null,
  ]);
}

export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  const out = binaryOp('pow', x, y);
  return record(out, 'pow', [x, y], (g) => [
    // d/dx x^y = y·x^(y-1)
    x.requiresGrad ? unbroadcast(binaryOp('mul', g, binaryOp('mul', y, binaryOp('pow', x, binaryOp('sub', y, asTensor(1))))), x.shape) : null,
    // d/dy x^y = x^y·ln x (x > 0)
    y.requiresGrad ? unbroadcast(binaryOp('mul', g, binaryOp('mul', out, unaryOp('log', x))), y.shape) : null,
  ]);
}

function selectGrad(op: 'maximum' | 'minimum', x: Tensor, y: Tensor, g: Tensor): [Tensor, Tensor] {
  // The gradient goes to the selected input; on ties to the first (as TF does).
  const pickX = binaryOp(op === 'maximum' ? 'greaterEqual' : 'lessEqual', x, y);
  const pickY = unaryOp('neg', binaryOp('sub', pickX, asTensor(1)));
  return [unbroadcast(binaryOp('mul', g, pickX), x.shape), unbroadcast(binaryOp('mul', g, pickY), y.shape)];
}

export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryOp('maximum', x, y), 'maximum', [x, y], (g) => selectGrad('maximum', x, y, g));
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryOp('minimum', x, y), 'minimum', [x, y], (g) => selectGrad('minimum', x, y, g));
}

export function squaredDifference(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryOp('squaredDifference', x, y), 'squaredDifference', [x, y], (g) => {
    const d = binaryOp('mul', g, binaryOp('mul', binaryOp('sub', x, y), asTensor(2)));
    return [x.requiresGrad ? unbroadcast(d, x.shape) : null, y.requiresGrad ? unbroadcast(unaryOp('neg', d), y.shape) : null];
  });
}

/** Elementwise comparisons: 1 where true, 0 elsewhere. Not differentiable. */
export const greater = (a: TensorLike, b: TensorLike): Tensor => binaryOp('greater', asTensor(a), asTensor(b));
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('greaterEqual', asTensor(a), asTensor(b));
export const less = (a: TensorLike, b: TensorLike): Tensor => binaryOp('less', asTensor(a), asTensor(b));
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('lessEqual', asTensor(a), asTensor(b));
export const equal = (a: TensorLike, b: TensorLike): Tensor => binaryOp('equal', asTensor(a), asTensor(b));
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('notEqual', asTensor(a), asTensor(b));

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const log1p = (x: Tensor): Tensor => unary('log1p', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const floor = (x: Tensor): Tensor => unary('floor', x);
export const round = (x: Tensor): Tensor => unary('round', x);
export const sin = (x: Tensor): Tensor => unary('sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', x);
export const erf = (x: Tensor): Tensor => unary('erf', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const relu6 = (x: Tensor): Tensor => unary('relu6', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const elu = (x: Tensor, alpha = 1): Tensor => unary('elu', x, alpha);
export const selu = (x: Tensor): Tensor => unary('selu', x);
/** Keras 3's leaky_relu default negative_slope is 0.2. */
export const leakyRelu = (x: Tensor, alpha = 0.2): Tensor => unary('leakyRelu', x, alpha);
/** Keras 3's gelu default is the exact (erf) form; approximate=true gives the tanh form. */
export const gelu = (x: Tensor, approximate = false): Tensor => unary(approximate ? 'geluTanh' : 'gelu', x);
export const softplus = (x: Tensor): Tensor => unary('softplus', x);
export const softsign = (x: Tensor): Tensor => unary('softsign', x);
export const swish = (x: Tensor): Tensor => unary('swish', x);
export const hardSigmoid = (x: Tensor): Tensor => unary('hardSigmoid', x);

/** Clips values to [lo, hi]; the gradient passes only where the value was inside. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new Error(`clip: lower bound ${lo} is above upper bound ${hi}`);
  return minimum(maximum(x, lo), hi);
}
