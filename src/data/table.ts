/**
 * A small pandas-like table: named columns, each either numbers (NaN = missing) or strings
 * (null = missing). Immutable: every operation returns a new Table. Pure TypeScript.
 */
import { DEFAULT_NA_VALUES, formatCsv, parseCsv, type ParseCsvOptions } from './csv.js';
import { Tensor } from '../tensor/tensor.js';
import { toRng } from '../tensor/random.js';
import {
  cellsToColumn, inferColumn, isMissing, quantileSorted,
  type Cell, type ColumnKind, type ColumnValues, type Row, type StoredColumn,
} from './table-columns.js';
import { formatTable, type ToStringOptions } from './table-format.js';

export type { Cell, ColumnKind, ColumnValues, Row } from './table-columns.js';
export { parseNumber, quantileSorted } from './table-columns.js';
export { formatNumberColumn, type ToStringOptions } from './table-format.js';

export interface TableFromCsvOptions extends ParseCsvOptions {
  /** Force the kind of some columns (e.g. keep zip codes as strings). */
  kinds?: Record<string, ColumnKind>;
}

export interface SampleOptions {
  n?: number;
  frac?: number;
  seed?: number;
}

export const DESCRIBE_STATISTICS = ['count', 'mean', 'std', 'min', '25%', '50%', '75%', 'max'] as const;

export class Table {
  private readonly names: string[];
  private readonly data: Map<string, StoredColumn>;
  /** Row labels shown by toString (pandas' index): original row numbers survive sample/dropna. */
  private readonly labels: string[];

  private constructor(names: string[], data: Map<string, StoredColumn>, labels?: string[]) {
    this.names = names;
    this.data = data;
    const n = names.length === 0 ? 0 : data.get(names[0]!)!.values.length;
    for (const name of names) {
      const length = data.get(name)!.values.length;
      if (length !== n) throw new Error(`Table: column "${name}" has ${length} values, column "${names[0]}" has ${n}`);
    }
    this.labels = labels ?? Array.from({ length: n }, (_, i) => String(i));
  }

  /** Parses CSV text and infers each column's kind ('number' if every non-missing value is numeric). */
  static fromCsv(text: string, options: TableFromCsvOptions = {}): Table {
    const { columns, rows } = parseCsv(text, options);
    const data = new Map<string, StoredColumn>();
    for (const name of Object.keys(options.kinds ?? {})) {
      if (!columns.includes(name)) throw new Error(`${options.name ?? 'CSV'}: kinds names unknown column "${name}"`);
    }
    columns.forEach((name, j) => {
      const cells = rows.map((r) => r[j]!);
      data.set(name, inferColumn(cells, options.kinds?.[name], name));
    });
    return new Table(columns, data);
  }

  /** Builds a table from whole columns; number arrays become number columns. */
  static fromColumns(columns: Record<string, readonly Cell[]>): Table {
    const data = new Map<string, StoredColumn>();
    for (const [name, cells] of Object.entries(columns)) data.set(name, cellsToColumn(cells));
    return new Table(Object.keys(columns), data);
  }

  /** Builds a table from column names and rows of cells. */
  static fromRows(columns: readonly string[], rows: readonly (readonly Cell[])[]): Table {
    if (new Set(columns).size !== columns.length) throw new Error(`Table.fromRows: duplicate column names in [${columns.join(', ')}]`);
    rows.forEach((row, i) => {
      if (row.length !== columns.length) {
        throw new Error(`Table.fromRows: row ${i} has ${row.length} cells, expected ${columns.length}`);
      }
    });
    const data = new Map<string, StoredColumn>();
    columns.forEach((name, j) => data.set(name, cellsToColumn(rows.map((r) => r[j]!))));
    return new Table([...columns], data);
  }

  /** Builds a table from records (like JSON data); absent keys and null are missing. */
  static fromObjects(objects: readonly Record<string, unknown>[], columns?: readonly string[]): Table {
    const names = columns ? [...columns] : [...new Set(objects.flatMap((o) => Object.keys(o)))];
    const rows = objects.map((o, i) =>
      names.map((name): Cell => {
        const v = o[name];
        if (v === undefined || v === null) return null;
        if (typeof v === 'number' || typeof v === 'string') return v;
        if (typeof v === 'boolean') return String(v);
        throw new Error(`Table.fromObjects: record ${i} field "${name}" is a ${typeof v}, not a number or string`);
      }),
    );
    return Table.fromRows(names, rows);
  }

