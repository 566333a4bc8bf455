/**
 * The n-d array. A Tensor is an immutable view of row-major typed data plus a
 * shape; ops create new tensors. Memory is ordinary JS memory, freed by the
 * garbage collector — nobody ever calls dispose().
 *
 * Autograd (one layer up) attaches a `gradFn` to tensors produced from tensors
 * that require gradients; this file only declares the slot.
 */
import { allocate, type DType, type TypedData } from './dtype.js';
import { assertValidShape, formatShape, sizeOf, type Shape } from './shape.js';
import { formatTensor } from './format.js';

/** How a tensor was produced, for reverse-mode differentiation (filled in by src/autograd). */
export interface GradFn {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  /** Given d(loss)/d(output), returns d(loss)/d(input) for each input (null where not needed). */
  backward(grad: Tensor): readonly (Tensor | null)[];
}

let nextId = 0;
/** The shape Tensor.viewMaker passes to the constructor (already checked and frozen), and its size. */
let viewShape: Shape | null = null;
let viewSize = 0;

export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /**
   * Row-major data. Treat as read-only unless you own the tensor (optimizers update variables in place).
   * Declared, not a class field: the constructor's assignment must reach the accessor a Variable
   * defines on its prototype (src/nn/variable.ts), which an own field would hide.
   */
  declare readonly data: TypedData;
  /** True for leaves the user wants gradients of (weights), and for every tensor computed from them. */
  requiresGrad: boolean;
  gradFn: GradFn | null = null;
  /** Accumulated gradient after backward(), for leaves that require it. */
  grad: Tensor | null = null;

  constructor(data: TypedData, shape: Shape, requiresGrad = false) {
    if (shape === viewShape && data.length === viewSize) {
      // Tensor.viewOf: the shape was checked and frozen once for many views.
      this.data = data;
      this.shape = shape;
      this.size = viewSize;
    } else {
      assertValidShape(shape);
      const size = sizeOf(shape);
      if (data.length !== size) {
        throw new Error(`tensor data has ${data.length} elements but shape ${formatShape(shape)} needs ${size}`);
      }
      this.data = data;
      this.shape = Object.freeze([...shape]);
      this.size = size;
    }
    this.dtype = data instanceof Int32Array ? 'int32' : 'float32';
    this.requiresGrad = requiresGrad;
  }

  /**
   * A maker of many tensors of one shape over given data (row views of a dataset's slices): the
   * shape is checked and frozen once and shared by them all, instead of copied per tensor.
   */
  static viewMaker(shape: Shape): (data: TypedData) => Tensor {
    return Tensor.viewsOf(shape, (data: TypedData, frozen) => new Tensor(data, frozen));
  }

  /**
   * viewMaker for tensors that `make` constructs from `arg` (a subclass, whose constructor hands
   * `frozen` and data of its size to this one): one checked, frozen shape for all of them.
   */
  static viewsOf<A, T extends Tensor>(shape: Shape, make: (arg: A, frozen: Shape) => T): (arg: A) => T {
    assertValidShape(shape);
    const frozen = Object.freeze([...shape]);
    const size = sizeOf(frozen);
    return (arg) => {
      viewShape = frozen;
      viewSize = size;
      try {
        return make(arg, frozen);
      } finally {
        viewShape = null;
      }
    };
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The data as Float32Array (throws for int32 tensors, where that would be a silent conversion). */
  get values(): Float32Array {
    if (!(this.data instanceof Float32Array)) throw new Error('expected a float32 tensor, got int32');
    return this.data;
  }

  /** The single value of a size-1 tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item() needs a tensor with one element, this one has shape ${formatShape(this.shape)}`);
    return this.data[0]!;
  }

  /** A nested JS array copy of the data (like tfjs arraySync / torch tolist). */
  toArray(): NestedArray {
    const build = (offset: number, axis: number): NestedArray => {
      if (axis === this.shape.length) return this.data[offset]!;
      const n = this.shape[axis]!;
      const step = sizeOf(this.shape.slice(axis + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(build(offset + i * step, axis + 1));
      return out;
    };
    return build(0, 0);
  }

  /** A copy of the data as a flat number[]. */
  toFlatArray(): number[] {
    return Array.from(this.data);
  }

  /** NumPy/TensorFlow-style text: aligned values, '...' for large tensors, then shape and dtype. */
  toString(): string {
    return formatTensor(this.data, this.shape, this.dtype);
  }

  /** console.log(tensor) in Node prints toString() (not the object's fields). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** tfjs' arraySync(): the values as nested arrays. */
  arraySync(): NestedArray {
    return this.toArray();
  }

  /** tfjs' array(): the values as nested arrays (a promise, as in tfjs). */
  async array(): Promise<NestedArray> {
    return this.toArray();
  }

  /** tfjs' dataSync(): a copy of the flat values as a typed array. */
  dataSync(): TypedData {
    return this.data.slice();
  }

  /** One element, one index per axis (negative counts from the end): x.get(i, j) is NumPy's x[i, j]. */
  get(...indices: number[]): number {
    if (indices.length !== this.rank) {
      throw new Error(`get: ${indices.length} indices for a rank-${this.rank} tensor of shape ${formatShape(this.shape)} (use ops.slice or ops.gather for sub-tensors)`);
    }
    let offset = 0;
    let step = this.size;
    indices.forEach((i, axis) => {
      const n = this.shape[axis]!;
      const k = i < 0 ? n + i : i;
      if (!Number.isInteger(i) || k < 0 || k >= n) throw new Error(`get: index ${i} is out of range for axis ${axis} of size ${n} (shape ${formatShape(this.shape)})`);
      step /= n;
      offset += k * step;
    });
    return this.data[offset]!;
  }
}

export type NestedArray = number | NestedArray[];

/** Flattens nested arrays and infers the shape, with a clear error for ragged input. */
export function flattenNested(values: NestedArray): { flat: number[]; shape: number[] } {
  const shape: number[] = [];
  let probe: NestedArray = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0] as NestedArray;
    if (probe === undefined) break;
  }
  const flat: number[] = [];
  const walk = (v: NestedArray, axis: number): void => {
    if (axis === shape.length) {
      if (typeof v !== 'number') throw new Error(`ragged nested array: expected a number at depth ${axis}`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      throw new Error(`ragged nested array: expected length ${shape[axis]} at depth ${axis}, got ${Array.isArray(v) ? v.length : typeof v}`);
    }
    for (const x of v) walk(x, axis + 1);
  };
  walk(values, 0);
  return { flat, shape };
}

/** Creates a tensor from nested arrays, a flat array + shape, or a typed array + shape. */
export function tensor(values: NestedArray | ArrayLike<number> | TypedData, shape?: Shape, dtype: DType = 'float32'): Tensor {
  if (values instanceof Float32Array || values instanceof Int32Array) {
    const s = shape ?? [values.length];
    const data = values instanceof Float32Array && dtype === 'float32' ? values : values instanceof Int32Array && dtype === 'int32' ? values : copyAs(values, dtype);
    return new Tensor(data, s);
  }
  if (typeof values === 'number') return new Tensor(copyAs([values], dtype), shape ?? []);
  if (Array.isArray(values) && (values.length === 0 || Array.isArray(values[0]) || shape === undefined)) {
    const { flat, shape: inferred } = flattenNested(values as NestedArray);
    return new Tensor(copyAs(flat, dtype), shape ?? inferred);
  }
  const arr = values as ArrayLike<number>;
  return new Tensor(copyAs(arr, dtype), shape ?? [arr.length]);
}

function copyAs(values: ArrayLike<number>, dtype: DType): TypedData {
  const out = allocate(dtype, values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return out;
}

export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape);
}

export function ones(shape: Shape): Tensor {
  return fill(shape, 1);
}

export function fill(shape: Shape, value: number): Tensor {
  return new Tensor(new Float32Array(sizeOf(shape)).fill(value), shape);
}

export function scalar(value: number): Tensor {
  return new Tensor(new Float32Array([value]), []);
}
