/** Dropping incomplete rows with a report of what went, for commands and examples that say what they did to the data. */
import type { Table } from './table.js';

/** Drops rows with a missing value in any of `columns` and says how many went, per column. */
export function dropMissing(table: Table, columns: readonly string[], print: (line: string) => void = console.log): Table {
  const kept = table.dropna(columns);
  const dropped = table.numRows - kept.numRows;
  if (dropped > 0) {
    const missing = table.select(columns).missing();
    const perColumn = Object.entries(missing).filter(([, k]) => k > 0).map(([c, k]) => `${c}: ${k}`).join(', ');
    print(`Dropped ${dropped} of ${table.numRows} rows with missing values (missing per column: ${perColumn}); ${kept.numRows} rows left.`);
  } else {
    print(`No missing values in the ${columns.length} columns used; ${kept.numRows} rows.`);
  }
  if (kept.numRows < 4) throw new Error(`only ${kept.numRows} complete rows: too few to train and test`);
  return kept;
}
