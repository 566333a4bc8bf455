/**
 * Input pipelines in the spirit of tf.data: a Dataset is a recipe for a stream
 * of elements; operators return new Datasets; iterating (for await, or fit)
 * runs the recipe once per pass. Elements are tensors or numbers inside tuples
 * (arrays) and records (plain objects), like tf.data's nested structures.
 *
 *   const ds = Dataset.fromTensorSlices([x, y]).shuffle(1024, { seed: 1 }).batch(32).prefetch(AUTOTUNE);
 *   await model.fit(ds, { epochs: 5 });
 *
 * Browser-safe: no Node built-ins here; cache(filename) uses a file store that
 * `import 'deepts'` registers (src/io/dataset-cache-file.ts).
 *
 * Divergences from tf.data, on purpose: range() yields JS numbers (batch makes
 * them float32 tensors); map with numParallelCalls overlaps async functions on
 * the main thread (see README: worker threads did not pay for per-element maps).
 */
import { Rng, getRng } from '../../tensor/random.js';
import { DONE, callUser, fromJsIterator, isPromise, then, wrapError, type ElementIterator, type MaybePromise } from './iterator.js';
import { batchIterator, filterIterator, flatMapIterator, mapIterator, repeatIterator, skipIterator, takeIterator, unbatchIterator } from './ops.js';
import { cacheIterator, interleaveIterator, memoryStore, prefetchIterator, shuffleIterator, zipIterator, type CacheStore } from './buffered-ops.js';
import { gatherBatchIterator, inOrder, shuffledOrder, type Gatherable } from './gather.js';
import { slicer, toSliceable, type Batched, type SliceInput, type Sliced, type Unbatched } from './structure.js';

/** tf.data.AUTOTUNE: let the pipeline pick a buffer size or parallelism. */
export const AUTOTUNE = -1;
/** What cardinality() answers for a dataset that never ends (tf.data.INFINITE_CARDINALITY). */
export const INFINITE_CARDINALITY = -1;
/** What cardinality() answers when the count is only known by iterating (tf.data.UNKNOWN_CARDINALITY). */
export const UNKNOWN_CARDINALITY = -2;

const INF = INFINITE_CARDINALITY;
const UNK = UNKNOWN_CARDINALITY;

type Inner<U> = Dataset<U> | Iterable<U> | AsyncIterable<U>;

let fileStoreFactory: ((path: string) => CacheStore) | null = null;

/** Installs the file store behind cache(filename); `import 'deepts'` does this in Node. */
export function registerCacheFileStore(factory: (path: string) => CacheStore): void {
  fileStoreFactory = factory;
}

function checkCount(n: number, what: string, allowMinusOne: boolean): number {
  if (!Number.isInteger(n) || n < (allowMinusOne ? -1 : 0)) throw new Error(`${what} must be ${allowMinusOne ? 'a non-negative integer or -1 (all)' : 'a non-negative integer'}, got ${n}`);
  return n;
}

