/**
 * A batch made of rows of one tensor that fromTensorSlices slices (the fused map → shuffle →
 * batch path). In a trainer's step it is gathered only when its data is first read: a replayed
 * compiled step reads where its rows are instead (rowSourceOf, train/data-adapter.ts) and copies
 * them straight from the source into its plan's input buffer, as it does for fit's tensor
 * batches — one copy of each batch instead of a gather into a batch buffer and a copy of that.
 */
import { Tensor } from '../../tensor/tensor.js';
import { allocFloat32 } from '../../tensor/buffer-pool.js';
import { kernels } from '../../backend/registry.js';
import { markRows, vouchFinite } from '../../train/data-adapter.js';
import { keepHiddenClass } from '../../train/keep-alive.js';

class GatheredRows extends Tensor {
  /** The array behind `data` (the accessor below). */
  declare private stored: Float32Array;
  /** The rows still to gather into `stored`, or null once they are there. */
  declare private pending: { readonly source: Tensor; readonly rows: Int32Array } | null;

  constructor(buffer: Float32Array, shape: readonly number[], source: Tensor, rows: Int32Array) {
    super(buffer, shape);
    this.pending = { source, rows };
  }
}

function gatherInto(source: Tensor, rows: Int32Array, out: Float32Array): void {
  kernels().gather(source.data as Float32Array, [source.shape[0]!, out.length / rows.length], rows, 0, out);
}

// Defined on the prototype (Tensor declares `data` without a field), so the constructor's assignment lands in `stored`.
Object.defineProperty(GatheredRows.prototype, 'data', {
  get(this: { stored: Float32Array; pending: { source: Tensor; rows: Int32Array } | null }): Float32Array {
    const p = this.pending;
    if (p !== null) {
      this.pending = null;
      gatherInto(p.source, p.rows, this.stored);
    }
    return this.stored;
  },
  set(this: { stored: Float32Array }, value: Float32Array) {
    this.stored = value;
  },
  configurable: true,
});

/**
 * Rows `rows` of float32 `source` as a batch of rows shaped `rowShape`. `lazy` (a trainer's step,
 * Dataset.deferredIterator): gathered on first read, and the rows recorded for a compiled step
 * (the batch's memory comes from the step's buffer scope either way); else gathered now.
 */
export function rowBatch(source: Tensor, rows: Int32Array, rowShape: readonly number[], lazy: boolean): Tensor {
  const out = allocFloat32((source.size / source.shape[0]!) * rows.length, false);
  const shape = [rows.length, ...rowShape];
  if (!lazy) {
    gatherInto(source, rows, out);
    return new Tensor(out, shape);
  }
  const batch = new GatheredRows(out, shape, source, rows);
  markRows(batch, source, rows);
  return batch;
}

// A batch dies with its step; one kept batch, marked as a fit's batches are (rows, then finite:
// row-gather.ts), keeps the hidden classes those marks lead to between epochs (keep-alive.ts).
{
  const kept = new GatheredRows(new Float32Array(1), [1, 1], new Tensor(new Float32Array(1), [1, 1]), new Int32Array(1));
  markRows(kept, new Tensor(new Float32Array(1), [1, 1]), new Int32Array(1));
  vouchFinite(kept);
  keepHiddenClass(kept);
}
