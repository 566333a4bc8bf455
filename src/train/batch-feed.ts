/**
 * Where fit / evaluate / predict get their batches: tensors sliced by the
 * trainer, or a dataset (src/data/dataset, tf.data-like) whose elements are
 * already batches. This layer cannot import the data layer, so a dataset is
 * anything with iterator() and cardinality() — deepts' Dataset is one.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { checkArrays, checkSameCount, checkTargets, knownFinite, rowRange, rowSourceOf, rowsOf, toTensorList } from './data-adapter.js';
import { toSampleWeight } from './sample-weights.js';
import { keepHiddenClass } from './keep-alive.js';
import { kernels } from '../backend/registry.js';
import { sampleOutputs, type BatchRows, type Compiled, type StepData, type TrainableModel } from './trainer.js';

/** What fit/evaluate/predict accept besides tensors (deepts' Dataset satisfies it). */
export interface DatasetLike {
  /** A fresh pass; next() may answer synchronously or with a promise. */
  iterator(): { next(): IteratorResult<unknown> | Promise<IteratorResult<unknown>>; return?(): void };
  /** Element count, or -1 (infinite) / -2 (unknown) as tf.data. */
  cardinality(): number;
  /**
   * Optional: a pass whose elements come as functions making them. The trainer calls each inside
   * its step's buffer scope and drops the element when the step ends, so the memory is recycled.
   */
  deferredIterator?(): { next(): IteratorResult<() => unknown> | Promise<IteratorResult<() => unknown>>; return?(): void };
}

type DeferredPass = ReturnType<NonNullable<DatasetLike['deferredIterator']>>;

/** A pass over ds whose elements are thunks (made inside the step's buffer scope when the dataset can). */
export function deferredPass(ds: DatasetLike): DeferredPass {
  if (ds.deferredIterator) return ds.deferredIterator();
  const it = ds.iterator();
  const wrap = (r: IteratorResult<unknown>): IteratorResult<() => unknown> => (r.done ? { done: true, value: undefined } : { done: false, value: () => r.value });
  return {
    next: () => {
      const r = it.next();
      return r instanceof Promise ? r.then(wrap) : wrap(r);
    },
    return: () => it.return?.(),
  };
}

/** A dataset plus how one of its elements becomes a step's batch (made by the model, which knows its inputs). */
export interface DatasetSource {
  readonly dataset: DatasetLike;
  toStep(element: unknown, index: number): StepData;
}

export const INFINITE = -1;

export function isDatasetLike(v: unknown): v is DatasetLike {
  const d = v as Partial<DatasetLike> | null;
  return typeof d === 'object' && d !== null && !(d instanceof Tensor) && typeof d.iterator === 'function' && typeof d.cardinality === 'function';
}

/** A batch, made inside the trainer's per-step buffer scope (so slicing recycles memory). */
export type BatchThunk = () => StepData;

/** One pass's worth of batches. */
export interface BatchFeed {
  /** Steps in this pass, or null when only the end of the data tells. */
  readonly steps: number | null;
  /** Batch number `step`, or null when the data has run out. */
  next(step: number): BatchThunk | null | Promise<BatchThunk | null>;
  /** Stops the pass early (releases the dataset's iterator). */
  close(): void;
}

/** The batch of the given rows; targets that are the inputs (autoencoders) are gathered once. */
export function batchOf(data: StepData, pick: (t: Tensor) => Tensor): StepData {
  const x = data.x.map(pick);
  const y = data.y.map((t) => { const i = data.x.indexOf(t); return i >= 0 ? x[i]! : pick(t); });
  return data.sw ? { x, y, sw: data.sw.map(pick) } : { x, y };
}

/**
 * A batch of rows of tensor data, gathered when x, y or sw is first read (inside the step's
 * buffer scope); a compiled step reads `rows` instead and copies them into its plan (copyRows).
 */
class RowBatch implements StepData {
  private made: StepData | null = null;

  constructor(readonly rows: BatchRows) {}

  private make(): StepData {
    const { source, indices, begin, count } = this.rows;
    return (this.made ??= batchOf(source, indices ? (t) => rowsOf(t, indices) : (t) => rowRange(t, begin, count)));
  }

  get x(): Tensor[] {
    return this.make().x;
  }

  get y(): Tensor[] {
    return this.make().y;
  }

  get sw(): Tensor[] | undefined {
    return this.rows.source.sw ? this.make().sw : undefined;
  }
}

/** Batches of rows `order` (shuffled; null: in order) of tensor data. */
export function tensorFeed(data: StepData, batchSize: number, order: Int32Array | null): BatchFeed {
  const n = data.x[0]!.shape[0]!;
  const steps = Math.ceil(n / batchSize);
  return {
    steps,
    next: (step) => {
      if (step >= steps) return null;
      const begin = step * batchSize;
      const count = Math.min(n, begin + batchSize) - begin;
      const indices = order ? order.subarray(begin, begin + count) : null;
      return () => new RowBatch({ source: data, indices, begin, count });
    },
    close: () => {},
  };
}

