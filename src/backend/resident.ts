/**
 * Arrays whose newest values a backend holds outside JavaScript. A WASM compiled training step
 * keeps the weights it updates and the optimizer's slot arrays (moments, accumulators) in linear
 * memory between replays instead of copying them out after every step and back in before the
 * next: only the plan's own ops read or write them there. Before JavaScript reads or writes such
 * an array, it calls syncResident() (a Variable's `data` does on every access, src/nn/variable.ts;
 * the optimizer for its slots), which writes the backend's copy back and ends the claim; the next
 * replay then copies the array in again. Claims are per ArrayBuffer (each weight and slot array has its own).
 */

/**
 * buffer → what writes the backend's copy of it back into the JavaScript array. Weak: when the
 * arrays are dropped (an optimizer replaced), the claim and the memory it holds go with them.
 */
const claims = new WeakMap<ArrayBufferLike, () => void>();
/**
 * Claims made and not yet ended (an upper bound: a claim whose buffer was collected stays
 * counted). While it is 0, syncResidentArray — on every read of a Variable's data — is one test.
 */
let liveClaims = 0;
/** Buffers claimed at some point, weakly, for syncAllResident (the WeakMap cannot be listed); one ref per buffer. */
const claimed = new Set<WeakRef<ArrayBufferLike>>();
const refs = new WeakMap<ArrayBufferLike, WeakRef<ArrayBufferLike>>();

/** Drops the refs of collected or no longer claimed buffers and recounts the live claims. */
function prune(): void {
  liveClaims = 0;
  for (const ref of claimed) {
    const buffer = ref.deref();
    if (buffer && claims.has(buffer)) liveClaims++;
    else {
      claimed.delete(ref);
      if (buffer) refs.delete(buffer);
    }
  }
}

/** The backend now holds the newest values of `buffer`; `flush` writes them back into it. */
export function claimResident(buffer: ArrayBufferLike, flush: () => void): void {
  if (!claims.has(buffer)) {
    liveClaims++;
    let ref = refs.get(buffer);
    if (!ref) {
      ref = new WeakRef(buffer);
      refs.set(buffer, ref);
      claimed.add(ref);
      if (claimed.size > 2 * liveClaims + 256) prune();
    }
  }
  claims.set(buffer, flush);
}

/**
 * Ends every claim, writing the backend's values back: when another backend becomes active
 * (registry.setBackend), whose compiled plans read the JavaScript arrays without asking.
 */
export function syncAllResident(): void {
  if (liveClaims === 0) return;
  for (const ref of claimed) {
    const buffer = ref.deref();
    if (buffer) syncResident([{ buffer }]);
  }
  prune();
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
      liveClaims--;
      flush();
    }
  }
}

/** syncResident for one array, cheap while nothing is claimed (a Variable's every read). */
export function syncResidentArray(a: { readonly buffer: ArrayBufferLike }): void {
  if (liveClaims === 0) return;
  const flush = claims.get(a.buffer);
  if (flush) {
    claims.delete(a.buffer);
    liveClaims--;
    flush();
  }
}
