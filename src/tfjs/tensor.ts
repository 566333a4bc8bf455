/**
 * tfjs' Tensor API over deepts tensors: a TfTensor wraps (without copying) a deepts Tensor
 * and has the methods tfjs code calls — dataSync/arraySync, data/array, print, argMax,
 * reshape, arithmetic, reductions. (It cannot *be* a deepts Tensor: tfjs' `data()` is a
 * method where deepts' `data` is the array.) dispose() is a no-op: deepts tensors are
 * garbage-collected JS memory, so there is nothing to free.
 */
import { Tensor, tensor as makeTensor, type NestedArray } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { ops } from '../autograd/index.js';

export type Rank = number;
export type TensorLike = NestedArray | Float32Array | Int32Array | Uint8Array | number[];
type Operand = TfTensor | Tensor | number;

/** The deepts tensor behind a tfjs-style tensor (or the tensor itself). */
export function unwrap(x: TfTensor | Tensor): Tensor {
  return x instanceof TfTensor ? x.tensor : x;
}

export class TfTensor {
  readonly shape: number[];
  constructor(readonly tensor: Tensor) {
    this.shape = [...tensor.shape];
  }

  /** Wraps (without copying) a deepts tensor. */
  static from(t: Tensor | TfTensor): TfTensor {
    return t instanceof TfTensor ? t : new TfTensor(t);
  }

  static of(data: Float32Array | Int32Array, shape: readonly number[]): TfTensor {
    return new TfTensor(new Tensor(data, shape));
  }

  get dtype(): DType {
    return this.tensor.dtype;
  }

  get size(): number {
    return this.tensor.size;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return false;
  }

  dataSync(): Float32Array | Int32Array {
    return this.tensor.data;
  }

  async data(): Promise<Float32Array | Int32Array> {
    return this.tensor.data;
  }

  arraySync(): NestedArray {
    return this.tensor.toArray();
  }

  async array(): Promise<NestedArray> {
    return this.tensor.toArray();
  }

  toString(): string {
    return this.tensor.toString();
  }

  /** Harmless: memory is reclaimed by the garbage collector. */
  dispose(): void {}

  print(verbose = false): void {
    console.log(verbose ? this.tensor.toString() : `Tensor\n    ${JSON.stringify(this.tensor.toArray())}`);
  }

  clone(): TfTensor {
    return TfTensor.of(this.tensor.data.slice(), this.shape);
  }

  reshape(shape: number[]): TfTensor {
    return TfTensor.from(ops.reshape(this.tensor, shape));
  }

  flatten(): TfTensor {
    return this.reshape([-1]);
  }

  squeeze(axis?: number[]): TfTensor {
    if (axis && axis.length > 1) throw new Error('squeeze: deepts/tfjs squeezes one axis at a time');
    return TfTensor.from(ops.squeeze(this.tensor, axis?.[0]));
  }

  expandDims(axis = 0): TfTensor {
    return TfTensor.from(ops.expandDims(this.tensor, axis));
  }

  asType(dtype: DType): TfTensor {
    return TfTensor.from(ops.cast(this.tensor, dtype === 'int32' ? 'int32' : 'float32'));
  }

  toFloat(): TfTensor {
    return this.asType('float32');
  }

  toInt(): TfTensor {
    return this.asType('int32');
  }

  argMax(axis = 0): TfTensor {
    return TfTensor.from(ops.argMax(this.toFloat().tensor, axis));
  }

  sum(axis?: number | number[], keepDims = false): TfTensor {
    return TfTensor.from(ops.sum(this.toFloat().tensor, axis, keepDims));
  }

  mean(axis?: number | number[], keepDims = false): TfTensor {
    return TfTensor.from(ops.mean(this.toFloat().tensor, axis, keepDims));
  }

  max(axis?: number | number[], keepDims = false): TfTensor {
    return TfTensor.from(ops.max(this.toFloat().tensor, axis, keepDims));
  }

  add(b: Operand): TfTensor {
    return TfTensor.from(ops.add(this.toFloat().tensor, floatOperand(b)));
  }

  sub(b: Operand): TfTensor {
    return TfTensor.from(ops.sub(this.toFloat().tensor, floatOperand(b)));
  }

  mul(b: Operand): TfTensor {
    return TfTensor.from(ops.mul(this.toFloat().tensor, floatOperand(b)));
  }

  div(b: Operand): TfTensor {
    return TfTensor.from(ops.div(this.toFloat().tensor, floatOperand(b)));
  }

  /** 1 where equal, else 0 (tfjs returns bool; deepts has no bool dtype, so float32 0/1). */
  equal(b: Operand): TfTensor {
    const mine = this.tensor.data;
    const other = typeof b === 'number' ? null : unwrap(b).data;
    const out = new Float32Array(this.size);
    for (let i = 0; i < out.length; i++) out[i] = mine[i] === (other ? other[other.length === 1 ? 0 : i] : b) ? 1 : 0;
    return TfTensor.of(out, this.shape);
  }
}

function floatOperand(b: Operand): Tensor | number {
  if (typeof b === 'number') return b;
  const t = unwrap(b);
  return t.dtype === 'float32' ? t : ops.cast(t, 'float32');
}

/** tf.tensor(values, shape?, dtype?) */
export function tensor(values: TensorLike, shape?: number[], dtype: DType = 'float32'): TfTensor {
  if (values instanceof Uint8Array) values = Array.from(values);
  if (values instanceof Float32Array || values instanceof Int32Array) {
    const data = dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
    return TfTensor.of(data, shape ?? [data.length]);
  }
  return TfTensor.from(makeTensor(values as NestedArray, shape, dtype));
}

function ranked(rank: number) {
  return (values: TensorLike, shape?: number[], dtype: DType = 'float32'): TfTensor => {
    const t = tensor(values, shape, dtype);
    if (t.rank !== rank) throw new Error(`tensor${rank}d: expected a rank-${rank} tensor, got shape [${t.shape}] (pass the shape for flat values)`);
    return t;
  };
}

/** tf.tensor1d(values, dtype?) — no shape argument, as in tfjs. */
export function tensor1d(values: TensorLike, dtype: DType = 'float32'): TfTensor {
  return ranked(1)(values, undefined, dtype);
}
export const tensor2d = ranked(2);
export const tensor3d = ranked(3);
export const tensor4d = ranked(4);

export function scalar(value: number, dtype: DType = 'float32'): TfTensor {
  return tensor([value], [], dtype);
}

export function zeros(shape: number[], dtype: DType = 'float32'): TfTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return TfTensor.of(dtype === 'int32' ? new Int32Array(n) : new Float32Array(n), shape);
}

export function ones(shape: number[]): TfTensor {
  return TfTensor.of(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape);
}

/** tf.oneHot(indices, depth): float32 0/1 (tfjs gives int32; deepts' losses want float targets). */
export function oneHot(indices: TfTensor | Tensor | number[], depth: number): TfTensor {
  const labels = Array.isArray(indices) ? indices : Array.from(unwrap(indices).data);
  return TfTensor.from(ops.oneHot(labels, depth));
}
