/**
 * Where fit / evaluate / predict get their batches: tensors sliced by the
 * trainer, or a dataset (src/data/dataset, tf.data-like) whose elements are
 * already batches. This layer cannot import the data layer, so a dataset is
 * anything with iterator() and cardinality() — deepts' Dataset is one.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { ops } from '../autograd/index.js';

/** What fit/evaluate/predict accept besides tensors (deepts' Dataset satisfies it). */
export interface DatasetLike {
  /** A fresh pass; next() may answer synchronously or with a promise. */
  iterator(): { next(): IteratorResult<unknown> | Promise<IteratorResult<unknown>>; return?(): void };
  /** Element count, or -1 (infinite) / -2 (unknown) as tf.data. */
  cardinality(): number;
}

export const INFINITE = -1;

export function isDatasetLike(v: unknown): v is DatasetLike {
  const d = v as Partial<DatasetLike> | null;
  return typeof d === 'object' && d !== null && !(d instanceof Tensor) && typeof d.iterator === 'function' && typeof d.cardinality === 'function';
}

/** A batch: made inside the trainer's per-step buffer scope (so slicing recycles memory). */
export type BatchThunk = () => readonly [Tensor, Tensor];

/** One pass's worth of batches. */
export interface BatchFeed {
  /** Steps in this pass, or null when only the end of the data tells. */
  readonly steps: number | null;
  /** Batch number `step`, or null when the data has run out. */
  next(step: number): BatchThunk | null | Promise<BatchThunk | null>;
  /** Stops the pass early (releases the dataset's iterator). */
  close(): void;
}

/** Samples [begin, begin + count) of a batch-first tensor. */
export function rowRange(t: Tensor, begin: number, count: number): Tensor {
  return ops.slice(t, t.shape.map((_, i) => (i === 0 ? begin : 0)), [count, ...t.shape.slice(1)]);
}

/** Batches of rows `order` (shuffled or not) of x and y; an autoencoder's y === x is gathered once. */
export function tensorFeed(x: Tensor, y: Tensor, batchSize: number, order: Int32Array | null): BatchFeed {
  const n = x.shape[0]!;
  const steps = Math.ceil(n / batchSize);
  return {
    steps,
    next: (step) => {
      if (step >= steps) return null;
      const begin = step * batchSize;
      const end = Math.min(n, begin + batchSize);
      if (!order) {
        return () => {
          const xb = rowRange(x, begin, end - begin);
          return [xb, y === x ? xb : rowRange(y, begin, end - begin)];
        };
      }
      const idx = order.subarray(begin, end);
      return () => {
        const xb = ops.gather(x, idx, 0);
        return [xb, y === x ? xb : ops.gather(y, idx, 0)];
      };
    },
    close: () => {},
  };
}

function describe(v: unknown): string {
  if (v instanceof Tensor) return `a tensor of shape ${formatShape(v.shape)}`;
  if (Array.isArray(v)) return `an array of ${v.length} items`;
  return v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** [inputs, targets] of a dataset element (Keras' (x, y) tuples). */
export function pairOf(e: unknown, what: string, index: number): readonly [Tensor, Tensor] {
  if (Array.isArray(e) && e.length === 2 && e[0] instanceof Tensor && e[1] instanceof Tensor) return [e[0], e[1]];
  throw new Error(`${what}: dataset element ${index} is ${describe(e)}, expected an [inputs, targets] pair of tensors (e.g. Dataset.fromTensorSlices([x, y]).batch(32); an autoencoder maps x => [x, x])`);
}

/** Inputs of a dataset element for predict: a tensor, or the first item of [x] / [x, y]. */
export function inputsOf(e: unknown, index: number): Tensor {
  if (e instanceof Tensor) return e;
  if (Array.isArray(e) && e[0] instanceof Tensor) return e[0];
  throw new Error(`predict: dataset element ${index} is ${describe(e)}, expected a batch of inputs (a tensor) or an [inputs, targets] pair`);
}

/**
 * Batches from a dataset. With `steps` the pass ends after that many batches and, when
 * `persistent`, the next pass continues the same iterator (Keras' stepsPerEpoch); without,
 * a pass is one full iteration. An infinite dataset needs `steps`.
 */
export function datasetFeeds(ds: DatasetLike, what: string, steps: number | undefined, stepsName: string, persistent: boolean): () => BatchFeed {
  const card = ds.cardinality();
  if (steps === undefined && card === INFINITE) {
    throw new Error(`${what}: the dataset is infinite (repeat() without a count), so pass ${stepsName} to say how many batches make ${stepsName === 'stepsPerEpoch' ? 'an epoch' : 'a pass'}`);
  }
  if (steps !== undefined && (!Number.isInteger(steps) || steps <= 0)) throw new Error(`${what}: ${stepsName} must be a positive integer, got ${steps}`);
  const known = steps ?? (card >= 0 ? card : null);
  let it: ReturnType<DatasetLike['iterator']> | null = null;
  let elementIndex = 0;
  return () => {
    if (!persistent || !it) {
      it?.return?.();
      it = ds.iterator();
      elementIndex = 0;
    }
    const current = it;
    return {
      steps: known,
      next: (step) => {
        if (steps !== undefined && step >= steps) return null;
        const toThunk = (r: IteratorResult<unknown>): BatchThunk | null => {
          if (r.done) {
            if (persistent) it = null;
            return null;
          }
          const pair = pairOf(r.value, what, elementIndex++);
          return () => pair;
        };
        const r = current.next();
        return r instanceof Promise ? r.then(toThunk) : toThunk(r);
      },
      close: () => {
        if (!persistent) current.return?.();
      },
    };
  };
}
