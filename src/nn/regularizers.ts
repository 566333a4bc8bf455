/**
 * Weight and activity regularizers (keras.regularizers): a penalty added to the training loss.
 * Keras 3 names and defaults: L1(l1=0.01) = l1·Σ|x|, L2(l2=0.01) = l2·Σx² (no ½), L1L2(l1=0, l2=0).
 * Identifiers: an instance, 'l1' / 'l2' / 'l1_l2' (also 'L1', 'L2', 'L1L2', 'l1l2'), or a
 * serialized { className, config }. The string 'l1_l2' and the function l1l2() use 0.01 for
 * both factors, as Keras 2's l1_l2() and tfjs' l1l2() do (Keras 3's L1L2() class defaults to 0, 0).
 */
import type { Tensor } from '../tensor/tensor.js';
import { ops } from '../autograd/index.js';
import type { JsonValue } from './layer.js';

export interface SerializedRegularizer {
  className: 'L1' | 'L2' | 'L1L2';
  config: { l1?: number; l2?: number };
}

function factor(v: number | undefined, fallback: number, what: string): number {
  const f = v ?? fallback;
  if (!(f >= 0) || !Number.isFinite(f)) throw new Error(`${what} must be a finite number ≥ 0, got ${f}`);
  return f;
}

export abstract class Regularizer {
  abstract readonly className: 'L1' | 'L2' | 'L1L2';
  abstract readonly l1: number;
  abstract readonly l2: number;

  /** The penalty for x: a scalar tensor, differentiable (Keras' regularizer(x)). */
  apply(x: Tensor): Tensor {
    let total: Tensor | null = null;
    if (this.l1 !== 0) total = ops.mul(ops.sum(ops.abs(x)), this.l1);
    if (this.l2 !== 0) {
      const l2 = ops.mul(ops.sum(ops.square(x)), this.l2);
      total = total ? ops.add(total, l2) : l2;
    }
    return total ?? ops.mul(ops.sum(x), 0);
  }

  abstract getConfig(): { l1?: number; l2?: number };
}

/** keras.regularizers.L1(l1=0.01): l1 · Σ|x|. */
export class L1 extends Regularizer {
  readonly className = 'L1';
  readonly l1: number;
  readonly l2 = 0;
  constructor(l1: number | { l1?: number } = {}) {
    super();
    this.l1 = factor(typeof l1 === 'number' ? l1 : l1.l1, 0.01, 'L1: l1');
  }
  getConfig(): { l1: number } {
    return { l1: this.l1 };
  }
}

/** keras.regularizers.L2(l2=0.01): l2 · Σx². */
export class L2 extends Regularizer {
  readonly className = 'L2';
  readonly l1 = 0;
  readonly l2: number;
  constructor(l2: number | { l2?: number } = {}) {
    super();
    this.l2 = factor(typeof l2 === 'number' ? l2 : l2.l2, 0.01, 'L2: l2');
  }
  getConfig(): { l2: number } {
    return { l2: this.l2 };
  }
}

/** keras.regularizers.L1L2(l1=0.0, l2=0.0): l1 · Σ|x| + l2 · Σx². */
export class L1L2 extends Regularizer {
  readonly className = 'L1L2';
  readonly l1: number;
  readonly l2: number;
  constructor(args: { l1?: number; l2?: number } = {}) {
    super();
    this.l1 = factor(args.l1, 0, 'L1L2: l1');
    this.l2 = factor(args.l2, 0, 'L1L2: l2');
  }
  getConfig(): { l1: number; l2: number } {
    return { l1: this.l1, l2: this.l2 };
  }
}

/** keras.regularizers.l1(0.01) / tfjs' tf.regularizers.l1({ l1 }). */
export const l1 = (v: number | { l1?: number } = {}): L1 => new L1(v);
/** keras.regularizers.l2(0.01) / tfjs' tf.regularizers.l2({ l2 }). */
export const l2 = (v: number | { l2?: number } = {}): L2 => new L2(v);
/** tfjs' tf.regularizers.l1l2({ l1, l2 }) (Keras 2's l1_l2): both factors default to 0.01. */
export const l1l2 = (args: { l1?: number; l2?: number } = {}): L1L2 => new L1L2({ l1: args.l1 ?? 0.01, l2: args.l2 ?? 0.01 });

export type RegularizerName = 'l1' | 'l2' | 'l1_l2' | 'l1l2' | 'L1' | 'L2' | 'L1L2';
export type RegularizerIdentifier = RegularizerName | Regularizer | SerializedRegularizer;

const BY_NAME: Record<RegularizerName, () => Regularizer> = {
  l1: () => new L1(), l2: () => new L2(), L1: () => new L1(), L2: () => new L2(),
  l1_l2: () => l1l2(), l1l2: () => l1l2(), L1L2: () => l1l2(),
};

const isRecord = (v: unknown): v is { [k: string]: unknown } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A regularizer from an identifier; null/undefined give null (no regularization). */
export function getRegularizer(id: RegularizerIdentifier | string | null | undefined, what = 'regularizer'): Regularizer | null {
  if (id === null || id === undefined) return null;
  if (id instanceof Regularizer) return id;
  if (typeof id === 'string') {
    const make = BY_NAME[id as RegularizerName];
    if (!make) throw new Error(`${what}: unknown regularizer '${id}' (known: ${Object.keys(BY_NAME).join(', ')}, or an instance such as regularizers.l2(0.01))`);
    return make();
  }
  if (isRecord(id)) return deserializeRegularizer(id as unknown as JsonValue, what);
  throw new Error(`${what}: expected a regularizer (e.g. regularizers.l2(0.01) or 'l2'), got ${typeof id}`);
}

/** The regularizer as deepts saves it in a layer config: { className, config }. */
export function serializeRegularizer(r: Regularizer | null): JsonValue {
  return r ? { className: r.className, config: r.getConfig() } : null;
}

/** Reads { className | class_name, config } (deepts, Keras 3 or tfjs: tfjs writes every one as L1L2). */
export function deserializeRegularizer(json: JsonValue, what = 'regularizer'): Regularizer | null {
  if (json === null) return null;
  if (typeof json === 'string') return getRegularizer(json, what);
  if (!isRecord(json)) throw new Error(`${what}: cannot read regularizer ${JSON.stringify(json)}`);
  const cls = json['className'] ?? json['class_name'];
  const config = isRecord(json['config']) ? json['config'] : {};
  const num = (k: string): number | undefined => (typeof config[k] === 'number' ? (config[k] as number) : undefined);
  if (cls === 'L1') return new L1(num('l1') ?? 0.01);
  if (cls === 'L2') return new L2(num('l2') ?? 0.01);
  if (cls === 'L1L2') return new L1L2({ l1: num('l1'), l2: num('l2') });
  throw new Error(`${what}: unknown regularizer class ${JSON.stringify(cls)} (deepts knows L1, L2, L1L2)`);
}
