/**
 * Arrays whose newest values a backend holds outside JavaScript. A WASM compiled training step
 * keeps the optimizer's slot arrays (moments, accumulators) in linear memory between replays
 * instead of copying them out after every step and back in before the next: only the plan's own
 * update reads or writes them there. Before JavaScript reads or writes such an array, it calls
 * syncResident(), which writes the backend's copy back and ends the claim; the next replay then
 * copies the array in again. Claims are per ArrayBuffer (each slot array has its own).
 */

/**
 * buffer → what writes the backend's copy of it back into the JavaScript array. Weak: when the
 * arrays are dropped (an optimizer replaced), the claim and the memory it holds go with them.
 */
const claims = new WeakMap<ArrayBufferLike, () => void>();

/** The backend now holds the newest values of `buffer`; `flush` writes them back into it. */
export function claimResident(buffer: ArrayBufferLike, flush: () => void): void {
  claims.set(buffer, flush);
}

/** The current claim's flush function on `buffer`, if any (a plan recognises its own). */
export function residentClaim(buffer: ArrayBufferLike): (() => void) | undefined {
  return claims.get(buffer);
}

/** Makes the JavaScript arrays current: every claimed one gets the backend's values back, and its claim ends. */
export function syncResident(arrays: Iterable<{ readonly buffer: ArrayBufferLike }>): void {
  for (const a of arrays) {
    const flush = claims.get(a.buffer);
    if (flush) {
      claims.delete(a.buffer);
      flush();
    }
  }
}