function positive(n: number, what: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what} must be a positive integer, got ${n}`);
  return n;
}

function defaultParallelism(): number {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(2, cores ?? 2);
}

/** Any Dataset, iterable or async iterable as a pull iterator. */
function toIterator<U>(v: unknown, where: string): ElementIterator<U> {
  if (v instanceof Dataset) return (v as Dataset<U>).iterator();
  const o = v as { [Symbol.iterator]?: () => Iterator<U>; [Symbol.asyncIterator]?: () => AsyncIterator<U> } | null;
  if (o && typeof o[Symbol.asyncIterator] === 'function') return fromJsIterator(o[Symbol.asyncIterator]!());
  if (o && typeof o[Symbol.iterator] === 'function') return fromJsIterator(o[Symbol.iterator]!());
  throw new Error(`${where} must return a Dataset or an iterable, got ${v === null ? 'null' : typeof v}`);
}

/** What some datasets offer besides a pass (make): ways to their elements the fast paths use. */
interface Access<T> {
  /**
   * Element i on demand, for sources that have it (slices, range) and element-wise maps of
   * them. shuffle then shuffles indices and makes elements only as they leave the buffer:
   * the same order as shuffling elements, without holding the whole dataset as objects.
   */
  at?: (i: number) => MaybePromise<T>;
  /** A pass as an index order into an element function (at-sources, and shuffle of them): batch fuses with it (gather.ts). */
  gather?: Gatherable<T>;
  /**
   * A pass whose elements are made on demand (see deferredIterator); absent: the elements of make().
   * batch defers its stacking; take, skip, repeat and prefetch pass the thunks through.
   */
  deferred?: () => ElementIterator<() => T>;
}

export class Dataset<T> implements AsyncIterable<T> {
  private constructor(
    private readonly make: () => ElementIterator<T>,
    private readonly count: number,
    /** The operators so far, for error messages: "fromTensorSlices → shuffle → map". */
    readonly stages: readonly string[],
    private readonly access: Access<T> = {},
  ) {}

  /** The access of an at-source of n elements: element i, and a pass in order. */
  private static indexed<U>(at: (i: number) => MaybePromise<U>, n: number): Access<U> {
    return { at, gather: { order: () => inOrder(n), element: at } };
  }

  // ---- sources ----------------------------------------------------------------

  /**
   * One element per row of the input's first axis (tf.data.Dataset.from_tensor_slices).
   * Tensors and nested number arrays are sliced; arrays of them are tuples, plain
   * objects are records: fromTensorSlices([x, y]) yields [x[i], y[i]]. Rows are views, not copies.
   */
  static fromTensorSlices<S extends SliceInput>(input: S): Dataset<Sliced<S>> {
    const { structure, length } = toSliceable(input);
    const at = slicer(structure);
    const make = (): ElementIterator<unknown> => {
      let i = 0;
      return { next: () => (i < length ? { done: false, value: at(i++) } : DONE) };
    };
    return new Dataset<unknown>(make, length, ['fromTensorSlices'], Dataset.indexed(at, length)) as Dataset<Sliced<S>>;
  }

  /** Elements of the iterable (sync or async) that `generator()` returns; called again for every pass. */
  static fromGenerator<U>(generator: () => Iterable<U> | AsyncIterable<U>): Dataset<U> {
    if (typeof generator !== 'function') throw new Error('Dataset.fromGenerator needs a function returning an iterable (e.g. a generator function), so each pass can start over');
    return new Dataset(() => toIterator<U>(generator(), 'Dataset.fromGenerator: the generator function'), UNK, ['fromGenerator']);
  }

  /** start, start + step, ... below stop (Python's range): range(5), range(2, 10, 2). */
  static range(start: number, stop?: number, step = 1): Dataset<number> {
    if (stop === undefined) [start, stop] = [0, start];
    if (!Number.isFinite(start) || !Number.isFinite(stop) || !Number.isFinite(step) || step === 0) throw new Error(`Dataset.range(${start}, ${stop}, ${step}): bounds must be finite and step non-zero`);
    const [lo, hi, st] = [start, stop, step];
    const n = Math.max(0, Math.ceil((hi - lo) / st));
    return new Dataset(() => {
      let i = 0;
      return { next: () => (i < n ? { done: false, value: lo + st * i++ } : DONE) };
    }, n, ['range'], Dataset.indexed((i) => lo + st * i, n));
  }

  /** Tuples (or records) of elements from several datasets, ending with the shortest (tf.data.Dataset.zip). */
  static zip<D extends readonly Dataset<unknown>[] | { readonly [k: string]: Dataset<unknown> }>(datasets: D): Dataset<{ -readonly [K in keyof D]: D[K] extends Dataset<infer E> ? E : never }> {
    const isTuple = Array.isArray(datasets);
    const keys = Object.keys(datasets);
    const list = keys.map((k) => (datasets as Record<string, unknown>)[k]);
    list.forEach((d, i) => {
      if (!(d instanceof Dataset)) throw new Error(`Dataset.zip: ${isTuple ? `item ${i}` : `'${keys[i]}'`} is not a Dataset`);
    });
    const ds = list as Dataset<unknown>[];
    if (ds.length === 0) throw new Error('Dataset.zip needs at least one dataset');
    const counts = ds.map((d) => d.count);
    const finite = counts.filter((c) => c >= 0);
    const count = finite.length ? Math.min(...finite) : counts.includes(UNK) ? UNK : INF;
    const build = (values: unknown[]): unknown => (isTuple ? values : Object.fromEntries(keys.map((k, i) => [k, values[i]])));
    type Out = { -readonly [K in keyof D]: D[K] extends Dataset<infer E> ? E : never };
    return new Dataset(() => zipIterator(ds.map((d) => d.iterator()), build) as ElementIterator<Out>, counts.includes(UNK) && finite.length ? UNK : count, ['zip']);
  }

  // ---- iteration ----------------------------------------------------------------

  /** A fresh pull iterator (one pass); next() answers synchronously when no stage is asynchronous. */
  iterator(): ElementIterator<T> {
    return this.make();
  }

  /**
   * A pass for a consumer that uses each element only briefly (fit, evaluate, predict): every
   * element comes as a function that makes it. A trainer calls it inside its step's buffer
   * scope, so the batch's memory is recycled for the next step instead of fresh pages per
   * batch (measured: stacking into new 800 KB arrays was most of the pipeline's overhead).
   * The element must not be kept after the step; user functions (map, filter, ...) have all
   * run before the thunk is called, so user code never sees recycled memory.
   */
  deferredIterator(): ElementIterator<() => T> {
    if (this.access.deferred) return this.access.deferred();
    const it = this.make();
    return {
      next: () => then(it.next(), (r) => (r.done ? DONE : { done: false, value: () => r.value })),
      return: () => it.return?.(),
    };
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const it = this.make();
    return {
      next: async () => it.next(),
      return: async () => {
        it.return?.();
        return DONE;
      },
    };
  }

  /** All elements of one pass (tfjs' dataset.toArray()). Never ends on an infinite dataset, so that is refused. */
  async toArray(): Promise<T[]> {
    if (this.count === INF) throw new Error('toArray on an infinite dataset (after repeat()) would never end: take(n) first');
    const out: T[] = [];
    for await (const e of this) out.push(e);
    return out;
  }

  /** Number of elements, or INFINITE_CARDINALITY (-1) / UNKNOWN_CARDINALITY (-2), as tf.data's cardinality(). */
  cardinality(): number {
    return this.count;
  }

  // ---- operators ----------------------------------------------------------------

  private append<U>(stage: string, make: (pipeline: string) => () => ElementIterator<U>, count: number, access: ((pipeline: string) => Access<U>) | null = null): Dataset<U> {
    const stages = [...this.stages, stage];
    const pipeline = stages.join(' → ');
    return new Dataset(make(pipeline), count, stages, access ? access(pipeline) : {});
  }

  /** For operators that pass elements through untouched: the same operator over this dataset's deferred pass, if it has one. */
  private passDeferred(op: (up: () => ElementIterator<() => T>) => ElementIterator<() => T>): ((pipeline: string) => Access<T>) | null {
    const up = this.access.deferred;
    return up ? () => ({ deferred: () => op(up) }) : null;
  }

  /**
   * fn applied to every element (its index in this pass is the second argument).
   * numParallelCalls > 1 (or AUTOTUNE) keeps that many calls of an async fn in flight, outputs in order.
   * An error names the element and the operator: "Dataset map failed on element 17 (pipeline: ...)".
   */
  map<U>(fn: (element: T, index: number) => MaybePromise<U>, options: { numParallelCalls?: number } = {}): Dataset<U> {
    const p = options.numParallelCalls ?? 1;
    const parallel = p === AUTOTUNE ? defaultParallelism() : positive(p, 'map: numParallelCalls');
    const up = this.access.at;
    const access = up && parallel === 1
      ? (pipeline: string) => Dataset.indexed((i: number) => {
        const x = up(i);
        // No closure per element when the element is ready (the common, in-memory case).
        return isPromise(x) ? x.then((v) => callUser(fn, v, i, 'map', pipeline)) : callUser(fn, x, i, 'map', pipeline);
      }, this.count)
      : null;
    return this.append('map', (pipeline) => () => mapIterator(this.make(), fn, parallel, pipeline), this.count, access);
  }

  /** Keeps the elements for which pred returns true. */
  filter(pred: (element: T, index: number) => MaybePromise<boolean>): Dataset<T> {
    return this.append('filter', (pipeline) => () => filterIterator(this.make(), pred, pipeline), this.count === INF ? INF : UNK);
  }

  /** fn turns each element into a Dataset (or any iterable) whose elements are emitted in turn. */
  flatMap<U>(fn: (element: T, index: number) => MaybePromise<Inner<U>>): Dataset<U> {
    return this.append('flatMap', (pipeline) => () => flatMapIterator(this.make(), fn, (v) => toIterator<U>(v, `Dataset flatMap (pipeline: ${pipeline}): the function`), pipeline), UNK);
  }

  /**
   * Randomly shuffles with a buffer of `bufferSize` elements (uniform when bufferSize ≥ the dataset size).
   * With a seed the order is reproducible; otherwise it comes from the global generator (setSeed).
   * reshuffleEachIteration (default true) gives each pass — each epoch — a new order.
   */
  shuffle(bufferSize: number, options: { seed?: number; reshuffleEachIteration?: boolean } = {}): Dataset<T> {
    positive(bufferSize, 'shuffle: bufferSize');
    const reshuffle = options.reshuffleEachIteration ?? true;
    const base = options.seed ?? getRng().nextUint32();
    let pass = 0;
    const passRng = (): Rng => {
      const seed = reshuffle ? (options.seed === undefined && pass > 0 ? getRng().nextUint32() : (base + Math.imul(pass, 0x9e3779b1)) >>> 0) : base;
      pass++;
      return new Rng(seed);
    };
    const at = this.access.at;
    const n = this.count;
    if (at && n >= 0) {
      // Shuffle indices; an element is made only as it leaves the buffer.
      const gather: Gatherable<T> = { order: () => shuffledOrder(n, bufferSize, passRng()), element: at };
      const make = (): ElementIterator<T> => {
        const order = gather.order();
        return {
          next: () => {
            const i = order.next();
            return i < 0 ? DONE : then(at(i), (value) => ({ done: false, value }));
          },
        };
      };
      return this.append(`shuffle(${bufferSize})`, () => make, n, () => ({ gather }));
    }
    return this.append(`shuffle(${bufferSize})`, () => () => shuffleIterator(this.make(), bufferSize, passRng()), n);
  }

  /** Stacks `batchSize` consecutive elements (each leaf gains a first axis); the last batch may be smaller unless dropRemainder. */
  batch(batchSize: number, options: { dropRemainder?: boolean } = {}): Dataset<Batched<T>> {
    positive(batchSize, 'batch: batchSize');
    const drop = options.dropRemainder ?? false;
    const c = this.count;
    const count = c < 0 ? c : drop ? Math.floor(c / batchSize) : Math.ceil(c / batchSize);
    const gather = this.access.gather;
    const pass = (pipeline: string, deferred: boolean): ElementIterator<unknown> => (gather ? gatherBatchIterator(gather, batchSize, drop, pipeline, deferred) : batchIterator(this.make(), batchSize, drop, pipeline, deferred));
    return this.append(`batch(${batchSize})`, (pipeline) => () => pass(pipeline, false) as ElementIterator<Batched<T>>, count,
      (pipeline) => ({ deferred: () => pass(pipeline, true) as ElementIterator<() => Batched<T>> }));
  }

  /** Splits every element along its first axis into rows (the inverse of batch). */
  unbatch(): Dataset<Unbatched<T>> {
    return this.append('unbatch', (pipeline) => () => unbatchIterator(this.make(), pipeline) as ElementIterator<Unbatched<T>>, this.count === INF ? INF : UNK);
  }

  /** The dataset `count` times over (forever without a count, or with -1). */
  repeat(count = -1): Dataset<T> {
    checkCount(count, 'repeat: count', true);
    const c = this.count;
    const total = c === 0 || count === 0 ? 0 : count < 0 || c === INF ? INF : c === UNK ? UNK : c * count;
    return this.append(count < 0 ? 'repeat()' : `repeat(${count})`, () => () => repeatIterator(() => this.make(), count), total, this.passDeferred((up) => repeatIterator(up, count)));
  }

  /** The first `count` elements (-1: all). */
  take(count: number): Dataset<T> {
    checkCount(count, 'take: count', true);
    const c = this.count;
    const total = count < 0 ? c : c === INF ? count : c === UNK ? UNK : Math.min(c, count);
    return this.append(`take(${count})`, () => () => takeIterator(this.make(), count), total, this.passDeferred((up) => takeIterator(up(), count)));
  }

  /** All but the first `count` elements (-1: skips everything). */
  skip(count: number): Dataset<T> {
    checkCount(count, 'skip: count', true);
    const c = this.count;
    const total = count < 0 ? (c === INF ? INF : 0) : c < 0 ? c : Math.max(0, c - count);
    return this.append(`skip(${count})`, () => () => skipIterator(this.make(), count), total, this.passDeferred((up) => skipIterator(up(), count)));
  }

  /** Pulls up to `bufferSize` elements ahead (AUTOTUNE: adapts); pays only when a stage upstream is asynchronous. */
  prefetch(bufferSize: number = AUTOTUNE): Dataset<T> {
    const size = bufferSize === AUTOTUNE ? null : positive(bufferSize, 'prefetch: bufferSize');
    return this.append(`prefetch(${size ?? 'AUTOTUNE'})`, () => () => prefetchIterator(this.make(), size), this.count, this.passDeferred((up) => prefetchIterator(up(), size)));
  }

  /**
   * Remembers the elements of the first complete pass; later passes replay them without running the
   * stages above. cache() keeps them in memory; cache(filename) in a file (Node), reused by later runs.
   */
  cache(filename = ''): Dataset<T> {
    let store: CacheStore;
    if (filename === '') store = memoryStore();
    else {
      if (!fileStoreFactory) throw new Error(`cache('${filename}') needs a file system: in Node import 'deepts' (not 'deepts/core'); in a browser use cache() in memory`);
      store = fileStoreFactory(filename);
    }
    return this.append(filename ? `cache('${filename}')` : 'cache()', () => () => cacheIterator(() => this.make(), store), this.count);
  }

  /**
   * fn maps each element to a Dataset; their elements are interleaved, `blockLength` at a time from
   * `cycleLength` open datasets (tf.data's interleave; cycleLength defaults to the number of cores, as AUTOTUNE).
   */
  interleave<U>(fn: (element: T, index: number) => Inner<U>, options: { cycleLength?: number; blockLength?: number } = {}): Dataset<U> {
    const cl = options.cycleLength ?? AUTOTUNE;
    const cycle = cl === AUTOTUNE ? defaultParallelism() : positive(cl, 'interleave: cycleLength');
    const block = positive(options.blockLength ?? 1, 'interleave: blockLength');
    return this.append('interleave', (pipeline) => () => interleaveIterator(this.make(), (x: T, i: number) => {
      let inner: Inner<U>;
      try {
        inner = fn(x, i);
      } catch (e) {
        throw wrapError(e, 'interleave', i, pipeline);
      }
      return toIterator<U>(inner, `Dataset interleave (pipeline: ${pipeline}): the function`);
    }, cycle, block), UNK);
  }

  toString(): string {
    const c = this.count === INF ? 'infinite' : this.count === UNK ? 'unknown' : String(this.count);
    return `Dataset(${this.stages.join(' → ')}; cardinality ${c})`;
  }
}
