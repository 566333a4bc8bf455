/**
 * Step-scoped buffer reuse. Allocating a fresh large Float32Array costs far more
 * than the arithmetic on it (the OS maps and faults in new zero pages: ~1 ms for
 * the 800 KB activations of a 256×784 batch). Training allocates the same sizes
 * every step, so the trainer runs each step inside `withBufferScope`: buffers
 * taken from the pool inside the scope go back to the pool when it ends, and
 * the next step reuses them. Outside a scope allocation is ordinary, so tensors
 * a user holds are never recycled. Users never see or manage any of this.
 *
 * The contract for code running inside a scope: do not keep tensors created in
 * the scope after it ends (the trainer copies what it returns, e.g. predictions).
 */
import { hostZero, isTracing } from './step-trace.js';

const MIN_POOLED = 4096; // smaller arrays are cheap to allocate
const MAX_PER_SIZE = 64;

const free = new Map<number, Float32Array[]>();
let scope: Float32Array[] | null = null;
/** Debug aid: DEEPTS_POOL_POISON=1 fills released buffers with NaN so any use after release shows. */
let poison = false;

export function setPoolPoisoning(on: boolean): void {
  poison = on;
}

/**
 * A Float32Array of length n. `zeroed` false is for outputs a kernel overwrites
 * entirely; recycled buffers then skip the memset.
 */
export function allocFloat32(n: number, zeroed: boolean): Float32Array {
  if (isTracing()) {
    // A traced step owns its buffers; zeroing is part of the step (a kernel may accumulate into it).
    const a = new Float32Array(n);
    if (zeroed) hostZero(a);
    return a;
  }
  if (scope === null || n < MIN_POOLED) return new Float32Array(n);
  const list = free.get(n);
  let a = list?.pop();
  if (a === undefined) a = new Float32Array(n);
  else if (zeroed) a.fill(0);
  scope.push(a);
  return a;
}

/** Runs fn with pooled allocation; every pooled buffer taken inside is released when it returns. */
export function withBufferScope<T>(fn: () => T): T {
  const outer = scope;
  const mine: Float32Array[] = [];
  scope = mine;
  try {
    return fn();
  } finally {
    scope = outer;
    for (const a of mine) {
      let list = free.get(a.length);
      if (!list) free.set(a.length, (list = []));
      if (list.length < MAX_PER_SIZE) {
        if (poison) a.fill(NaN);
        list.push(a);
      }
    }
  }
}

/** Whether pooled allocation is on: arrays allocated now may be recycled when the scope ends. */
export function inBufferScope(): boolean {
  return scope !== null;
}

/** Runs fn with ordinary allocation, even inside a scope: what it allocates is never recycled. */
export function withoutBufferScope<T>(fn: () => T): T {
  const outer = scope;
  scope = null;
  try {
    return fn();
  } finally {
    scope = outer;
  }
}

/** Drops every pooled buffer (e.g. after training, to hand memory back to the GC). */
export function clearBufferPool(): void {
  free.clear();
}

/** Bytes currently held for reuse. */
export function pooledBytes(): number {
  let s = 0;
  for (const list of free.values()) for (const a of list) s += a.byteLength;
  return s;
}
