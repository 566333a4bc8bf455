/** Reading layer configs back (deserialization): typed getters with errors naming the key. */
import type { JsonValue, LayerConfig } from '../layer.js';

export const str = (c: LayerConfig, k: string): string | undefined => (typeof c[k] === 'string' ? (c[k] as string) : undefined);

export function num(c: LayerConfig, k: string): number {
  const v = c[k];
  if (typeof v !== 'number') throw new Error(`layer config: '${k}' must be a number`);
  return v;
}

export const optNum = (c: LayerConfig, k: string): number | undefined => (c[k] === undefined || c[k] === null ? undefined : num(c, k));

export function nums(c: LayerConfig, k: string): number[] {
  const v = c[k];
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'number')) throw new Error(`layer config: '${k}' must be a list of numbers`);
  return v as number[];
}

/** A pair [a, b] (Keras saves kernel_size, strides, ... as tuples) or a single number. */
export function pairOf(c: LayerConfig, k: string): [number, number] | undefined {
  const v = c[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return [v, v];
  const list = nums(c, k);
  if (list.length !== 2) throw new Error(`layer config: '${k}' must be a pair of numbers, got ${JSON.stringify(v)}`);
  return [list[0]!, list[1]!];
}

export const bool = (c: LayerConfig, k: string, fallback: boolean): boolean => (typeof c[k] === 'boolean' ? (c[k] as boolean) : fallback);

/** The arguments every layer takes back from its config. */
export const base = (c: LayerConfig): { name?: string; trainable: boolean } => ({ name: str(c, 'name'), trainable: c['trainable'] !== false });

export type { JsonValue };
