/** model.summary() in Keras 3's table format. */
import type { Layer, LayerShape } from '../nn/layer.js';

export interface SummaryRow {
  name: string;
  type: string;
  /** null: not known yet (a subclassed model not called yet), printed '?' as Keras does. */
  outputShape: LayerShape | null;
  params: number;
  /** Functional models: the inputs of the layer's calls, as layer[call][0]. */
  connectedTo?: string[];
}

const formatInt = (n: number): string => n.toLocaleString('en-US');

/** Bytes as Keras prints them: 868.69 KB (base 1024). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
}

export function formatLayerShape(s: LayerShape): string {
  const parts = s.map((d) => (d === null ? 'None' : String(d)));
  return `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
}

export function summaryTable(modelName: string, rows: SummaryRow[], trainable: number, nonTrainable: number, connected = false): string {
  const headers = ['Layer (type)', 'Output Shape', 'Param #', ...(connected ? ['Connected to'] : [])];
  // A cell may span several lines (several "Connected to" entries).
  const cells = rows.map((r) => [
    [`${r.name} (${r.type})`], [r.outputShape ? formatLayerShape(r.outputShape) : '?'], [formatInt(r.params)],
    ...(connected ? [r.connectedTo && r.connectedTo.length > 0 ? r.connectedTo : ['-']] : []),
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.flatMap((c) => c[i]!.map((t) => t.length))) + 2);
  widths[0] = Math.max(widths[0]!, connected ? 25 : 33);
  widths[1] = Math.max(widths[1]!, connected ? 20 : 24);
  widths[2] = Math.max(widths[2]!, connected ? 11 : 15);
  const pad = (text: string, w: number, right: boolean): string => (right ? ` ${text.padStart(w - 2)} ` : ` ${text.padEnd(w - 2)} `);
  const line = (l: string, m: string, r: string, fill: string): string => l + widths.map((w) => fill.repeat(w)).join(m) + r;
  const out: string[] = [`Model: "${modelName}"`];
  out.push(line('┏', '┳', '┓', '━'));
  out.push('┃' + headers.map((h, i) => pad(h, widths[i]!, i === 2)).join('┃') + '┃');
  out.push(line('┡', '╇', '┩', '━'));
  cells.forEach((c, ri) => {
    const height = Math.max(...c.map((col) => col.length));
    for (let k = 0; k < height; k++) out.push('│' + c.map((col, i) => pad(col[k] ?? '', widths[i]!, i === 2)).join('│') + '│');
    if (ri < cells.length - 1) out.push(line('├', '┼', '┤', '─'));
  });
  out.push(line('└', '┴', '┘', '─'));
  const total = trainable + nonTrainable;
  out.push(` Total params: ${formatInt(total)} (${formatBytes(total * 4)})`);
  out.push(` Trainable params: ${formatInt(trainable)} (${formatBytes(trainable * 4)})`);
  out.push(` Non-trainable params: ${formatInt(nonTrainable)} (${formatBytes(nonTrainable * 4)})`);
  return out.join('\n');
}

export function layerRows(layers: readonly Layer[], inputShape: LayerShape): SummaryRow[] {
  let shape = inputShape;
  return layers.map((l) => {
    shape = l.computeOutputShape(shape) as LayerShape;
    return { name: l.name, type: l.className, outputShape: shape, params: l.countParams() };
  });
}