  get columns(): string[] {
    return [...this.names];
  }

  get numRows(): number {
    return this.labels.length;
  }

  get shape(): [number, number] {
    return [this.numRows, this.names.length];
  }

  private stored(name: string): StoredColumn {
    const column = this.data.get(name);
    if (column === undefined) {
      throw new Error(`Table: no column "${name}" (columns: ${this.names.join(', ')})`);
    }
    return column;
  }

  kind(name: string): ColumnKind {
    return this.stored(name).kind;
  }

  /** A copy of a column's values. */
  column(name: string): ColumnValues {
    return this.stored(name).values.slice() as ColumnValues;
  }

  /** A numeric column's values (NaN = missing); throws for a string column. */
  numbers(name: string): number[] {
    const c = this.stored(name);
    if (c.kind !== 'number') throw new Error(`Table: column "${name}" holds strings, not numbers`);
    return (c.values as number[]).slice();
  }

  /** A column's values as strings (null = missing), whatever its kind. */
  strings(name: string): (string | null)[] {
    const c = this.stored(name);
    if (c.kind === 'string') return (c.values as (string | null)[]).slice();
    return (c.values as number[]).map((v) => (Number.isNaN(v) ? null : String(v)));
  }

  row(i: number): Row {
    if (!Number.isInteger(i) || i < 0 || i >= this.numRows) throw new Error(`Table: row ${i} out of range 0..${this.numRows - 1}`);
    const out: Row = {};
    for (const name of this.names) out[name] = this.data.get(name)!.values[i]!;
    return out;
  }

  toObjects(): Row[] {
    return Array.from({ length: this.numRows }, (_, i) => this.row(i));
  }

