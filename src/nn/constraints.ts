/**
 * Weight constraints (keras.constraints), applied to a weight after each optimizer step
 * (as Keras 3's optimizer does): w ← constraint(w). Keras 3 names and defaults:
 *   MaxNorm(maxValue=2, axis=0)    w · clip(‖w‖, 0, maxValue) / (ε + ‖w‖)
 *   NonNeg()                        w · (w ≥ 0)
 *   UnitNorm(axis=0)                w / (ε + ‖w‖)
 *   MinMaxNorm(minValue=0, maxValue=1, rate=1, axis=0)
 *                                   w · (rate · clip(‖w‖, min, max) + (1 − rate) · ‖w‖) / (ε + ‖w‖)
 * ‖w‖ is the L2 norm over `axis` (a number or a list; for a Dense kernel [in, out] axis 0 is
 * each unit's incoming weights; for a conv kernel [kH, kW, in, out] use [0, 1, 2]); ε = 1e-7.
 */
import type { JsonValue } from './layer.js';

const EPSILON = 1e-7;

export interface SerializedConstraint {
  className: 'MaxNorm' | 'NonNeg' | 'UnitNorm' | 'MinMaxNorm';
  config: { [k: string]: number | number[] };
}

/** The L2 norm over `axes` for every element's group, written back per element. */
function groupNorms(w: Float32Array, shape: readonly number[], axes: readonly number[]): Float32Array {
  const rank = shape.length;
  const reduced = new Set(axes.map((a) => {
    const ax = a < 0 ? a + rank : a;
    if (!(ax >= 0 && ax < rank)) throw new Error(`constraint: axis ${a} is out of range for a weight of shape [${shape.join(', ')}]`);
    return ax;
  }));
  // Key of an element = its flat index with the reduced axes' coordinates set to 0.
  const strides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  const keys = new Int32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    let key = 0;
    for (let d = 0; d < rank; d++) if (!reduced.has(d)) key += (Math.floor(i / strides[d]!) % shape[d]!) * strides[d]!;
    keys[i] = key;
  }
  const sums = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) sums[keys[i]!]! += w[i]! * w[i]!;
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = Math.sqrt(sums[keys[i]!]!);
  return out;
}

const axesOf = (axis: number | readonly number[]): number[] => (typeof axis === 'number' ? [axis] : [...axis]);

function checkAxis(axis: number | readonly number[], what: string): number | number[] {
  const list = axesOf(axis);
  if (list.length === 0 || !list.every(Number.isInteger)) throw new Error(`${what}: axis must be an integer or a list of integers, got ${JSON.stringify(axis)}`);
  return typeof axis === 'number' ? axis : list;
}

export abstract class Constraint {
  abstract readonly className: SerializedConstraint['className'];
  /** Projects the weight values in place (shape is the weight's shape). */
  abstract apply(w: Float32Array, shape: readonly number[]): void;
  abstract getConfig(): { [k: string]: number | number[] };
}

/** keras.constraints.MaxNorm(max_value=2, axis=0). */
export class MaxNorm extends Constraint {
  readonly className = 'MaxNorm';
  readonly maxValue: number;
  readonly axis: number | number[];
  constructor(args: { maxValue?: number; axis?: number | number[] } = {}) {
    super();
    this.maxValue = args.maxValue ?? 2;
    if (!(this.maxValue >= 0)) throw new Error(`MaxNorm: maxValue must be ≥ 0, got ${this.maxValue}`);
    this.axis = checkAxis(args.axis ?? 0, 'MaxNorm');
  }
  apply(w: Float32Array, shape: readonly number[]): void {
    const norms = groupNorms(w, shape, axesOf(this.axis));
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * (Math.min(norms[i]!, this.maxValue) / (EPSILON + norms[i]!));
  }
  getConfig(): { maxValue: number; axis: number | number[] } {
    return { maxValue: this.maxValue, axis: this.axis };
  }
}

/** keras.constraints.NonNeg(): negative weights become 0. */
export class NonNeg extends Constraint {
  readonly className = 'NonNeg';
  apply(w: Float32Array, _shape?: readonly number[]): void {
    for (let i = 0; i < w.length; i++) if (w[i]! < 0) w[i] = 0;
  }
  getConfig(): { [k: string]: number } {
    return {};
  }
}

/** keras.constraints.UnitNorm(axis=0). */
export class UnitNorm extends Constraint {
  readonly className = 'UnitNorm';
  readonly axis: number | number[];
  constructor(args: { axis?: number | number[] } = {}) {
    super();
    this.axis = checkAxis(args.axis ?? 0, 'UnitNorm');
  }
  apply(w: Float32Array, shape: readonly number[]): void {
    const norms = groupNorms(w, shape, axesOf(this.axis));
    for (let i = 0; i < w.length; i++) w[i] = w[i]! / (EPSILON + norms[i]!);
  }
  getConfig(): { axis: number | number[] } {
    return { axis: this.axis };
  }
}

