/**
 * Element-wise and counting operators as iterator factories: map, filter,
 * flatMap, batch, unbatch, take, skip, repeat. Each takes a function making a
 * fresh upstream iterator (one per pass over the data) and returns a new one.
 */
import { DONE, callUser, loop, then, type ElementIterator, type MaybePromise } from './iterator.js';
import { stackElements, unstackElement } from './structure.js';

export type Source<T> = () => ElementIterator<T>;

export function mapIterator<T, U>(up: ElementIterator<T>, fn: (x: T, i: number) => MaybePromise<U>, parallel: number, pipeline: string): ElementIterator<U> {
  let index = 0;
  if (parallel <= 1) {
    return {
      next: () => then(up.next(), (r) => (r.done ? DONE : then(callUser(fn, r.value, index++, 'map', pipeline), (value) => ({ done: false, value })))),
      return: () => up.return?.(),
    };
  }
  // Up to `parallel` calls in flight (an async fn awaiting I/O or a worker); results keep their order.
  const inFlight: Promise<U>[] = [];
  let upDone = false;
  const fill = async (): Promise<void> => {
    while (!upDone && inFlight.length < parallel) {
      const r = await up.next();
      if (r.done) upDone = true;
      else {
        const p = Promise.resolve(callUser(fn, r.value, index++, 'map', pipeline));
        p.catch(() => {}); // surfaces when consumed, in order
        inFlight.push(p);
      }
    }
  };
  return {
    next: async () => {
      await fill();
      const p = inFlight.shift();
      return p === undefined ? DONE : { done: false, value: await p };
    },
    return: () => up.return?.(),
  };
}

export function filterIterator<T>(up: ElementIterator<T>, pred: (x: T, i: number) => MaybePromise<boolean>, pipeline: string): ElementIterator<T> {
  let index = 0;
  return {
    next: () => loop(() => then(up.next(), (r) => {
      if (r.done) return DONE;
      return then(callUser(pred, r.value, index++, 'filter', pipeline), (keep) => {
        if (typeof keep !== 'boolean') throw new Error(`Dataset filter: the predicate must return a boolean, got ${typeof keep} (pipeline: ${pipeline})`);
        return keep ? r : null;
      });
    })),
    return: () => up.return?.(),
  };
}

/** fn maps an element to anything with an iterator() (a Dataset) or to a JS iterable. */
export function flatMapIterator<T, U>(up: ElementIterator<T>, fn: (x: T, i: number) => MaybePromise<Iterable<U> | AsyncIterable<U> | { iterator(): ElementIterator<U> }>, toIterator: (v: unknown) => ElementIterator<U>, pipeline: string): ElementIterator<U> {
  let index = 0;
  let inner: ElementIterator<U> | null = null;
  return {
    next: () => loop((): MaybePromise<IteratorResult<U, undefined> | null> => {
      if (inner) {
        const cur: ElementIterator<U> = inner;
        return then(cur.next(), (r) => {
          if (!r.done) return r;
          inner = null;
          return null;
        });
      }
      return then(up.next(), (r) => {
        if (r.done) return DONE;
        return then(callUser(fn, r.value, index++, 'flatMap', pipeline), (sub) => {
          inner = toIterator(sub);
          return null;
        });
      });
    }),
    return: () => {
      inner?.return?.();
      up.return?.();
    },
  };
}

/** deferred: each batch comes as a function that stacks it (Dataset.deferredIterator), else stacked. */
export function batchIterator<T>(up: ElementIterator<T>, size: number, dropRemainder: boolean, pipeline: string, deferred: boolean): ElementIterator<unknown> {
  let upDone = false;
  let batchIndex = 0;
  return {
    next: () => {
      if (upDone) return DONE;
      const items: T[] = [];
      return loop(() => {
        if (items.length === size) return finish(items);
        return then(up.next(), (r) => {
          if (!r.done) {
            items.push(r.value);
            return null;
          }
          upDone = true;
          return items.length === 0 || (dropRemainder && items.length < size) ? DONE : finish(items);
        });
      });
    },
    return: () => up.return?.(),
  };
  function finish(items: T[]): IteratorResult<unknown, undefined> {
    const where = `Dataset batch ${batchIndex++} (pipeline: ${pipeline})`;
    return { done: false, value: deferred ? () => stackElements(items, where, true) : stackElements(items, where) };
  }
}

export function unbatchIterator(up: ElementIterator<unknown>, pipeline: string): ElementIterator<unknown> {
  let rows: unknown[] = [];
  let at = 0;
  let index = 0;
  return {
    next: () => loop(() => {
      if (at < rows.length) return { done: false, value: rows[at++] };
      return then(up.next(), (r) => {
        if (r.done) return DONE;
        rows = unstackElement(r.value, `Dataset unbatch on element ${index++} (pipeline: ${pipeline})`);
        at = 0;
        return null;
      });
    }),
    return: () => up.return?.(),
  };
}

export function takeIterator<T>(up: ElementIterator<T>, count: number): ElementIterator<T> {
  let taken = 0;
  return {
    next: () => {
      if (count >= 0 && taken >= count) {
        up.return?.();
        return DONE;
      }
      taken++;
      return up.next();
    },
    return: () => up.return?.(),
  };
}

export function skipIterator<T>(up: ElementIterator<T>, count: number): ElementIterator<T> {
  let skipped = 0;
  return {
    next: () => loop(() => {
      if (count >= 0 && skipped >= count) return up.next();
      return then(up.next(), (r) => {
        if (r.done) return DONE;
        skipped++;
        return null;
      });
    }),
    return: () => up.return?.(),
  };
}

/** count < 0: forever. A pass that yields nothing ends the repetition (an empty dataset stays empty). */
export function repeatIterator<T>(source: Source<T>, count: number): ElementIterator<T> {
  let passes = 0;
  let cur: ElementIterator<T> | null = null;
  let yieldedThisPass = 0;
  return {
    next: () => loop((): MaybePromise<IteratorResult<T, undefined> | null> => {
      if (!cur) {
        if (count >= 0 && passes >= count) return DONE;
        passes++;
        yieldedThisPass = 0;
        cur = source();
      }
      const it: ElementIterator<T> = cur;
      return then(it.next(), (r) => {
        if (!r.done) {
          yieldedThisPass++;
          return r;
        }
        cur = null;
        if (yieldedThisPass === 0) passes = count >= 0 ? count : Infinity;
        return passes === Infinity ? DONE : null;
      });
    }),
    return: () => cur?.return?.(),
  };
}
