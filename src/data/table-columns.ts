/**
 * The cells of a Table's columns: their kinds, reading a CSV field as a number the way pandas
 * does, inferring a column's kind from its texts, and pandas' default quantile.
 */
export type ColumnKind = 'number' | 'string';
export type Cell = number | string | null;
export type ColumnValues = number[] | (string | null)[];
export type Row = Record<string, Cell>;

export interface StoredColumn {
  kind: ColumnKind;
  values: ColumnValues;
}

const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|Infinity|Inf)$/;

/** Reads a field as a number, or undefined when it is not one (pandas-like, no hex or '1,5'). */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (!NUMBER_PATTERN.test(t)) return undefined;
  return /inf/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : Number(t);
}

/** pandas' default quantile: linear interpolation between closest ranks of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const position = (n - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (position - lo);
}

export function inferColumn(values: readonly (string | null)[], forced: ColumnKind | undefined, name: string): StoredColumn {
  if (forced === 'string') return { kind: 'string', values: values.slice() };
  const numbers = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === null) {
      numbers[i] = NaN;
      continue;
    }
    const x = parseNumber(v);
    if (x === undefined) {
      if (forced === 'number') throw new Error(`column "${name}" row ${i}: ${JSON.stringify(v)} is not a number`);
      return { kind: 'string', values: values.slice() };
    }
    numbers[i] = x;
  }
  return { kind: 'number', values: numbers };
}

export function cellsToColumn(cells: readonly Cell[]): StoredColumn {
  const allNumeric = cells.every((c) => c === null || typeof c === 'number');
  if (allNumeric) return { kind: 'number', values: cells.map((c) => (c === null ? NaN : (c as number))) };
  return {
    kind: 'string',
    values: cells.map((c) => (c === null || (typeof c === 'number' && Number.isNaN(c)) ? null : String(c))),
  };
}

export function isMissing(value: Cell): boolean {
  return value === null || (typeof value === 'number' && Number.isNaN(value));
}
