/**
 * A ColumnTransformer-like preprocessor for Tables: scales numeric columns and one-hot
 * encodes string columns, fitted on training rows and applied to new ones.
 */
import { MinMaxScaler, StandardScaler, OneHotEncoder, notFitted, type Category, type DenseMatrix64, type MinMaxScalerJSON, type StandardScalerJSON, type OneHotEncoderJSON } from './preprocessing.js';
import type { Table } from './table.js';

export interface TabularPreprocessorOptions {
  numeric?: 'minmax' | 'standard' | 'none';
  categorical?: 'onehot';
  handleUnknown?: 'error' | 'ignore';
}

export interface TabularPreprocessorJSON {
  type: 'TabularPreprocessor';
  numeric: 'minmax' | 'standard' | 'none';
  features: string[];
  numericFeatures: string[];
  categoricalFeatures: string[];
  scaler: MinMaxScalerJSON | StandardScalerJSON | null;
  encoder: OneHotEncoderJSON | null;
}

export interface EncodedFeatures {
  /** rows × featureNames.length, row-major float32, ready to wrap in a tensor. */
  data: Float32Array;
  rows: number;
  cols: number;
  featureNames: string[];
}

/**
 * ColumnTransformer-like: numeric columns scaled, string columns one-hot encoded, output
 * columns in the order the features were given (a categorical feature expands in place).
 */
export class TabularPreprocessor {
  readonly options: Required<TabularPreprocessorOptions>;
  private state?: {
    features: string[];
    numericFeatures: string[];
    categoricalFeatures: string[];
    scaler: MinMaxScaler | StandardScaler | null;
    encoder: OneHotEncoder | null;
  };

  constructor(options: TabularPreprocessorOptions = {}) {
    this.options = { numeric: options.numeric ?? 'standard', categorical: options.categorical ?? 'onehot', handleUnknown: options.handleUnknown ?? 'error' };
  }

  fit(table: Table, features: readonly string[]): this {
    const numericFeatures = features.filter((f) => table.kind(f) === 'number');
    const categoricalFeatures = features.filter((f) => table.kind(f) === 'string');
    let scaler: MinMaxScaler | StandardScaler | null = null;
    if (numericFeatures.length > 0 && this.options.numeric !== 'none') {
      scaler = this.options.numeric === 'minmax' ? new MinMaxScaler() : new StandardScaler();
      scaler.fit(numericMatrix(table, numericFeatures));
    }
    let encoder: OneHotEncoder | null = null;
    if (categoricalFeatures.length > 0) {
      encoder = new OneHotEncoder({ handleUnknown: this.options.handleUnknown });
      encoder.fit(categoryRows(table, categoricalFeatures), categoricalFeatures);
    }
    this.state = { features: [...features], numericFeatures, categoricalFeatures, scaler, encoder };
    return this;
  }

  get featureNames(): string[] {
    const s = this.state ?? notFitted('TabularPreprocessor');
    return s.features.flatMap((f) => {
      if (s.numericFeatures.includes(f)) return [f];
      const categories = s.encoder!.categories![s.categoricalFeatures.indexOf(f)]!;
      return categories.map((c) => `${f}=${c === null ? 'null' : c}`);
    });
  }

  transform(table: Table): EncodedFeatures {
    const s = this.state ?? notFitted('TabularPreprocessor');
    const numeric = s.numericFeatures.length > 0 ? numericMatrix(table, s.numericFeatures) : undefined;
    const scaled = numeric && s.scaler ? s.scaler.transform(numeric) : numeric;
    const oneHot = s.encoder ? s.encoder.transform(categoryRows(table, s.categoricalFeatures)) : undefined;
    const names = this.featureNames;
    const rows = table.numRows;
    const data = new Float32Array(rows * names.length);
    let out = 0;
    for (const f of s.features) {
      const j = s.numericFeatures.indexOf(f);
      if (j >= 0) {
        for (let i = 0; i < rows; i++) data[i * names.length + out] = scaled!.data[i * scaled!.cols + j]!;
        out++;
        continue;
      }
      const c = s.categoricalFeatures.indexOf(f);
      const start = s.encoder!.categories!.slice(0, c).reduce((acc, cats) => acc + cats.length, 0);
      const count = s.encoder!.categories![c]!.length;
      for (let i = 0; i < rows; i++) for (let k = 0; k < count; k++) data[i * names.length + out + k] = oneHot!.data[i * oneHot!.cols + start + k]!;
      out += count;
    }
    return { data, rows, cols: names.length, featureNames: names };
  }

  fitTransform(table: Table, features: readonly string[]): EncodedFeatures {
    return this.fit(table, features).transform(table);
  }

  toJSON(): TabularPreprocessorJSON {
    const s = this.state ?? notFitted('TabularPreprocessor');
    const scaler = s.scaler ? s.scaler.toJSON() : null;
    return { type: 'TabularPreprocessor', numeric: this.options.numeric, features: s.features, numericFeatures: s.numericFeatures, categoricalFeatures: s.categoricalFeatures, scaler, encoder: s.encoder ? s.encoder.toJSON() : null };
  }

  static fromJSON(json: TabularPreprocessorJSON): TabularPreprocessor {
    if (json.type !== 'TabularPreprocessor') throw new Error(`TabularPreprocessor.fromJSON: type is ${JSON.stringify(json.type)}`);
    const encoder = json.encoder ? OneHotEncoder.fromJSON(json.encoder) : null;
    const p = new TabularPreprocessor({ numeric: json.numeric, handleUnknown: encoder?.handleUnknown ?? 'error' });
    const scaler = json.scaler === null ? null : json.scaler.type === 'MinMaxScaler' ? MinMaxScaler.fromJSON(json.scaler) : StandardScaler.fromJSON(json.scaler);
    p.state = { features: json.features, numericFeatures: json.numericFeatures, categoricalFeatures: json.categoricalFeatures, scaler, encoder };
    return p;
  }
}

function numericMatrix(table: Table, names: readonly string[]): DenseMatrix64 {
  for (const name of names) {
    if (table.kind(name) !== 'number') throw new Error(`TabularPreprocessor: column "${name}" was numeric when fitted but now holds strings`);
  }
  return { data: table.toMatrix(names), rows: table.numRows, cols: names.length };
}

function categoryRows(table: Table, names: readonly string[]): Category[][] {
  const columns = names.map((n) => table.strings(n));
  return Array.from({ length: table.numRows }, (_, i) => columns.map((c) => c[i]!));
}
