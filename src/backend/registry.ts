/**
 * Kernel registry: backends register their kernels by name; ops look kernels up
 * through `kernels()`, which is the active backend's table with the reference
 * (js) kernels filling any gap. All backends share the same memory layout
 * (row-major Float32Array), so mixing kernels needs no copies.
 */
import { KERNEL_NAMES, type Kernels } from './kernels.js';
import { syncAllResident } from './resident.js';
import { isTracing, recordKernelCall, type TraceEntry } from '../tensor/step-trace.js';

/**
 * A compiled trace's actions, in order. `feed`, where the backend offers it, writes the next
 * replay's values of an input array the trace reads (the batch) straight into the backend's own
 * copy, instead of into the array (which the replay would then copy again); it returns false
 * when it cannot (the caller then writes the array). After a feed the array itself is stale.
 */
export type CompiledTrace = (() => void)[] & {
  feed?(input: Float32Array | Int32Array, values: Float32Array | Int32Array): boolean;
};

export interface Backend {
  /** 'js', 'wasm', 'native', ... */
  readonly name: string;
  readonly kernels: Partial<Kernels>;
  /** Higher wins when choosing the default backend. */
  readonly priority: number;
  /**
   * Optional: turns a traced training step (tensor/step-trace.ts) into the actions a compiled
   * step replays, in order. Without it the trace is replayed call by call; the native backend
   * records runs of its kernels into plans it executes in one call each, the WASM backend into
   * plans in linear memory. `keep`: the buffers JavaScript reads after a replay (the step's
   * outputs), which a backend holding its own copies must write back.
   */
  compileTrace?(entries: readonly TraceEntry[], keep?: readonly (Float32Array | Int32Array | Float64Array)[]): CompiledTrace;
  /**
   * Optional: its conv2dBiasActPool takes convolutions of any tap count (the native addon pools in
   * Winograd's output transform). On other backends only few-tap convolutions (≤ 9 taps) go through
   * that kernel: a wider convolution and its pool run as conv2d, then biasActPool.
   */
  readonly fusesWideConvPool?: boolean;
  /** Facts for `deepts info` (CPU features, threads, ...). */
  describe?(): Record<string, string | number | boolean>;
}

const backends = new Map<string, Backend>();
let active: Backend | undefined;
let explicitlyChosen = false;
let table: Kernels | undefined;
/** The recording table handed out while a step is traced, and the table it wraps. */
let traced: { of: Kernels; table: Kernels } | undefined;

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
  // A higher-priority backend becomes the default unless the user chose one.
  if (!explicitlyChosen && (active === undefined || backend.priority > active.priority)) {
    active = backend;
    table = undefined;
  }
}

/** How many backends are registered (0 when the data layer is imported without any). */
export function backendCount(): number {
  return backends.size;
}

export function listBackends(): Backend[] {
  return [...backends.values()].sort((a, b) => b.priority - a.priority);
}

export function findBackend(name: string): Backend | undefined {
  return backends.get(name);
}

/** Makes `name` the active backend for all following ops. */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) {
    const known = [...backends.keys()].join(', ');
    throw new Error(`unknown or unavailable backend '${name}' (available: ${known})`);
  }
  // Weights a WASM compiled step holds in linear memory go back to their arrays: the new
  // backend's kernels and plans read those arrays directly.
  if (b !== active) syncAllResident();
  active = b;
  explicitlyChosen = true;
  table = undefined;
}

export function getBackend(): Backend {
  if (!active) throw new Error('no backend registered: import deepts (or deepts/core) before using tensors');
  return active;
}

/** Kernel names a backend implements itself (the rest come from the reference backend). */
export function ownKernels(backend: Backend): string[] {
  return KERNEL_NAMES.filter((n) => backend.kernels[n] !== undefined);
}

/** The active kernel table (a recording one while a compiled step is traced, see tensor/step-trace.ts). */
export function kernels(): Kernels {
  const t = table ?? mergedTable();
  if (!isTracing()) return t;
  if (traced?.of !== t) traced = { of: t, table: recordingTable(t) };
  return traced.table;
}

function recordingTable(t: Kernels): Kernels {
  const rec = {} as Record<string, unknown>;
  for (const n of KERNEL_NAMES) {
    const fn = t[n] as (...args: never[]) => void;
    rec[n] = (...args: never[]) => {
      recordKernelCall(n, fn, args);
      fn(...args);
    };
  }
  return rec as unknown as Kernels;
}

function mergedTable(): Kernels {
  const ref = backends.get('js');
  if (!ref) throw new Error('the reference js backend is not registered');
  const b = getBackend();
  const merged = {} as Record<string, unknown>;
  for (const n of KERNEL_NAMES) {
    const own = b.kernels[n] ?? ref.kernels[n];
    if (!own) throw new Error(`kernel '${n}' is missing from the reference backend`);
    merged[n] = own;
  }
  table = merged as unknown as Kernels;
  return table;
}
