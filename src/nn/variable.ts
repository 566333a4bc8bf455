/** A trainable weight: a tensor that requires gradients and is updated in place by optimizers. */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual, type Shape } from '../tensor/shape.js';
import type { Regularizer } from './regularizers.js';
import type { Constraint } from './constraints.js';
import type { TypedData } from '../tensor/dtype.js';
import { syncResidentArray } from '../backend/resident.js';
import { weightStructureChanged } from './weight-structure.js';

export class Variable extends Tensor {
  /** The array behind `data` (the accessor below). */
  declare private stored: TypedData;
  readonly name: string;
  private trainableFlag = true;
  /** Keras' variable.regularizer: its penalty joins the layer's losses while the weight is trainable. */
  regularizer: Regularizer | null = null;
  /** Keras' variable.constraint: applied by the optimizer after each update of this weight. */
  constraint: Constraint | null = null;

  constructor(value: Float32Array, shape: Shape, name: string, trainable = true) {
    super(value, shape, trainable);
    this.name = name;
    this.trainableFlag = trainable;
  }

  /** Whether optimizers update this weight (when its layer is trainable too). */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(value: boolean) {
    this.trainableFlag = value;
    weightStructureChanged(); // the model's trainable weights may differ: compiled steps check again
  }

  /** Overwrites the value in place (shape must match). */
  assign(value: Tensor | Float32Array): void {
    const src = value instanceof Tensor ? value : new Tensor(value, this.shape);
    if (!shapesEqual(src.shape, this.shape)) {
      throw new Error(`cannot assign a value of shape ${formatShape(src.shape)} to variable '${this.name}' of shape ${formatShape(this.shape)}`);
    }
    this.values.set(src.values);
  }

  /** The value as a plain tensor (a copy, so later updates do not change it). */
  read(): Tensor {
    return new Tensor(Float32Array.from(this.values), this.shape);
  }
}

// A weight's data may be newer in a backend than in its array: a WASM compiled training step keeps
// the weights it updates in linear memory between replays (src/backend/resident.ts). Every read
// of `data` (and so of `values`, `read()`, every kernel call given this variable, getWeights,
// saving) first has the backend write them back; while nothing is claimed that is one test.
// Defined on the prototype (Tensor declares `data` without a field), so the constructor's
// assignment lands in `stored`.
Object.defineProperty(Variable.prototype, 'data', {
  get(this: { stored: TypedData }): TypedData {
    syncResidentArray(this.stored);
    return this.stored;
  },
  set(this: { stored: TypedData }, value: TypedData) {
    this.stored = value;
  },
  configurable: true,
});
