/**
 * Printing tensors the way NumPy and TensorFlow do: nested brackets, values aligned in columns,
 * large tensors summarised with '...' (the first and last 3 entries of each long axis, as NumPy
 * above 1000 elements), then the shape and dtype:
 *   Tensor(
 *   [[1.   2.5 ]
 *    [3.   4.  ]], shape=(2, 2), dtype=float32)
 */
import type { DType, TypedData } from './dtype.js';

const THRESHOLD = 1000;
const EDGE = 3;

function formatNumber(v: number, dtype: DType, decimals: number): string {
  if (dtype === 'int32') return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Math.abs(v) >= 1e8 || (v !== 0 && Math.abs(v) < 1e-4)) return v.toExponential(4).replace(/\.?0+e/, 'e');
  if (decimals === 0) return `${v.toFixed(0)}.`;
  // NumPy aligns the decimal points: trailing zeros become spaces.
  const s = v.toFixed(decimals);
  const trimmed = s.replace(/0+$/, '');
  return trimmed.padEnd(s.length);
}

/** How many decimals the shown values need (at most 4, as NumPy's default print precision after trimming). */
function decimalsFor(values: number[]): number {
  let d = 0;
  for (const v of values) {
    if (!Number.isFinite(v) || Number.isInteger(v)) continue;
    const s = v.toFixed(4).replace(/0+$/, '');
    d = Math.max(d, s.length - s.indexOf('.') - 1);
  }
  return d;
}

/** The indices shown along an axis of length n (all, or the first and last EDGE with a gap marked -1). */
function shownIndices(n: number, summarise: boolean): number[] {
  if (!summarise || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: EDGE }, (_, i) => i), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)];
}

export function formatValues(data: TypedData, shape: readonly number[], dtype: DType): string {
  const size = data.length;
  const summarise = size > THRESHOLD;
  if (shape.length === 0) return formatNumber(data[0]!, dtype, decimalsFor([data[0]!]));
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  // Collect the shown values first, so every column gets the same width.
  const shown: number[] = [];
  const collect = (offset: number, axis: number): void => {
    if (axis === shape.length) {
      shown.push(data[offset]!);
      return;
    }
    for (const i of shownIndices(shape[axis]!, summarise)) if (i >= 0) collect(offset + i * strides[axis]!, axis + 1);
  };
  collect(0, 0);
  const decimals = decimalsFor(shown);
  const texts = shown.map((v) => formatNumber(v, dtype, decimals));
  const width = Math.max(...texts.map((t) => t.length));
  let k = 0;
  const render = (axis: number, indent: string): string => {
    const n = shape[axis]!;
    if (axis === shape.length - 1) {
      const parts = shownIndices(n, summarise).map((i) => (i < 0 ? '...' : texts[k++]!.padStart(width)));
      return `[${parts.join(' ')}]`;
    }
    const sep = '\n'.repeat(shape.length - axis - 1);
    const rows = shownIndices(n, summarise).map((i) => (i < 0 ? '...' : render(axis + 1, `${indent} `)));
    return `[${rows.join(`${sep}${indent} `)}]`;
  };
  return render(0, '');
}

export function formatTensor(data: TypedData, shape: readonly number[], dtype: DType): string {
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  const body = formatValues(data, shape, dtype);
  return shape.length <= 1 && body.length < 60
    ? `Tensor(${body}, shape=${shapeText}, dtype=${dtype})`
    : `Tensor(\n${body}, shape=${shapeText}, dtype=${dtype})`;
}
