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
