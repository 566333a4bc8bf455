/** Choosing elements by a condition: where (NumPy's np.where / tf.where) and booleanMask. */
import { Tensor } from '../../tensor/tensor.js';
import { broadcastShapes, formatShape, sizeOf } from '../../tensor/shape.js';
import { record } from '../tape.js';
import { asTensor, type TensorLike } from './util.js';
import { add, binaryOp, unbroadcast } from './elementwise.js';
import { gather } from './shape.js';
import { noGrad } from '../tape.js';

/** The values of t broadcast to `shape` (a plain copy, no gradient). */
function broadcastTo(t: Tensor, shape: readonly number[]): Float32Array {
  const f = t.dtype === 'int32' ? new Tensor(Float32Array.from(t.data), t.shape) : t;
  return noGrad(() => add(f, new Tensor(new Float32Array(sizeOf(shape)), shape))).values;
}

/**
 * where(condition, a, b): a where the condition is non-zero, else b (shapes broadcast).
 * The gradient goes to the chosen side only; a NaN in the side not chosen does not leak.
 */
export function where(condition: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const [c, x, y] = [asTensor(condition), asTensor(a), asTensor(b)];
  const shape = broadcastShapes(broadcastShapes(c.shape, x.shape), y.shape);
  const [cv, xv, yv] = [broadcastTo(c, shape), broadcastTo(x, shape), broadcastTo(y, shape)];
  const out = new Float32Array(cv.length);
  const pick = new Float32Array(cv.length);
  for (let i = 0; i < out.length; i++) {
    pick[i] = cv[i] ? 1 : 0;
    out[i] = cv[i] ? xv[i]! : yv[i]!;
  }
  return record(new Tensor(out, shape), 'where', [x, y], (g) => {
    const p = new Tensor(pick, shape);
    const notP = new Tensor(pick.map((v) => 1 - v), shape);
    return [x.requiresGrad ? unbroadcast(binaryOp('mul', g, p), x.shape) : null, y.requiresGrad ? unbroadcast(binaryOp('mul', g, notP), y.shape) : null];
  });
}

/** tf.boolean_mask: the slices of x along `axis` (default 0) where mask is non-zero. */
export function booleanMask(x: Tensor, mask: Tensor | ArrayLike<number | boolean>, axis = 0): Tensor {
  const m = mask instanceof Tensor ? mask.data : mask;
  const ax = axis < 0 ? x.rank + axis : axis;
  if (m.length !== x.shape[ax]) throw new Error(`booleanMask: mask has ${m.length} entries but axis ${axis} of x (shape ${formatShape(x.shape)}) has ${x.shape[ax]}`);
  const idx: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i]) idx.push(i);
  return gather(x, Int32Array.from(idx), ax);
}
