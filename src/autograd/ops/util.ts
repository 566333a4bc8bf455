/** Small helpers shared by the op files. */
import { Tensor, scalar } from '../../tensor/tensor.js';
import { formatShape, sizeOf, type Shape } from '../../tensor/shape.js';
import { allocFloat32 } from '../../tensor/buffer-pool.js';
import { kernels } from '../../backend/registry.js';

export { kernels };

export function float(x: Tensor, what: string): Float32Array {
  if (!(x.data instanceof Float32Array)) throw new Error(`${what} expects a float32 tensor, got ${x.dtype} with shape ${formatShape(x.shape)}`);
  return x.data;
}

/**
 * A tensor for a kernel to fill: every element is written by the caller, so the
 * memory may be recycled without clearing (see tensor/buffer-pool.ts).
 */
export function newTensor(shape: Shape): Tensor {
  return new Tensor(allocFloat32(sizeOf(shape), false), shape);
}

/** A zero-filled tensor, for callers that write only part of it. */
export function zerosTensor(shape: Shape): Tensor {
  return new Tensor(allocFloat32(sizeOf(shape), true), shape);
}

/** Accepts a tensor or a plain number (broadcast as a scalar). */
export type TensorLike = Tensor | number;

export function asTensor(x: TensorLike): Tensor {
  return typeof x === 'number' ? scalar(x) : x;
}
