/** Small helpers shared by the op files. */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape, type Shape } from '../../tensor/shape.js';
import { kernels } from '../../backend/registry.js';

export { kernels };

export function float(x: Tensor, what: string): Float32Array {
  if (!(x.data instanceof Float32Array)) throw new Error(`${what} expects a float32 tensor, got ${x.dtype} with shape ${formatShape(x.shape)}`);
  return x.data;
}

export function newTensor(shape: Shape): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  return new Tensor(new Float32Array(n), shape);
}

/** Accepts a tensor or a plain number (broadcast as a scalar). */
export type TensorLike = Tensor | number;

export function asTensor(x: TensorLike): Tensor {
  return typeof x === 'number' ? new Tensor(new Float32Array([x]), []) : x;
}
