/**
 * Compiled training steps on the WASM backend: a traced step (tensor/step-trace.ts) becomes a
 * plan inside the module's linear memory, replayed by one exported call (plan_run) per step.
 *
 * Every buffer the trace touches gets a fixed place in a block of linear memory the plan
 * reserves for its life (WasmArena.reserve; the per-call scratch moves above it, and memory
 * growing later leaves the addresses valid). The kernel exports are called once more between
 * plan_begin and plan_end with those addresses: they record their op (native/plan.inc) instead
 * of running (plan-record.ts). A replay then copies what JavaScript owns into linear memory (weights, optimizer
 * state and hyper-parameters, the batch, data written by host code such as dropout masks),
 * runs the plan, and copies back what JavaScript reads afterwards (updated weights and state,
 * the loss, predictions, gradients): one call into WASM instead of one per kernel, and no
 * per-kernel copies in and out.
 *
 * A kernel the plan cannot take (data movement the backend leaves to the js kernels, shape
 * patterns the WASM kernels forward to them, sin/cos's large-argument fix-up, optimizer
 * hyper-parameters given as plain numbers) runs as JavaScript between two plan segments, on its
 * JavaScript arrays, with the buffers it reads copied out first and those it writes copied in
 * after; so do host writes (which may read any buffer: all the plan wrote so far comes out first). The replay is exact: the same kernels on the same blocks of data in
 * the same order as the eager calls (which is why shapes the eager kernels split into blocks
 * that change a sum's order also run as JavaScript).
 */
import type { TraceEntry } from '../../tensor/step-trace.js';
import { KERNEL_WRITES, type KernelName } from '../kernels.js';
import { conv2dGeometryFields, type Conv2DGeometry } from '../conv-geometry.js';
import { convColFloats } from './conv-kernels.js';
import type { WasmArena } from './instance.js';
import { record, type Buf } from './plan-record.js';
import { claimResident, residentClaim, syncResident } from '../resident.js';
import type { CompiledTrace } from '../registry.js';

const isBuf = (v: unknown): v is Buf => v instanceof Float32Array || v instanceof Int32Array || v instanceof Float64Array;

/** The byte range of one JavaScript buffer the trace uses, and where it lives in linear memory. */
interface Region {
  readonly buffer: ArrayBufferLike;
  lo: number;
  hi: number;
  ptr: number;
}

/** What a compiled trace holds in linear memory; release() returns it (also done when the actions are garbage). */
export interface WasmPlanMemory {
  readonly ptr: number;
  readonly bytes: number;
}

/** Plans whose actions were dropped without release: their blocks go back to the arena. */
const orphans = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<{ arena: WasmArena; ptr: number }>(({ arena, ptr }) => arena.release(ptr))
  : null;

const PAD_BYTES = 64;
const alignUp = (n: number, a = 64): number => Math.ceil(n / a) * a;

/** The typed arrays among a kernel call's arguments (optimizerStep's slots are an array of them). */
function buffersOf(args: readonly unknown[]): { arg: number; buf: Buf }[] {
  const out: { arg: number; buf: Buf }[] = [];
  args.forEach((a, i) => {
    if (isBuf(a)) out.push({ arg: i, buf: a });
    else if (Array.isArray(a)) for (const b of a as unknown[]) if (isBuf(b)) out.push({ arg: i, buf: b });
  });
  return out;
}

/**
 * Turns trace entries into replay actions: JavaScript actions and plan segments, each segment
 * one call into WASM. `keep`: the buffers JavaScript reads after a replay (the step's outputs);
 * without it, everything the plan writes is copied back.
 */
