/**
 * A Table as aligned text, the way pandas prints a DataFrame: header, row labels, numbers
 * right-aligned with a shared number of decimals, '...' rows when it is long.
 */
import type { ColumnKind, ColumnValues } from './table-columns.js';

export interface ToStringOptions {
  /** Longer tables show their first and last maxRows/2 rows around a '...' line. Default 10. */
  maxRows?: number;
  /** Longest cell text before it is cut with '...'. Default 24. */
  maxCellWidth?: number;
}

/** What formatTable needs of a table: column names and values, row labels. */
export interface TableText {
  readonly names: readonly string[];
  readonly labels: readonly string[];
  column(name: string): { kind: ColumnKind; values: ColumnValues };
}

/** Aligned text like pandas prints: header, row labels, numbers right-aligned, '...' when long. */
export function formatTable(table: TableText, options: ToStringOptions = {}): string {
  const maxRows = options.maxRows ?? 10;
  const maxCell = options.maxCellWidth ?? 24;
  const n = table.labels.length;
  const truncated = n > maxRows;
  const shown = truncated
    ? [...Array.from({ length: Math.ceil(maxRows / 2) }, (_, i) => i), ...Array.from({ length: Math.floor(maxRows / 2) }, (_, i) => n - Math.floor(maxRows / 2) + i)]
    : Array.from({ length: n }, (_, i) => i);
  const clip = (s: string): string => (s.length > maxCell ? `${s.slice(0, maxCell - 3)}...` : s);
  const columns: { header: string; cells: string[]; right: boolean }[] = [
    { header: '', cells: shown.map((i) => table.labels[i]!), right: false },
  ];
  for (const name of table.names) {
    const c = table.column(name);
    const cells = c.kind === 'number'
      ? formatNumberColumn(shown.map((i) => (c.values as number[])[i]!))
      : shown.map((i) => ((c.values as (string | null)[])[i] ?? 'NaN'));
    columns.push({ header: clip(name), cells: cells.map(clip), right: c.kind === 'number' });
  }
  const widths = columns.map((c) => Math.max(c.header.length, ...c.cells.map((s) => s.length), truncated ? 3 : 0));
  const pad = (s: string, w: number, right: boolean): string => (right ? s.padStart(w) : s.padEnd(w));
  const line = (cells: string[]): string => cells.map((s, j) => pad(s, widths[j]!, j > 0)).join('  ').trimEnd();
  const lines = [line(columns.map((c) => c.header))];
  shown.forEach((_, r) => {
    if (truncated && r === Math.ceil(maxRows / 2)) lines.push(line(columns.map(() => '...')));
    lines.push(line(columns.map((c) => c.cells[r]!)));
  });
  if (truncated || n === 0) lines.push('', `[${n} rows x ${table.names.length} columns]`);
  return lines.join('\n');
}

/** Formats a numeric column like pandas: integers plainly, floats with a shared number of decimals. */
export function formatNumberColumn(values: readonly number[]): string[] {
  const finite = values.filter((v) => Number.isFinite(v));
  const special = (v: number): string => (Number.isNaN(v) ? 'NaN' : v > 0 ? 'inf' : '-inf');
  const hasMissing = finite.length !== values.length;
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const minAbs = finite.filter((v) => v !== 0).reduce((m, v) => Math.min(m, Math.abs(v)), Infinity);
  if (maxAbs >= 1e16 || (minAbs < 1e-4 && minAbs !== Infinity)) {
    return values.map((v) => (Number.isFinite(v) ? v.toExponential(6) : special(v)));
  }
  if (!hasMissing && finite.every((v) => Number.isInteger(v))) return values.map((v) => String(v));
  let decimals = 1;
  while (decimals < 6 && !finite.every((v) => Math.abs(Number(v.toFixed(decimals)) - v) <= 1e-9 * Math.max(1, Math.abs(v)))) decimals++;
  return values.map((v) => (Number.isFinite(v) ? v.toFixed(decimals) : special(v)));
}
