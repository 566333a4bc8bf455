/**
 * Operators that hold elements or several iterators: shuffle, prefetch,
 * cache, interleave and zip.
 */
import type { Rng } from '../../tensor/random.js';
import { DONE, isPromise, loop, then, type ElementIterator, type MaybePromise } from './iterator.js';
import type { Source } from './ops.js';

/** tf.data's shuffle: a buffer of `size` elements; each output is a uniformly random one, refilled from upstream. */
export function shuffleIterator<T>(up: ElementIterator<T>, size: number, rng: Rng): ElementIterator<T> {
  const buffer: T[] = [];
  let upDone = false;
  return {
    next: () => loop(() => {
      if (!upDone && buffer.length < size) {
        return then(up.next(), (r) => {
          if (r.done) upDone = true;
          else buffer.push(r.value);
          return null;
        });
      }
      if (buffer.length === 0) return DONE;
      const i = rng.int(buffer.length);
      const value = buffer[i]!;
      buffer[i] = buffer[buffer.length - 1]!;
      buffer.pop();
      return { done: false, value };
    }),
    return: () => up.return?.(),
  };
}

interface Pending<T> {
  promise: Promise<IteratorResult<T, undefined>>;
  settled: boolean;
}

/**
 * Keeps up to `size` pulls running ahead of the consumer. Only asynchronous
 * upstreams have anything to run ahead: a synchronous one (in-memory slices,
 * plain map functions) is passed through, since in one JS thread producing
 * early would only move the same work. `size` null is AUTOTUNE: start at 1
 * and double (up to 64) whenever the consumer finds the next element not ready.
 */
export function prefetchIterator<T>(up: ElementIterator<T>, size: number | null): ElementIterator<T> {
  const queue: Pending<T>[] = [];
  let depth = size ?? 1;
  let tail: Promise<unknown> | null = null;
  let ended = false;
  const track = (promise: Promise<IteratorResult<T, undefined>>): Pending<T> => {
    const entry: Pending<T> = { promise, settled: false };
    tail = promise.then(
      (r) => {
        entry.settled = true;
        if (r.done) ended = true;
      },
      () => {
        entry.settled = true;
        ended = true;
      },
    );
    return entry;
  };
  const schedule = (): void => {
    const prev = tail!;
    queue.push(track(prev.then(() => up.next())));
  };
  const topUp = (): void => {
    while (!ended && queue.length < depth) schedule();
  };
  return {
    next: () => {
      if (tail === null) {
        const r = up.next();
        if (!isPromise(r)) return r;
        track(r);
        topUp();
        return r;
      }
      if (queue.length === 0) {
        if (ended) return DONE;
        schedule();
      }
      const head = queue.shift()!;
      if (size === null && !head.settled && depth < 64) depth *= 2;
      topUp();
      return head.promise;
    },
    return: () => {
      ended = true;
      up.return?.();
    },
  };
}

/** Where cache(filename) keeps elements; the Node file implementation registers itself (io/dataset-cache-file.ts). */
export interface CacheStore {
  /** An iterator over a complete earlier cache, or null when there is none yet. */
  read(): ElementIterator<unknown> | null;
  /** Starts writing a new cache; finish() makes it the complete cache, abort() discards it. */
  write(): { append(element: unknown): void; finish(): void; abort(): void };
}

/** Keeps the elements of the first complete pass in memory. */
export function memoryStore(): CacheStore {
  let complete: unknown[] | null = null;
  return {
    read: () => {
      if (!complete) return null;
      const items = complete;
      let i = 0;
      return { next: () => (i < items.length ? { done: false, value: items[i++] } : DONE) };
    },
    write: () => {
      const items: unknown[] = [];
      return { append: (e) => items.push(e), finish: () => (complete = items), abort: () => {} };
    },
  };
}

/** Replays a complete earlier pass, or reads upstream while recording it. An abandoned pass records nothing. */
export function cacheIterator<T>(source: Source<T>, store: CacheStore): ElementIterator<T> {
  const cached = store.read() as ElementIterator<T> | null;
  if (cached) return cached;
  const up = source();
  const writer = store.write();
  let open = true;
  return {
    next: () => then(up.next(), (r) => {
      if (!open) return r;
      if (r.done) {
        open = false;
        writer.finish();
      } else writer.append(r.value);
      return r;
    }),
    return: () => {
      if (open) writer.abort();
      open = false;
      up.return?.();
    },
  };
}

/** tf.data's interleave: cycles over `cycleLength` inner iterators, `blockLength` elements from each in turn. */
export function interleaveIterator<T, U>(up: ElementIterator<T>, open: (x: T, i: number) => MaybePromise<ElementIterator<U>>, cycleLength: number, blockLength: number): ElementIterator<U> {
  const slots: (ElementIterator<U> | null)[] = new Array(cycleLength).fill(null);
  let cycle = 0;
  let block = 0;
  let openCount = 0;
  let upDone = false;
  let index = 0;
  const advance = (): void => {
    block = 0;
    cycle = (cycle + 1) % cycleLength;
  };
  return {
    next: () => loop((): MaybePromise<IteratorResult<U, undefined> | null> => {
      if (upDone && openCount === 0) return DONE;
      const inner = slots[cycle];
      if (inner) {
        return then(inner.next(), (r) => {
          if (!r.done) {
            if (++block === blockLength) advance();
            return r;
          }
          slots[cycle] = null;
          openCount--;
          advance();
          return null;
        });
      }
      if (upDone) {
        advance();
        return null;
      }
      return then(up.next(), (r) => {
        if (r.done) {
          upDone = true;
          return null;
        }
        return then(open(r.value, index++), (it) => {
          slots[cycle] = it;
          openCount++;
          return null;
        });
      });
    }),
    return: () => {
      for (const s of slots) s?.return?.();
      up.return?.();
    },
  };
}

/** Pulls one element from each iterator; ends when the first one ends. */
export function zipIterator(its: ElementIterator<unknown>[], build: (values: unknown[]) => unknown): ElementIterator<unknown> {
  let done = false;
  const finish = (): IteratorResult<unknown, undefined> => {
    done = true;
    for (const it of its) it.return?.();
    return DONE;
  };
  return {
    next: () => {
      if (done) return DONE;
      const values: unknown[] = [];
      let k = 0;
      return loop((): MaybePromise<IteratorResult<unknown, undefined> | null> => {
        if (k === its.length) return { done: false, value: build(values) };
        return then(its[k++]!.next(), (r) => {
          if (r.done) return finish();
          values.push(r.value);
          return null;
        });
      });
    },
    return: () => void (done || finish()),
  };
}