export function compileWasmTrace(arena: WasmArena, entries: readonly TraceEntry[], keep?: readonly Buf[]): CompiledTrace {
  const ex = arena.exports;
  // 1. Regions: one per JavaScript buffer, covering the byte range the trace's views use.
  const regions = new Map<ArrayBufferLike, Region>();
  const note = (b: Buf): void => {
    // From a 64-byte boundary of the buffer: every view keeps its alignment in linear memory.
    const lo = b.byteOffset - (b.byteOffset % 64), hi = b.byteOffset + b.byteLength;
    const r = regions.get(b.buffer);
    if (!r) regions.set(b.buffer, { buffer: b.buffer, lo, hi, ptr: 0 });
    else {
      r.lo = Math.min(r.lo, lo);
      r.hi = Math.max(r.hi, hi);
    }
  };
  let geometries = 0;
  let colFloats = 0;
  for (const e of entries) {
    if (e.kind === 'host') {
      note(e.target);
      continue;
    }
    for (const { buf } of buffersOf(e.args)) note(buf);
    if (e.name.startsWith('conv2d') || e.name.startsWith('pool2d') || e.name.startsWith('biasActPool')) {
      geometries++;
      const g = e.args.find((a) => typeof a === 'object' && a !== null && 'kH' in a) as Conv2DGeometry;
      if (e.name.startsWith('conv2d') && !e.name.startsWith('conv2dBiasActPool')) colFloats = Math.max(colFloats, convColFloats(g));
    }
  }
  // 2. One block: the regions, the conv geometries, one im2col scratch (ops run one at a time), the ops.
  const opBytes = ex.plan_op_bytes();
  const capacity = entries.length + 1;
  let bytes = 0;
  for (const r of regions.values()) bytes += alignUp(r.hi - r.lo + PAD_BYTES);
  const geometryAt = bytes;
  bytes += alignUp(geometries * 64);
  const colAt = bytes;
  bytes += alignUp(colFloats * 4 + PAD_BYTES);
  const opsAt = bytes;
  bytes += alignUp(capacity * opBytes);
  const block = arena.reserve(bytes);
  let at = block;
  for (const r of regions.values()) {
    r.ptr = at;
    at += alignUp(r.hi - r.lo + PAD_BYTES);
  }
  const ptr = (b: Buf | null | undefined): number => {
    if (!b) return 0;
    const r = regions.get(b.buffer)!;
    return r.ptr + b.byteOffset - r.lo;
  };
  let nextGeometry = block + geometryAt;
  const geometry = (g: Conv2DGeometry): number => {
    const p = nextGeometry;
    nextGeometry += 64;
    arena.putInt32(conv2dGeometryFields(g), p);
    return p;
  };
  const col = block + colAt;

  // Copies between a region's JavaScript bytes and its place in linear memory (views made per
  // call: a grow() between replays detaches a non-shared memory's buffer).
  const copyIn = (r: Region): void => {
    arena.bytes().set(new Uint8Array(r.buffer, r.lo, r.hi - r.lo), r.ptr);
  };
  const copyOut = (r: Region): void => {
    new Uint8Array(r.buffer, r.lo, r.hi - r.lo).set(arena.bytes().subarray(r.ptr, r.ptr + r.hi - r.lo));
  };

  // 3. Record. Which copy of each region is current decides the copies around JavaScript actions.
  const actions: (() => void)[] = [];
  const readFirst = new Set<Region>(); // read before anything in the step writes it: copied in at the start
  const residentRegions = new Set<Region>(); // weights and optimizer slots the plan's own updates read and write
  const jsTouched = new Set<Region>(); // named by a JavaScript action between segments
  const touched = new Set<Region>();
  const dirty = new Set<Region>(); // written in linear memory since JavaScript last had it
  const written = new Set<Region>();
  let opsUsed = 0;
  let open = false;
  const begin = (): void => {
    if (open) return;
    ex.plan_begin(block + opsAt + opsUsed * opBytes, capacity - opsUsed);
    open = true;
  };
  const close = (): void => {
    if (!open) return;
    open = false;
    const count = ex.plan_end();
    if (count < 0) throw new Error('internal error: a WASM plan outgrew its op block');
    if (count === 0) return;
    const opsPtr = block + opsAt + opsUsed * opBytes;
    opsUsed += count;
    actions.push(() => ex.plan_run(opsPtr, count));
  };
  const regionOf = (b: Buf): Region => regions.get(b.buffer)!;
  const touch = (b: Buf, writes: boolean): void => {
    const r = regionOf(b);
    if (!touched.has(r) && !writes) readFirst.add(r);
    touched.add(r);
    if (writes) {
      written.add(r);
      dirty.add(r);
    }
  };
  /** A JavaScript action on the arrays themselves: what it reads comes out of linear memory first, what it writes goes in after. */
  const javascript = (run: () => void, bufs: { buf: Buf; writes: boolean }[], readsAnything = false): void => {
    close();
    for (const b of bufs) jsTouched.add(regionOf(b.buf));
    const out = readsAnything ? [...dirty] : [...new Set(bufs.map((b) => regionOf(b.buf)).filter((r) => dirty.has(r)))];
    for (const r of out) dirty.delete(r);
    const back = [...new Set(bufs.filter((b) => b.writes).map((b) => regionOf(b.buf)))];
    for (const b of bufs) {
      const r = regionOf(b.buf);
      if (!touched.has(r) && !b.writes) readFirst.add(r);
      touched.add(r);
    }
    actions.push(() => {
      for (const r of out) copyOut(r);
      run();
      for (const r of back) copyIn(r);
    });
  };

  try {
    for (const e of entries) {
      if (e.kind === 'host') {
        if (e.zero && e.target instanceof Float32Array) {
          begin();
          ex.fill(ptr(e.target), e.target.length, 0);
          touch(e.target, true);
        } else {
          // A host write may read anything computed so far (softmax's backward reads the kernel's
          // probabilities): everything written in linear memory since the last copy comes out first.
          javascript(e.fill, [{ buf: e.target, writes: true }], true);
        }
        continue;
      }
      const name = e.name as KernelName;
      const writes = KERNEL_WRITES[name];
      const bufs = buffersOf(e.args);
      begin();
      const before = ex.plan_length();
      const result = record(ex, name, e.args, ptr, geometry, col);
      const recorded = ex.plan_length() - before;
      if (result === 'recorded' && recorded === 1) {
        // An optimizer update and a matmul that accumulates read their outputs too.
        const readsOutputs = name === 'optimizerStep' || (name === 'matmul' && e.args[8] === true);
        for (const { arg, buf } of bufs) if (!writes.includes(arg) || readsOutputs) touch(buf, false);
        for (const { arg, buf } of bufs) if (writes.includes(arg)) touch(buf, true);
        if (name === 'optimizerStep') {
          residentRegions.add(regionOf(e.args[1] as Buf));
          for (const s of (e.args[3] as readonly Buf[])) residentRegions.add(regionOf(s));
        }
      } else if (result === 'nothing' && recorded === 0) {
        // Empty shapes: the eager kernel does nothing either.
      } else if (result === 'javascript' && recorded === 0) {
        const run = (): void => e.fn(...(e.args as never[]));
        javascript(run, bufs.map(({ arg, buf }) => ({ buf, writes: writes.includes(arg) })));
      } else {
        throw new Error(`internal error: WASM plan recording of '${name}' recorded ${recorded} ops`);
      }
    }
    close();
  } catch (err) {
    if (open) ex.plan_end();
    arena.release(block);
    throw err;
  }

  // 4. Around the plan: JavaScript's buffers in before, the results out after.
  const inputs = [...readFirst];
  const keepBuffers = keep ? new Set(keep.map((b) => b.buffer)) : null;
  const outputs = [...dirty].filter((r) => !keepBuffers || keepBuffers.has(r.buffer) || readFirst.has(r));
  // Every action holds the lease, so the block stays reserved while any of them can still run
  // (whatever the caller keeps: the array or some of its functions); then it goes back.
  const lease = {};
  orphans?.register(lease, { arena, ptr: block });
  // The weights this plan updates and their optimizer slots stay in linear memory between replays
  // (backend/resident.ts): not copied out after a replay (the plan claims them) nor in before the
  // next one while the claim is still its own: 2 × 888 KB of copies fewer per lecture-autoencoder
  // step. Whoever reads them in JavaScript (any read of a Variable's data: eager kernels, getWeights,
  // saving; the optimizer's eager update, getState; another plan's copy-in) first has them written
  // back. Regions a JavaScript action between segments names, or the caller keeps, are copied as before.
  const ownFlush = new Map<Region, () => void>();
  for (const r of residentRegions) {
    if (jsTouched.has(r) || keepBuffers?.has(r.buffer)) continue;
    ownFlush.set(r, () => {
      void lease;
      copyOut(r);
    });
  }
  // Inputs fed for the next replay (feed below): already in linear memory, not copied in again.
  const fed = new Set<Region>();
  const copyInputs = (): void => {
    for (const r of inputs) {
      if (fed.delete(r)) continue;
      // Held in linear memory by this plan: nothing to copy; by another plan (the epoch's last,
      // smaller batch; a step without the update; predict): written back to JavaScript first.
      const claim = residentClaim(r.buffer);
      if (claim) {
        if (claim === ownFlush.get(r)) continue;
        syncResident([r]);
      }
      copyIn(r);
    }
  };
  const copyOutputs = (): void => {
    for (const r of outputs) {
      const own = ownFlush.get(r);
      if (own) claimResident(r.buffer, own);
      else copyOut(r);
    }
  };
  const all: CompiledTrace = [copyInputs, ...actions, copyOutputs].map((f) => (): void => {
    void lease;
    f();
  });
  // The batch straight into linear memory (one copy instead of two: into the plan's JavaScript
  // array, then from it at copy-in). Only for an input that is a whole region no JavaScript action
  // or host write touches and the plan never writes: nothing then reads the stale array.
  all.feed = (input, values): boolean => {
    const r = regions.get(input.buffer);
    if (!r || !readFirst.has(r) || jsTouched.has(r) || written.has(r) || values.length !== input.length) return false;
    if (r.lo !== input.byteOffset || r.hi !== input.byteOffset + input.byteLength || values.BYTES_PER_ELEMENT !== input.BYTES_PER_ELEMENT) return false;
    arena.bytes().set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), r.ptr);
    fed.add(r);
    return true;
  };
  return all;
}
