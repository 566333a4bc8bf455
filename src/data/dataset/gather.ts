/**
 * The fast path for in-memory pipelines: fromTensorSlices (or range), element-wise maps of
 * it, shuffle, batch. Such a pass is a sequence of indices (in order, or shuffled) into an
 * element-at-index function, so shuffle moves numbers in an Int32Array instead of element
 * objects, and batch pulls its indices in a plain loop and stacks the elements — no iterator
 * result, closure or promise per element. tf.data does the same kind of fusion (map-and-batch,
 * shuffle of indices over a random-access source). It yields exactly what the generic
 * operators yield (test/dataset-fast-path.test.ts checks both against each other).
 */
import type { Rng } from '../../tensor/random.js';
import { DONE, isPromise, loop, type ElementIterator, type MaybePromise } from './iterator.js';
import { stackElements } from './structure.js';

/** One pass as indices: each call gives the next index, or -1 when the pass is over. */
export type IndexOrder = () => number;

/** A dataset whose pass is an index order into element(i) (batch fuses with it). */
export interface Gatherable<T> {
  order(): IndexOrder;
  element(i: number): MaybePromise<T>;
}

export function inOrder(n: number): IndexOrder {
  let i = 0;
  return () => (i < n ? i++ : -1);
}

/** Outputs of a shuffled order drawn per call of its refill (see shuffledOrder). */
const DRAWN_AHEAD = 4096;

/**
 * tf.data's shuffle over the indices 0..n-1: a buffer of `size`, refilled in order; each output
 * is a uniformly random buffer entry, replaced by the last one. Draws exactly as shuffleIterator
 * does over the same indices (one rng.int per output), so both give the same order for a seed.
 * The outputs are drawn DRAWN_AHEAD at a time in one tight loop (the same draws, in the same
 * order, from the pass's own generator): the buffer is read at random places, and between two
 * elements a training step has pushed it out of the cache, so drawing one output per element
 * paid a cache miss per element that a tight loop overlaps.
 */
export function shuffledOrder(n: number, size: number, rng: Rng): IndexOrder {
  const buffer = new Int32Array(Math.min(size, n));
  const drawn = new Int32Array(Math.min(DRAWN_AHEAD, n));
  let length = 0;
  let next = 0;
  let count = 0;
  let at = 0;
  const draw = (): void => {
    // The loop works on locals (the closure's variables live in its context object, not in registers).
    let len = length;
    let nxt = next;
    let c = 0;
    while (c < drawn.length) {
      while (len < size && nxt < n) buffer[len++] = nxt++;
      if (len === 0) break;
      const i = Math.floor(rng.next() * len); // rng.int(len), without its argument check per draw
      drawn[c++] = buffer[i]!;
      buffer[i] = buffer[--len]!;
    }
    length = len;
    next = nxt;
    count = c;
    at = 0;
  };
  return () => {
    if (at === count) {
      draw();
      if (count === 0) return -1;
    }
    return drawn[at++]!;
  };
}

/**
 * batch over a gatherable dataset. Elements are made one after another (an async element is
 * awaited before the next is made, as the generic path does); `deferred` gives each batch as a
 * function that stacks it (Dataset.deferredIterator).
 */
export function gatherBatchIterator<T>(source: Gatherable<T>, size: number, dropRemainder: boolean, pipeline: string, deferred: boolean): ElementIterator<unknown> {
  const order = source.order();
  let ended = false;
  let batchIndex = 0;
  // A batch's array is sized once (grown element by element it leaves ~6 KB of garbage per batch for the scavenger).
  const finish = (items: T[], count: number): IteratorResult<unknown, undefined> => {
    if (count === 0 || (dropRemainder && count < size)) return DONE;
    if (items.length !== count) items.length = count;
    const where = `Dataset batch ${batchIndex++} (pipeline: ${pipeline})`;
    return { done: false, value: deferred ? () => stackElements(items, where, true) : stackElements(items, where) };
  };
  return {
    next: () => {
      if (ended) return DONE;
      const items = new Array<T>(Math.min(size, 4096)); // (huge batch sizes grow it as they fill)
      let count = 0;
      // Synchronous elements in a plain loop; after an asynchronous one, one element per turn.
      while (count < size) {
        const i = order();
        if (i < 0) {
          ended = true;
          return finish(items, count);
        }
        const e = source.element(i);
        if (isPromise(e)) {
          return e.then((first) => {
            items[count++] = first;
            return loop(() => {
              if (count === size) return finish(items, count);
              const j = order();
              if (j < 0) {
                ended = true;
                return finish(items, count);
              }
              const v = source.element(j);
              const add = (x: T): null => {
                items[count++] = x;
                return null;
              };
              return isPromise(v) ? v.then(add) : add(v);
            });
          });
        }
        items[count++] = e;
      }
      return finish(items, count);
    },
  };
}