/** The tensor a batch's input or target `t` of `rows` is cut from: its shape and dtype, as a batch. */
export function rowsShape(t: Tensor, rows: BatchRows): number[] {
  return [rows.count, ...t.shape.slice(1)];
}

/** Copies the batch's rows of `t` (a tensor of rows.source) into `into` (a batch-sized buffer of t's dtype). */
export function copyRows(t: Tensor, rows: BatchRows, into: Float32Array | Int32Array): void {
  const rowSize = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const { indices, begin, count } = rows;
  if (!indices) {
    into.set(t.data.subarray(begin * rowSize, (begin + count) * rowSize));
  } else if (t.dtype === 'float32' && into instanceof Float32Array) {
    kernels().gather(t.values, t.shape, indices, 0, into);
  } else {
    const src = t.data;
    for (let j = 0; j < indices.length; j++) into.set(src.subarray(indices[j]! * rowSize, (indices[j]! + 1) * rowSize), j * rowSize);
  }
}

function sameRows(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describe(v: unknown): string {
  if (v instanceof Tensor) return `a tensor of shape ${formatShape(v.shape)}`;
  if (Array.isArray(v)) return `an array of ${v.length} items`;
  return v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * How a model turns dataset elements — Keras' (x, y) pairs, x and y as fit accepts them — into
 * step batches. The first batch is checked against the model's outputs and losses as fit checks
 * tensors; later batches reuse that probe, so checking costs no forward pass per step.
 */
export function datasetSource(model: TrainableModel, c: Compiled, dataset: DatasetLike, what: string): DatasetSource {
  return new DatasetSteps(model, c, dataset, what);
}

/*
 * A class, not closures made per fit call: the per-step code (toStep, next) is a prototype
 * method whose optimized code outlives each fit (a closure's dies with it, V8 holding it weakly),
 * so fit called once per epoch does not recompile it every epoch (see keep-alive.ts).
 */
class DatasetSteps implements DatasetSource {
  private probes: Tensor[] | null = null;
  // The shapes of the last [x, y] pair of tensors that passed every check unchanged, when a pair of
  // the same shapes whose values are known finite would pass them again: one input, one output, and
  // a loss that checks target shapes only (label and probability losses read every batch's values).
  private passed: { x: readonly number[]; y: readonly number[] } | null = null;
  private rowSource: StepData | null = null;
  private readonly shapeOnly: boolean;

  constructor(private readonly model: TrainableModel, private readonly c: Compiled, readonly dataset: DatasetLike, private readonly what: string) {
    this.shapeOnly = model.inputNames.length === 1 && model.outputNames.length === 1 && c.losses.length === 1 && c.losses[0]?.accuracyKind === undefined;
  }

  toStep(e: unknown, index: number): StepData {
    // The same checks as below, passed without walking them again (they run on every step, with the step's data out of cache).
    const passed = this.passed;
    if (passed !== null && Array.isArray(e) && e.length === 2) {
      const [x, y] = e as unknown[];
      if (x instanceof Tensor && y instanceof Tensor && shapesEqual(x.shape, passed.x) && shapesEqual(y.shape, passed.y) && knownFinite(x) && (y === x || knownFinite(y))) {
        // Rows of source tensors (a dataset's fused batch): a compiled step copies them from the sources.
        const rx = rowSourceOf(x);
        const ry = y === x ? rx : rowSourceOf(y);
        if (rx && ry && sameRows(rx.indices, ry.indices)) {
          // One source object while the tensors stay the same: a compiled step remembers its batch key per source (batchKey).
          let rowSource = this.rowSource;
          if (rowSource === null || rowSource.x[0] !== rx.source || rowSource.y[0] !== ry.source) this.rowSource = rowSource = { x: [rx.source], y: [ry.source] };
          const rows: BatchRows = { source: rowSource, indices: rx.indices, begin: 0, count: rx.indices.length };
          return { x: [x], y: [y], rows };
        }
        return { x: [x], y: [y] };
      }
    }
    return this.checkedStep(e, index);
  }

  private checkedStep(e: unknown, index: number): StepData {
    const { model, c, what } = this;
    if (!(Array.isArray(e) && (e.length === 2 || e.length === 3))) {
      throw new Error(`${what}: dataset element ${index} is ${describe(e)}, expected an [inputs, targets] pair or an [inputs, targets, sampleWeights] triple (e.g. Dataset.fromTensorSlices([x, y]).batch(32); an autoencoder maps x => [x, x])`);
    }
    const where = `${what}: dataset batch ${index}`;
    const xs = toTensorList(e[0], model.inputNames, `${where} inputs`);
    const ys = e[1] === e[0] ? xs : toTensorList(e[1], model.outputNames, `${where} targets`);
    // An autoencoder's targets are its inputs, whose values were just checked (a sum over the batch per check).
    checkSameCount(checkArrays(xs, model.inputNames.length, where, 'input'), checkArrays(ys, model.outputNames.length, where, 'target', xs), xs, ys, where);
    // Outputs of the first batch stand in for the model's output shapes afterwards; the one-sample
    // forward pass runs once per input signature of the compiled model, not once per fit call.
    const probes = (this.probes ??= sampleOutputs(model, c, xs, xs[0]!.shape[0]!));
    const step: StepData = { x: xs, y: ys.map((y, i) => (c.losses[i] ? checkTargets(c.losses[i]!, probes[i]!, y) : y)) };
    // Keras' (x, y, sample_weight) elements: the weights of each sample of the batch.
    if (e.length === 3) step.sw = [toSampleWeight(e[2], xs[0]!.shape[0]!, where)];
    else if (this.shapeOnly && xs[0] === e[0] && ys[0] === e[1] && step.y[0] === ys[0]) this.passed = { x: xs[0]!.shape, y: ys[0]!.shape };
    return step;
  }
}

/**
 * Inputs of a dataset element for predict: x alone, or the x of an [x, y] pair (an array of two
 * is always a pair, as Keras reads a 2-tuple; a two-input model takes [[a, b], y] or a record).
 */
export function predictInputs(model: TrainableModel, e: unknown, index: number): Tensor[] {
  const x = Array.isArray(e) && e.length === 2 ? e[0] : e;
  const xs = toTensorList(x, model.inputNames, `predict: dataset batch ${index}`);
  checkArrays(xs, model.inputNames.length, `predict: dataset batch ${index}`, 'input');
  return xs;
}

/**
 * Batches from a dataset. With `steps` a pass ends after that many batches and, when
 * `persistent`, the next pass continues the same iterator (Keras' stepsPerEpoch); without,
 * a pass is one full iteration. An infinite dataset needs `steps`.
 */
export function datasetFeeds(source: DatasetSource, what: string, steps: number | undefined, stepsName: string, persistent: boolean): () => BatchFeed {
  const ds = source.dataset;
  const card = ds.cardinality();
  if (steps === undefined && card === INFINITE) {
    throw new Error(`${what}: the dataset is infinite (repeat() without a count), so pass ${stepsName} to say how many batches make ${stepsName === 'stepsPerEpoch' ? 'an epoch' : 'a pass'}`);
  }
  if (steps !== undefined && (!Number.isInteger(steps) || steps <= 0)) throw new Error(`${what}: ${stepsName} must be a positive integer, got ${steps}`);
  const passes = new DatasetPasses(source, steps, steps ?? (card >= 0 ? card : null), persistent);
  return () => passes.feed();
}

/** The passes of datasetFeeds (a class for the reason DatasetSteps is one). */
class DatasetPasses {
  private it: DeferredPass | null = null;
  private elementIndex = 0;

  constructor(readonly source: DatasetSource, readonly maxSteps: number | undefined, readonly known: number | null, readonly persistent: boolean) {}

  feed(): BatchFeed {
    if (!this.persistent || !this.it) {
      this.it?.return?.();
      this.it = deferredPass(this.source.dataset);
      this.elementIndex = 0;
    }
    return new DatasetFeed(this, this.it);
  }

  /** The batch thunk of a pass's next element, or null when the pass has ended. */
  thunk(r: IteratorResult<() => unknown>): BatchThunk | null {
    if (r.done) {
      if (this.persistent) this.it = null;
      return null;
    }
    const index = this.elementIndex++;
    const make = r.value;
    const source = this.source;
    return () => source.toStep(make(), index);
  }
}

class DatasetFeed implements BatchFeed {
  constructor(private readonly passes: DatasetPasses, private readonly current: DeferredPass) {}

  get steps(): number | null {
    return this.passes.known;
  }

  next(step: number): BatchThunk | null | Promise<BatchThunk | null> {
    const { passes, current } = this;
    if (passes.maxSteps !== undefined && step >= passes.maxSteps) return null;
    const r = current.next();
    return r instanceof Promise ? r.then((v) => passes.thunk(v)) : passes.thunk(r);
  }

  close(): void {
    if (!this.passes.persistent) this.current.return?.();
  }
}

// One instance of each, made with stand-ins (no user data), keeps their hidden classes between fits (keep-alive.ts).
{
  const noModel = { inputNames: [], outputNames: [] } as unknown as TrainableModel;
  const noData: DatasetLike = { iterator: () => ({ next: () => ({ done: true, value: undefined }) }), cardinality: () => 0 };
  const steps = keepHiddenClass(new DatasetSteps(noModel, { losses: [] } as unknown as Compiled, noData, ''));
  const passes = keepHiddenClass(new DatasetPasses(steps, undefined, 0, false));
  keepHiddenClass(passes.feed());
}
