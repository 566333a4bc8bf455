/**
 * The rows fromTensorSlices yields from a float32 tensor: tensors that know their source and row,
 * and make their typed-array view only when `data` is first read. An element that only passes
 * through (a map like x => [x, x], shuffle, the fused batch, which gathers the batch from the
 * rows themselves) never makes one: per element, a typed array over the source's buffer was the
 * largest allocation and call of the fused pipeline (CreateTypedArray, ~100 bytes of garbage).
 */
import { Tensor } from '../../tensor/tensor.js';
import { keepHiddenClass } from '../../train/keep-alive.js';

export class RowView extends Tensor {
  /** The view, once made (null until `data` is read). */
  declare private stored: Float32Array | null;
  /** The tensor this is a row of (float32, never updated in place: see registerSliceSource). */
  declare readonly rowSource: Tensor;
  /** Which row of rowSource (its first axis). */
  declare readonly row: number;

  /** `placeholder`: any float32 array of the row's size (the constructor stores it, this one drops it). */
  constructor(placeholder: Float32Array, shape: readonly number[], source: Tensor, row: number) {
    super(placeholder, shape);
    this.stored = null;
    this.rowSource = source;
    this.row = row;
  }
}

// Defined on the prototype (Tensor declares `data` without a field), so the constructor's assignment lands in `stored`.
Object.defineProperty(RowView.prototype, 'data', {
  get(this: { stored: Float32Array | null; rowSource: Tensor; row: number; size: number }): Float32Array {
    let view = this.stored;
    if (view === null) {
      const src = this.rowSource.data;
      view = this.stored = new Float32Array(src.buffer, src.byteOffset + this.row * this.size * 4, this.size);
    }
    return view;
  },
  set(this: { stored: Float32Array | null }, value: Float32Array) {
    this.stored = value;
  },
  configurable: true,
});

/** Row i of float32 `source` (rank ≥ 1, not empty) as a RowView; the row shape is checked and frozen once. */
export function rowViewMaker(source: Tensor): (i: number) => RowView {
  const stride = source.size / source.shape[0]!;
  const placeholder = (source.data as Float32Array).subarray(0, stride);
  return Tensor.viewsOf(source.shape.slice(1), (i: number, shape) => new RowView(placeholder, shape, source, i));
}

// Rows die with their batch; one kept row keeps RowView's hidden class between epochs (keep-alive.ts).
keepHiddenClass(new RowView(new Float32Array(1), [1], new Tensor(new Float32Array(1), [1]), 0));
