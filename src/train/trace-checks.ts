/**
 * What keeps a compiled plan (./compiled-step.ts, ./compiled-forward.ts) honest: which layers and
 * losses may be traced at all, whether a trace would redo its step when replayed (no kernel
 * overwrites memory the step reads from outside), whether a replay's numbers match an eager
 * step's, and whether a plan's weight and layer lists are still the model's.
 */
import type { TraceEntry } from '../tensor/step-trace.js';
import { KERNEL_WRITES, type KernelName } from '../backend/kernels.js';
import type { Layer } from '../nn/layer.js';
import { Dense, Flatten, Reshape, InputLayer, Activation, Dropout } from '../nn/layers/index.js';
import { Conv2D } from '../nn/layers/convolutional.js';
import { MaxPooling2D, AveragePooling2D } from '../nn/layers/pooling.js';
import { BatchNormalization } from '../nn/layers/batch-normalization.js';
import { SpatialDropout2D } from '../nn/layers/spatial.js';
import { serializeLoss, type Loss } from './losses.js';

/** Layers whose forward and backward passes are kernels only (plus dropout's declared mask); exact classes, not subclasses. */
const TRACEABLE_LAYERS: readonly (abstract new (...args: never[]) => Layer)[] = [
  InputLayer, Dense, Flatten, Reshape, Activation, Dropout, SpatialDropout2D, Conv2D, MaxPooling2D, AveragePooling2D, BatchNormalization,
];

/** Relative tolerance of the check of a plan's first replay against an eager step. */
const VERIFY_RTOL = 1e-5;

/** Why these layers and losses cannot be traced, or null. */
export function untraceableReason(layers: readonly Layer[], losses: readonly (Loss | null)[]): string | null {
  for (const l of layers) {
    const proto = Object.getPrototypeOf(l) as object;
    if (!TRACEABLE_LAYERS.some((C) => C.prototype === proto)) {
      return `layer '${l.name}' (${l.className}) is not one compiled steps can trace (they take ${TRACEABLE_LAYERS.map((C) => C.name).join(', ')})`;
    }
  }
  for (const loss of losses) {
    if (loss && serializeLoss(loss) === null) return `loss '${loss.name}' is a custom loss; compiled steps take the built-in losses`;
  }
  return null;
}

/** Whether two lists hold the same items in the same order. */
export function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Whether a replay's values match the eager step's within VERIFY_RTOL of their scale (NaN matches NaN). */
export function close(a: Float32Array | null, b: Float32Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  const tol = VERIFY_RTOL * (1 + scale);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= tol) && !(Number.isNaN(a[i]!) && Number.isNaN(b[i]!))) return false;
  }
  return true;
}

type Buf = Float32Array | Int32Array;
const isBuf = (v: unknown): v is Buf => v instanceof Float32Array || v instanceof Int32Array;

/**
 * Why replaying these entries would not redo the step, or null. A buffer the step first reads
 * comes from outside (weights, the batch, constants filled in JavaScript); a kernel writing into
 * one would make the next replay read its own result instead.
 */
export function checkTrace(entries: readonly TraceEntry[]): string | null {
  const produced = new Set<ArrayBufferLike>();
  const external = new Set<ArrayBufferLike>();
  const read = (b: Buf): void => {
    if (!produced.has(b.buffer)) external.add(b.buffer);
  };
  for (const e of entries) {
    if (e.kind === 'host') {
      produced.add(e.target.buffer);
      continue;
    }
    const name = e.name as KernelName;
    if (name === 'optimizerStep') return 'an optimizer update ran inside the traced step';
    const writes = KERNEL_WRITES[name];
    const outs: Buf[] = [];
    e.args.forEach((a, i) => {
      const list = Array.isArray(a) ? (a as unknown[]).filter(isBuf) : isBuf(a) ? [a] : [];
      if (writes.includes(i)) outs.push(...list);
      else list.forEach(read);
    });
    if (name === 'matmul' && e.args[8] === true) outs.forEach(read);
    for (const o of outs) {
      if (external.has(o.buffer)) return `kernel '${name}' writes into memory the step reads from outside (a weight, the batch or a constant)`;
      produced.add(o.buffer);
    }
  }
  return null;
}
