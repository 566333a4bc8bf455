/**
 * Input checks shared by the stats module. Every message names the function,
 * the argument and the offending position, so a student sees what to fix.
 */

/** Throws unless `data` is a non-empty list of finite numbers. */
export function checkFiniteVector(where: string, name: string, data: ArrayLike<number>): void {
  if (data === null || data === undefined || typeof data.length !== 'number') {
    throw new Error(`${where}: ${name} must be an array of numbers`);
  }
  if (data.length === 0) throw new Error(`${where}: ${name} is empty; at least one value is needed`);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(`${where}: ${name}[${i}] is ${describe(v)}; every value must be a finite number`);
    }
  }
}

/**
 * Throws unless X is a non-empty rectangular matrix of finite numbers.
 * Returns the number of columns.
 */
export function checkFiniteMatrix(where: string, name: string, X: ReadonlyArray<ArrayLike<number>>): number {
  if (!Array.isArray(X)) throw new Error(`${where}: ${name} must be an array of rows (number[][])`);
  if (X.length === 0) throw new Error(`${where}: ${name} has no rows`);
  const first = X[0];
  if (first === undefined || typeof first.length !== 'number') {
    throw new Error(`${where}: ${name}[0] is not a row of numbers`);
  }
  const width = first.length;
  if (width === 0) throw new Error(`${where}: ${name} has rows with no columns`);
  for (let r = 0; r < X.length; r++) {
    const row = X[r];
    if (row === undefined || row === null || typeof row.length !== 'number') {
      throw new Error(`${where}: ${name}[${r}] is not a row of numbers`);
    }
    if (row.length !== width) {
      throw new Error(
        `${where}: ${name} is ragged: row ${r} has ${row.length} values but row 0 has ${width}`,
      );
    }
    for (let c = 0; c < width; c++) {
      const v = row[c];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Error(`${where}: ${name}[${r}][${c}] is ${describe(v)}; every value must be a finite number`);
      }
    }
  }
  return width;
}

/** Throws unless X has exactly `width` columns (used at predict time). */
export function checkWidth(where: string, name: string, width: number, expected: number): void {
  if (width !== expected) {
    throw new Error(`${where}: ${name} has ${width} columns but the model was fitted on ${expected}`);
  }
}

function describe(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (v === undefined) return 'missing (undefined)';
  if (v === null) return 'null';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Mean with a second compensating pass (accurate even when values share a large offset). */
export function mean(data: ArrayLike<number>): number {
  const n = data.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += data[i]!;
  const rough = sum / n;
  let correction = 0;
  for (let i = 0; i < n; i++) correction += data[i]! - rough;
  return rough + correction / n;
}

/** Σ (x − m)² for a given centre m. */
export function sumSquaredDeviations(data: ArrayLike<number>, centre: number): number {
  let ss = 0;
  for (let i = 0; i < data.length; i++) {
    const d = data[i]! - centre;
    ss += d * d;
  }
  return ss;
}
