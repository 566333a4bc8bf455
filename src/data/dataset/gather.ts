/**
 * The fast path for in-memory pipelines: fromTensorSlices (or range), element-wise maps of
 * it, shuffle, batch. Such a pass is a sequence of indices (in order, or shuffled) into an
 * element-at-index function, so shuffle moves numbers in an Int32Array instead of element
 * objects, and batch pulls its indices in a plain loop and stacks the elements — no iterator
 * result, closure or promise per element. tf.data does the same kind of fusion (map-and-batch,
 * shuffle of indices over a random-access source). It yields exactly what the generic
 * operators yield (test/dataset-fast-path.test.ts checks both against each other).
 */
import { Rng } from '../../tensor/random.js';
import { DONE, isPromise, loop, type ElementIterator, type MaybePromise } from './iterator.js';
import { stackElements } from './structure.js';
import { keepHiddenClass } from '../../train/keep-alive.js';

/** One pass as indices: each next() gives the next index, or -1 when the pass is over. */
export interface IndexOrder {
  next(): number;
}

/** A dataset whose pass is an index order into element(i) (batch fuses with it). */
export interface Gatherable<T> {
  order(): IndexOrder;
  element(i: number): MaybePromise<T>;
}

// Classes with methods, not closures made per pass: a closure's optimized code dies with its last
// instance (V8 holds it weakly), a prototype method's does not. See keep-alive.ts.
class InOrder implements IndexOrder {
  private i = 0;

  constructor(private readonly n: number) {}

  next(): number {
    return this.i < this.n ? this.i++ : -1;
  }
}

export function inOrder(n: number): IndexOrder {
  return new InOrder(n);
}

/** Outputs of a shuffled order drawn per call of its refill (see shuffledOrder). */
const DRAWN_AHEAD = 4096;

class ShuffledOrder implements IndexOrder {
  private readonly buffer: Int32Array;
  private readonly drawn: Int32Array;
  private length = 0;
  private upNext = 0;
  private count = 0;
  private at = 0;

  constructor(private readonly n: number, private readonly size: number, private readonly rng: Rng) {
    this.buffer = new Int32Array(Math.min(size, n));
    this.drawn = new Int32Array(Math.min(DRAWN_AHEAD, n));
  }

  next(): number {
    if (this.at === this.count) {
      this.draw();
      if (this.count === 0) return -1;
    }
    return this.drawn[this.at++]!;
  }

  private draw(): void {
    // The loop works on locals (fields are loads and stores through the object).
    const { buffer, drawn, size, n, rng } = this;
    let len = this.length;
    let nxt = this.upNext;
    let c = 0;
    while (c < drawn.length) {
      while (len < size && nxt < n) buffer[len++] = nxt++;
      if (len === 0) break;
      const i = Math.floor(rng.next() * len); // rng.int(len), without its argument check per draw
      drawn[c++] = buffer[i]!;
      buffer[i] = buffer[--len]!;
    }
    this.length = len;
    this.upNext = nxt;
    this.count = c;
    this.at = 0;
  }
}

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
  return new ShuffledOrder(n, size, rng);
}

/**
 * batch over a gatherable dataset. Elements are made one after another (an async element is
 * awaited before the next is made, as the generic path does); `deferred` gives each batch as a
 * function that stacks it (Dataset.deferredIterator).
 */
export function gatherBatchIterator<T>(source: Gatherable<T>, size: number, dropRemainder: boolean, pipeline: string, deferred: boolean): ElementIterator<unknown> {
  return new GatherBatches(source, size, dropRemainder, pipeline, deferred);
}

class GatherBatches<T> implements ElementIterator<unknown> {
  private readonly order: IndexOrder;
  private ended = false;
  private batchIndex = 0;

  constructor(private readonly source: Gatherable<T>, private readonly size: number, private readonly dropRemainder: boolean, private readonly pipeline: string, private readonly deferred: boolean) {
    this.order = source.order();
  }

  next(): MaybePromise<IteratorResult<unknown, undefined>> {
    if (this.ended) return DONE;
    const { order, source, size } = this;
    // A batch's array is sized once (grown element by element it leaves ~6 KB of garbage per batch for the scavenger).
    const items = new Array<T>(Math.min(size, 4096)); // (huge batch sizes grow it as they fill)
    let count = 0;
    // Synchronous elements in a plain loop; after an asynchronous one, one element per turn.
    while (count < size) {
      const i = order.next();
      if (i < 0) {
        this.ended = true;
        return this.finish(items, count);
      }
      const e = source.element(i);
      if (isPromise(e)) {
        return e.then((first) => {
          items[count++] = first;
          return loop(() => {
            if (count === size) return this.finish(items, count);
            const j = order.next();
            if (j < 0) {
              this.ended = true;
              return this.finish(items, count);
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
    return this.finish(items, count);
  }

  private finish(items: T[], count: number): IteratorResult<unknown, undefined> {
    if (count === 0 || (this.dropRemainder && count < this.size)) return DONE;
    if (items.length !== count) items.length = count;
    const where = `Dataset batch ${this.batchIndex++} (pipeline: ${this.pipeline})`;
    return { done: false, value: this.deferred ? () => stackElements(items, where, true) : stackElements(items, where) };
  }
}

// One instance of each pass class, so their hidden classes outlive every pass (keep-alive.ts).
keepHiddenClass(new InOrder(0));
keepHiddenClass(new ShuffledOrder(0, 1, new Rng(0)));
keepHiddenClass(new GatherBatches({ order: () => new InOrder(0), element: () => 0 }, 1, false, '', false));
