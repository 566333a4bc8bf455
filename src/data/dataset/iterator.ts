/**
 * The pull protocol under every Dataset. An iterator's next() answers
 * synchronously when everything upstream is synchronous (tensor slices, plain
 * map functions, shuffle, batch) and with a promise only where some stage
 * really waits (async generators, async map functions, file reads). A training
 * loop then pays no promise per element on the common in-memory pipeline —
 * an `await` per element per stage costs several percent of an epoch.
 */
export type MaybePromise<T> = T | Promise<T>;

export interface ElementIterator<T> {
  next(): MaybePromise<IteratorResult<T, undefined>>;
  /** Stops early and releases what the iterator holds (inner iterators, files). */
  return?(): void;
}

export const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

export function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** f(v) now if v is ready, else once it resolves. */
export function then<A, B>(v: MaybePromise<A>, f: (a: A) => MaybePromise<B>): MaybePromise<B> {
  return isPromise(v) ? v.then(f) : f(v);
}

/**
 * Runs `step` until it returns a result (null means "again"), synchronously
 * while it answers synchronously and asynchronously once it does not.
 */
export function loop<T>(step: () => MaybePromise<T | null>): MaybePromise<T> {
  for (;;) {
    const r = step();
    if (isPromise(r)) return r.then((v) => (v === null ? loop(step) : v));
    if (r !== null) return r;
  }
}

/** An error from inside a pipeline, naming the operator and the element it failed on. */
export class DatasetError extends Error {
  constructor(
    message: string,
    /** The operator that failed, e.g. 'map'. */
    readonly operator: string,
    /** Index of the element (counted from 0 in this pass over the operator's input). */
    readonly elementIndex: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatasetError';
  }
}

/** Wraps an error thrown by user code inside operator `op` (errors already wrapped pass through). */
export function wrapError(e: unknown, op: string, index: number, pipeline: string): unknown {
  if (e instanceof DatasetError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new DatasetError(`Dataset ${op} failed on element ${index} (pipeline: ${pipeline}): ${msg}`, op, index, { cause: e });
}

/** Calls user function fn on element `index`; errors (thrown or rejected) come back wrapped with context. */
export function callUser<A, B>(fn: (a: A, i: number) => MaybePromise<B>, a: A, index: number, op: string, pipeline: string): MaybePromise<B> {
  let r: MaybePromise<B>;
  try {
    r = fn(a, index);
  } catch (e) {
    throw wrapError(e, op, index, pipeline);
  }
  if (isPromise(r)) return r.catch((e: unknown) => { throw wrapError(e, op, index, pipeline); });
  return r;
}

/** Adapts a JS iterator (sync or async) to the pull protocol. */
export function fromJsIterator<T>(it: Iterator<T> | AsyncIterator<T>): ElementIterator<T> {
  let done = false;
  return {
    next: () => {
      if (done) return DONE;
      return then(it.next() as MaybePromise<IteratorResult<T>>, (r) => {
        if (r.done) {
          done = true;
          return DONE;
        }
        return { done: false, value: r.value };
      });
    },
    return: () => {
      if (!done) void it.return?.();
      done = true;
    },
  };
}
