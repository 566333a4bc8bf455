/**
 * Step tracing, the recording half of compiled training steps (model.compile({ jitCompile })).
 *
 * While a step is traced, every kernel call goes into a list (the backend registry hands out a
 * recording kernel table), and so does every write of data computed in JavaScript that a
 * kernel will read later: zeroed buffers a kernel accumulates into, dropout's random masks,
 * one-hot labels. Replaying the list in order does the step's work again on the same memory,
 * without the autograd tape, tensor objects or shape checks (src/train/compiled-step.ts).
 *
 * Code that writes kernel inputs from JavaScript must go through `hostWrite`, or a compiled step
 * would replay a stale copy; the compiled step checks its first replay against an eager step,
 * so a missed write shows there and the model falls back to eager execution.
 */

/** One recorded action: a kernel call with its arguments, or a JavaScript write into a buffer. */
export type TraceEntry =
  | { readonly kind: 'kernel'; readonly name: string; readonly fn: (...args: never[]) => void; readonly args: readonly unknown[] }
  | {
    readonly kind: 'host'; readonly target: Float32Array | Float64Array | Int32Array; readonly fill: () => void; readonly zero?: true;
    /** The fill reads nothing the step computes (a random key): a replay may run it before the step's kernels. */
    readonly independent?: true;
  };

let active: TraceEntry[] | null = null;

export function isTracing(): boolean {
  return active !== null;
}

/** Runs fn and returns what it did, in order. Traces do not nest. */
export function traceStep<T>(fn: () => T): { result: T; entries: TraceEntry[] } {
  if (active) throw new Error('internal error: a step trace is already running');
  const entries: TraceEntry[] = [];
  active = entries;
  try {
    return { result: fn(), entries };
  } finally {
    active = null;
  }
}

/** Called by the registry's recording kernel table for each kernel call. */
export function recordKernelCall(name: string, fn: (...args: never[]) => void, args: readonly unknown[]): void {
  active?.push({ kind: 'kernel', name, fn, args });
}

/** Zeroes a new buffer a kernel will accumulate into: nothing to do now, a zero fill on every replay. */
export function hostZero(target: Float32Array): void {
  active?.push({ kind: 'host', target, fill: () => target.fill(0), zero: true });
}

/**
 * Fills `target` with data computed in JavaScript (a random mask, one-hot labels): runs `fill`
 * now and, when a step is being traced, again at this point of every replay. `fill` must read
 * its inputs when it runs (the RNG, the label buffer), not values captured earlier.
 */
export function hostWrite(target: Float32Array | Float64Array | Int32Array, fill: () => void, options: { independent?: boolean } = {}): void {
  fill();
  active?.push(options.independent ? { kind: 'host', target, fill, independent: true } : { kind: 'host', target, fill });
}

/**
 * The entries with the independent host writes first (in their order, so random draws keep
 * theirs), then the rest in order: a dropout key filled at the start lets the native and WASM
 * plans run the whole step in one call instead of stopping at each layer's write. Valid
 * because only host writes draw random numbers and an independent write's target is read by
 * kernels only (no kernel writes it).
 */
export function hoistIndependentWrites(entries: readonly TraceEntry[]): TraceEntry[] {
  const early = entries.filter((e) => e.kind === 'host' && e.independent);
  return early.length === 0 ? [...entries] : [...early, ...entries.filter((e) => !(e.kind === 'host' && e.independent))];
}
