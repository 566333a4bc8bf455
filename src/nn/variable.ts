/** A trainable weight: a tensor that requires gradients and is updated in place by optimizers. */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual, type Shape } from '../tensor/shape.js';
import type { Regularizer } from './regularizers.js';
import type { Constraint } from './constraints.js';

export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;
  /** Keras' variable.regularizer: its penalty joins the layer's losses while the weight is trainable. */
  regularizer: Regularizer | null = null;
  /** Keras' variable.constraint: applied by the optimizer after each update of this weight. */
  constraint: Constraint | null = null;

  constructor(value: Float32Array, shape: Shape, name: string, trainable = true) {
    super(value, shape, trainable);
    this.name = name;
    this.trainable = trainable;
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