  /** Rows at the given positions, in that order (positions may repeat). */
  take(indices: ArrayLike<number>): Table {
    const n = this.numRows;
    const idx = Array.from(indices);
    for (const i of idx) if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`Table.take: row ${i} out of range 0..${n - 1}`);
    const data = new Map<string, StoredColumn>();
    for (const name of this.names) {
      const c = this.data.get(name)!;
      data.set(name, { kind: c.kind, values: idx.map((i) => c.values[i]!) as ColumnValues });
    }
    return new Table([...this.names], data, idx.map((i) => this.labels[i]!));
  }

  select(names: readonly string[]): Table {
    const data = new Map<string, StoredColumn>();
    for (const name of names) data.set(name, this.stored(name));
    if (data.size !== names.length) throw new Error(`Table.select: duplicate column names in [${names.join(', ')}]`);
    return new Table([...names], data, this.labels);
  }

  /**
   * pandas' drop: columns by name (drop('a'), drop(['a', 'b']), drop({ columns: [...] })) or rows
   * by index label (drop({ index: [0, 5] }); labels are the original row numbers shown by toString).
   */
  drop(names: string | readonly string[] | { columns?: readonly string[]; index?: readonly (number | string)[] }): Table {
    if (typeof names === 'string' || Array.isArray(names)) {
      const list = typeof names === 'string' ? [names] : (names as readonly string[]);
      for (const name of list) this.stored(name);
      return this.select(this.names.filter((n) => !list.includes(n)));
    }
    const spec = names as { columns?: readonly string[]; index?: readonly (number | string)[] };
    let t: Table = this;
    if (spec.index) {
      const labels = new Set(spec.index.map(String));
      for (const l of labels) if (!this.labels.includes(l)) throw new Error(`Table.drop: no row labelled ${l}`);
      t = t.take(this.labels.flatMap((l, i) => (labels.has(l) ? [] : [i])));
    }
    return spec.columns ? t.drop(spec.columns) : t;
  }

  /** pandas' rename(columns={old: new}): a copy with columns renamed (order kept). */
  rename(mapping: { readonly [old: string]: string } | { columns: { readonly [old: string]: string } }): Table {
    const m = ('columns' in mapping && typeof mapping.columns === 'object' ? mapping.columns : mapping) as { readonly [old: string]: string };
    for (const old of Object.keys(m)) this.stored(old);
    const names = this.names.map((n) => m[n] ?? n);
    if (new Set(names).size !== names.length) throw new Error(`Table.rename: the new names [${names.join(', ')}] repeat a column name`);
    const data = new Map<string, StoredColumn>();
    this.names.forEach((n, i) => data.set(names[i]!, this.data.get(n)!));
    return new Table(names, data, this.labels);
  }

  /**
   * pandas' assign: a copy with columns added or replaced, each given as values or as a function
   * of the table (df.assign(ratio=lambda d: d.a / d.b) is assign({ ratio: (t) => ... })).
   */
  assign(columns: { readonly [name: string]: readonly Cell[] | ((t: Table) => readonly Cell[]) }): Table {
    let t: Table = this;
    for (const [name, v] of Object.entries(columns)) t = t.withColumn(name, typeof v === 'function' ? v(t) : v);
    return t;
  }

  /** df[name] = df[name].map(fn): a copy with one column's values mapped (missing values included). */
  map(name: string, fn: (value: Cell, index: number) => Cell): Table {
    return this.withColumn(name, this.stored(name).values.map((v, i) => fn(v as Cell, i)));
  }

  /** The given numeric columns (default all) as a float32 Tensor [rows, columns], ready for fit. */
  toTensor(columns: string | readonly string[] = this.names): Tensor {
    const list = typeof columns === 'string' ? [columns] : columns;
    const m = this.toMatrix(list);
    return new Tensor(Float32Array.from(m), typeof columns === 'string' ? [this.numRows] : [this.numRows, list.length]);
  }

  /** A copy with a column added or replaced. */
  withColumn(name: string, values: readonly Cell[]): Table {
    if (values.length !== this.numRows) throw new Error(`Table.withColumn: "${name}" has ${values.length} values, table has ${this.numRows} rows`);
    const data = new Map(this.data);
    data.set(name, cellsToColumn(values));
    return new Table(this.names.includes(name) ? [...this.names] : [...this.names, name], data, this.labels);
  }

  filter(predicate: (row: Row, index: number) => boolean): Table {
    const keep: number[] = [];
    for (let i = 0; i < this.numRows; i++) if (predicate(this.row(i), i)) keep.push(i);
    return this.take(keep);
  }

  /** Drops rows with a missing value in any of `subset` (default: all columns). */
  dropna(subset: readonly string[] = this.names): Table {
    const columns = subset.map((name) => this.stored(name).values);
    const keep: number[] = [];
    for (let i = 0; i < this.numRows; i++) if (columns.every((values) => !isMissing(values[i]!))) keep.push(i);
    return this.take(keep);
  }

  head(n = 5): Table {
    return this.take(Array.from({ length: Math.min(Math.max(n, 0), this.numRows) }, (_, i) => i));
  }

  tail(n = 5): Table {
    const count = Math.min(Math.max(n, 0), this.numRows);
    return this.take(Array.from({ length: count }, (_, i) => this.numRows - count + i));
  }

  /** Missing values per column. */
  missing(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of this.names) out[name] = this.data.get(name)!.values.filter((v) => isMissing(v)).length;
    return out;
  }

  /** Distinct non-missing values of a column with their counts, most frequent first. */
  valueCounts(name: string): Map<string | number, number> {
    const counts = new Map<string | number, number>();
    for (const v of this.stored(name).values) if (!isMissing(v)) counts.set(v!, (counts.get(v!) ?? 0) + 1);
    return new Map([...counts].sort((a, b) => b[1] - a[1]));
  }

  /** Random rows without replacement: `sample(10, seed)` or `sample({ frac: 0.2, seed })`. */
  sample(countOrOptions: number | SampleOptions, seed?: number): Table {
    const options: SampleOptions = typeof countOrOptions === 'number' ? { n: countOrOptions, seed } : countOrOptions;
    const count = this.sampleSize(options);
    return this.take(toRng(options.seed).permutation(this.numRows).subarray(0, count));
  }

  private sampleSize(options: SampleOptions): number {
    if ((options.n === undefined) === (options.frac === undefined)) throw new Error('Table.sample: give exactly one of n or frac');
    if (options.n !== undefined) {
      if (!Number.isInteger(options.n) || options.n < 0 || options.n > this.numRows) {
        throw new Error(`Table.sample: n must be an integer in 0..${this.numRows}, got ${options.n}`);
      }
      return options.n;
    }
    const frac = options.frac!;
    if (!(frac >= 0 && frac <= 1)) throw new Error(`Table.sample: frac must be in [0, 1], got ${frac}`);
    return Math.round(frac * this.numRows);
  }

  /**
   * Randomly takes round(fraction × rows) rows; returns [taken, rest], the rest in original order
   * (pandas: `train = df.sample(frac=0.8, random_state=seed); test = df.drop(train.index)`).
   */
  split(fraction: number, seed?: number): [Table, Table] {
    const count = this.sampleSize({ frac: fraction });
    const order = toRng(seed).permutation(this.numRows);
    const taken = order.subarray(0, count);
    const chosen = new Uint8Array(this.numRows);
    for (const i of taken) chosen[i] = 1;
    const rest: number[] = [];
    for (let i = 0; i < this.numRows; i++) if (!chosen[i]) rest.push(i);
    return [this.take(taken), this.take(rest)];
  }

  /** Summary statistics of the numeric columns, like pandas' describe(). */
  describe(): Table {
    const numeric = this.names.filter((n) => this.data.get(n)!.kind === 'number');
    if (numeric.length === 0) throw new Error('Table.describe: no numeric columns');
    const data = new Map<string, StoredColumn>();
    for (const name of numeric) {
      const values = (this.data.get(name)!.values as number[]).filter((v) => !Number.isNaN(v));
      const sorted = Float64Array.from(values).sort();
      const n = sorted.length;
      let mean = 0;
      for (const v of sorted) mean += v;
      mean = n > 0 ? mean / n : NaN;
      let ss = 0;
      for (const v of sorted) ss += (v - mean) * (v - mean);
      const std = n > 1 ? Math.sqrt(ss / (n - 1)) : NaN;
      const stats = [n, mean, std, n ? sorted[0]! : NaN, quantileSorted(sorted, 0.25), quantileSorted(sorted, 0.5),
        quantileSorted(sorted, 0.75), n ? sorted[n - 1]! : NaN];
      data.set(name, { kind: 'number', values: stats });
    }
    return new Table(numeric, data, [...DESCRIBE_STATISTICS]);
  }

  /** Row-major numeric matrix of the given columns; throws on string columns or missing values. */
  toMatrix(columns: readonly string[] = this.names): Float64Array {
    const n = this.numRows;
    const out = new Float64Array(n * columns.length);
    columns.forEach((name, j) => {
      const c = this.stored(name);
      if (c.kind !== 'number') throw new Error(`Table.toMatrix: column "${name}" holds strings; encode it first (e.g. OneHotEncoder)`);
      const values = c.values as number[];
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (Number.isNaN(v)) {
          throw new Error(`Table.toMatrix: column "${name}" has a missing value at row ${this.labels[i]}; use dropna() first`);
        }
        out[i * columns.length + j] = v;
      }
    });
    return out;
  }

  /** The same data as rows of numbers (number[][]). */
  toArrays(columns: readonly string[] = this.names): number[][] {
    const flat = this.toMatrix(columns);
    const d = columns.length;
    return Array.from({ length: this.numRows }, (_, i) => Array.from(flat.subarray(i * d, (i + 1) * d)));
  }

  toCsv(): string {
    return formatCsv(this.names, this.toObjects().map((r) => this.names.map((n) => r[n]!)));
  }

  /** Aligned text like pandas prints: header, row labels, numbers right-aligned, '...' when long. */
  toString(options: ToStringOptions = {}): string {
    return formatTable({ names: this.names, labels: this.labels, column: (name) => this.data.get(name)! }, options);
  }
}


export { DEFAULT_NA_VALUES };
