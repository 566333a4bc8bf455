/** Options shared by the tabular commands (regress, mle, linreg): the data argument and column names. */
import type { Table } from '../data/table.js';
import { BUILTIN_TABLES, loadTable } from '../datasets/tabular-node.js';

/** The single data argument: an existing CSV file, or a built-in data set name. */
export function loadTableArgument(positional: readonly string[], commandName: string): { table: Table; source: string } {
  if (positional.length !== 1) {
    throw new Error(`deepts ${commandName} needs exactly one data argument (a CSV file or one of: ${Object.keys(BUILTIN_TABLES).join(', ')}), got ${positional.length}`);
  }
  return loadTable(positional[0]!);
}

/**
 * Largest magnitude accepted in a numeric column. Beyond it the squares that least squares,
 * variances and the MSE compute overflow double precision (1e150² = 1e300, summed over rows),
 * so a run would end in Infinity/NaN after printing half its report.
 */
export const MAX_ABS_VALUE = 1e150;

/**
 * Checks the numeric columns a command will use, before it prints anything: ±Infinity (a CSV's
 * "Infinity", or a number like 1e309 that overflows) and magnitudes beyond MAX_ABS_VALUE are
 * errors naming the column and the row. Missing values (empty cells) are left to dropMissing.
 */
export function requireFiniteColumns(table: Table, columns: readonly string[], source: string): void {
  for (const c of columns) {
    if (table.kind(c) !== 'number') continue;
    const values = table.numbers(c);
    const i = values.findIndex((v) => !Number.isNaN(v) && !(Math.abs(v) <= MAX_ABS_VALUE));
    if (i < 0) continue;
    const v = values[i]!;
    const what = Number.isFinite(v) ? `${v}, beyond ±${MAX_ABS_VALUE} (its square overflows double precision)` : `${v} (a CSV value of "Infinity" or a number too large for double precision)`;
    throw new Error(`${source}: column '${c}', row ${i + 1} (counting data rows from 1) is ${what}; values must be finite numbers within ±${MAX_ABS_VALUE}: fix or remove that row, or rescale the column`);
  }
}

/** Reads a required column-name option and checks that the table has that column. */
export function requireColumn(table: Table, name: string | undefined, option: string): string {
  if (name === undefined || name === '') throw new Error(`--${option} COLUMN is required (columns: ${table.columns.join(', ')})`);
  if (!table.columns.includes(name)) throw new Error(`unknown column '${name}' for --${option} (columns: ${table.columns.join(', ')})`);
  return name;
}

/** The --features list (comma-separated), or every column except the excluded ones. */
export function featureColumns(table: Table, given: string | undefined, exclude: readonly string[]): string[] {
  if (given === undefined) return table.columns.filter((c) => !exclude.includes(c));
  const names = given.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) {
    if (!table.columns.includes(n)) throw new Error(`unknown column '${n}' in --features (columns: ${table.columns.join(', ')})`);
    if (exclude.includes(n)) throw new Error(`--features lists '${n}', which is the target`);
  }
  if (names.length === 0) throw new Error('--features is empty');
  return names;
}