/** keras.constraints.MinMaxNorm(min_value=0.0, max_value=1.0, rate=1.0, axis=0). */
export class MinMaxNorm extends Constraint {
  readonly className = 'MinMaxNorm';
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  readonly axis: number | number[];
  constructor(args: { minValue?: number; maxValue?: number; rate?: number; axis?: number | number[] } = {}) {
    super();
    this.minValue = args.minValue ?? 0;
    this.maxValue = args.maxValue ?? 1;
    this.rate = args.rate ?? 1;
    if (!(this.minValue >= 0 && this.maxValue >= this.minValue)) throw new Error(`MinMaxNorm: need 0 ≤ minValue ≤ maxValue, got ${this.minValue}, ${this.maxValue}`);
    if (!(this.rate >= 0 && this.rate <= 1)) throw new Error(`MinMaxNorm: rate must be in [0, 1], got ${this.rate}`);
    this.axis = checkAxis(args.axis ?? 0, 'MinMaxNorm');
  }
  apply(w: Float32Array, shape: readonly number[]): void {
    const norms = groupNorms(w, shape, axesOf(this.axis));
    for (let i = 0; i < w.length; i++) {
      const n = norms[i]!;
      const desired = this.rate * Math.min(Math.max(n, this.minValue), this.maxValue) + (1 - this.rate) * n;
      w[i] = w[i]! * (desired / (EPSILON + n));
    }
  }
  getConfig(): { minValue: number; maxValue: number; rate: number; axis: number | number[] } {
    return { minValue: this.minValue, maxValue: this.maxValue, rate: this.rate, axis: this.axis };
  }
}

/** keras.constraints.max_norm / tfjs' tf.constraints.maxNorm({ maxValue, axis }). */
export const maxNorm = (args: { maxValue?: number; axis?: number | number[] } = {}): MaxNorm => new MaxNorm(args);
export const nonNeg = (): NonNeg => new NonNeg();
export const unitNorm = (args: { axis?: number | number[] } = {}): UnitNorm => new UnitNorm(args);
export const minMaxNorm = (args: { minValue?: number; maxValue?: number; rate?: number; axis?: number | number[] } = {}): MinMaxNorm => new MinMaxNorm(args);

export type ConstraintName = 'max_norm' | 'maxNorm' | 'MaxNorm' | 'non_neg' | 'nonNeg' | 'NonNeg' | 'unit_norm' | 'unitNorm' | 'UnitNorm' | 'min_max_norm' | 'minMaxNorm' | 'MinMaxNorm';
export type ConstraintIdentifier = ConstraintName | Constraint | SerializedConstraint;

const isRecord = (v: unknown): v is { [k: string]: unknown } => typeof v === 'object' && v !== null && !Array.isArray(v);
const canonical = (s: string): string => s.replace(/_/g, '').toLowerCase();

function construct(cls: string, c: { [k: string]: unknown }, what: string): Constraint {
  const num = (...keys: string[]): number | undefined => {
    for (const k of keys) if (typeof c[k] === 'number') return c[k] as number;
    return undefined;
  };
  const axis = Array.isArray(c['axis']) ? (c['axis'] as number[]) : typeof c['axis'] === 'number' ? c['axis'] : undefined;
  switch (canonical(cls)) {
    case 'maxnorm': return new MaxNorm({ maxValue: num('maxValue', 'max_value'), axis });
    case 'nonneg': return new NonNeg();
    case 'unitnorm': return new UnitNorm({ axis });
    case 'minmaxnorm': return new MinMaxNorm({ minValue: num('minValue', 'min_value'), maxValue: num('maxValue', 'max_value'), rate: num('rate'), axis });
    default: throw new Error(`${what}: unknown constraint '${cls}' (known: MaxNorm, NonNeg, UnitNorm, MinMaxNorm)`);
  }
}

/** A constraint from an identifier ('max_norm', 'nonNeg', an instance, or { className, config }); null/undefined give null. */
export function getConstraint(id: ConstraintIdentifier | string | null | undefined, what = 'constraint'): Constraint | null {
  if (id === null || id === undefined) return null;
  if (id instanceof Constraint) return id;
  if (typeof id === 'string') return construct(id, {}, what);
  if (isRecord(id)) return deserializeConstraint(id as unknown as JsonValue, what);
  throw new Error(`${what}: expected a constraint (e.g. constraints.maxNorm({ maxValue: 2 }) or 'non_neg'), got ${typeof id}`);
}

export function serializeConstraint(c: Constraint | null): JsonValue {
  return c ? { className: c.className, config: c.getConfig() } : null;
}

/** Reads { className | class_name, config } as deepts, Keras 3 (snake_case) or tfjs (camelCase) wrote it. */
export function deserializeConstraint(json: JsonValue, what = 'constraint'): Constraint | null {
  if (json === null) return null;
  if (typeof json === 'string') return construct(json, {}, what);
  if (!isRecord(json)) throw new Error(`${what}: cannot read constraint ${JSON.stringify(json)}`);
  const cls = json['className'] ?? json['class_name'];
  if (typeof cls !== 'string') throw new Error(`${what}: constraint has no class name: ${JSON.stringify(json)}`);
  return construct(cls, isRecord(json['config']) ? json['config'] : {}, what);
}
