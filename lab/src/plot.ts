/** Small canvas drawings: digits, probability bars, line charts, heatmaps. Sized for devicePixelRatio. */

export function ctx2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const c = canvas.getContext('2d');
  if (!c) throw new Error('this browser cannot draw on a canvas');
  return c;
}

/** Makes the canvas' backing store match its CSS size × devicePixelRatio; returns CSS width and height. */
export function fitCanvas(canvas: HTMLCanvasElement): { w: number; h: number; c: CanvasRenderingContext2D } {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width;
  const h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const c = ctx2d(canvas);
  c.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { w, h, c };
}

/** A 28×28 (or any square) grey image of values in [0, 1], light on black, nearest-neighbour scaled. */
export function drawDigit(canvas: HTMLCanvasElement, pixels: ArrayLike<number>, offset = 0, side = 28): void {
  const img = new ImageData(side, side);
  for (let i = 0; i < side * side; i++) {
    const v = Math.round(Math.min(1, Math.max(0, pixels[offset + i]!)) * 255);
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  const small = document.createElement('canvas');
  small.width = small.height = side;
  ctx2d(small).putImageData(img, 0, 0);
  const c = ctx2d(canvas);
  c.imageSmoothingEnabled = false;
  c.drawImage(small, 0, 0, canvas.width, canvas.height);
}

export interface Series {
  values: ArrayLike<number>;
  /** x position of each value (default 0, 1, 2, …). */
  xs?: ArrayLike<number>;
  color: string;
  label: string;
  width?: number;
  dots?: boolean;
}

/** A line chart with axes ticks at the extremes and a legend. */
export function lineChart(canvas: HTMLCanvasElement, series: Series[], opts: { xLabel?: string; xMax?: number; logY?: boolean } = {}): void {
  const { w, h, c } = fitCanvas(canvas);
  c.clearRect(0, 0, w, h);
  const pad = { l: 48, r: 10, t: 18, b: 22 };
  const tf = (v: number): number => (opts.logY ? Math.log10(Math.max(v, 1e-12)) : v);
  let [x0, x1, y0, y1] = [0, opts.xMax ?? 1, Infinity, -Infinity];
  for (const s of series) {
    for (let i = 0; i < s.values.length; i++) {
      const v = tf(s.values[i]!);
      if (!Number.isFinite(v)) continue;
      y0 = Math.min(y0, v);
      y1 = Math.max(y1, v);
      x1 = Math.max(x1, s.xs ? s.xs[i]! : i);
    }
  }
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1];
  if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const X = (x: number): number => pad.l + ((x - x0) / (x1 - x0 || 1)) * (w - pad.l - pad.r);
  const Y = (y: number): number => h - pad.b - ((tf(y) - y0) / (y1 - y0)) * (h - pad.t - pad.b);
  c.strokeStyle = '#999';
  c.lineWidth = 1;
  c.strokeRect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
  c.fillStyle = '#555';
  c.font = '11px system-ui, sans-serif';
  const fmt = (v: number): string => (opts.logY ? 10 ** v : v).toPrecision(3);
  c.textAlign = 'right';
  c.fillText(fmt(y1), pad.l - 4, pad.t + 8);
  c.fillText(fmt(y0), pad.l - 4, h - pad.b);
  c.textAlign = 'left';
  c.fillText(opts.xLabel ? `${opts.xLabel} 0 … ${Math.round(x1 * 100) / 100}` : '', pad.l, h - 6);
  let lx = pad.l + 6;
  for (const s of series) {
    c.strokeStyle = s.color;
    c.fillStyle = s.color;
    c.lineWidth = s.width ?? 1.5;
    c.beginPath();
    let started = false;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i]!;
      if (!Number.isFinite(v)) continue;
      const px = X(s.xs ? s.xs[i]! : i);
      const py = Y(v);
      if (started) c.lineTo(px, py);
      else c.moveTo(px, py);
      started = true;
      if (s.dots) c.fillRect(px - 2, py - 2, 4, 4);
    }
    c.stroke();
    c.fillText(s.label, lx, pad.t - 5);
    lx += c.measureText(s.label).width + 14;
  }
}

/** Horizontal bars with labels: the classifier's top guesses. */
export function probabilityBars(canvas: HTMLCanvasElement, rows: { label: string; value: number }[]): void {
  const { w, h, c } = fitCanvas(canvas);
  c.clearRect(0, 0, w, h);
  const rowH = h / Math.max(1, rows.length);
  c.font = `${Math.min(22, rowH * 0.6)}px system-ui, sans-serif`;
  c.textBaseline = 'middle';
  rows.forEach((r, i) => {
    const y = i * rowH;
    c.fillStyle = '#222';
    c.fillText(r.label, 4, y + rowH / 2);
    const bw = (w - 110) * Math.max(0, Math.min(1, r.value));
    c.fillStyle = i === 0 ? '#2a7ae2' : '#8fb5e8';
    c.fillRect(34, y + rowH * 0.2, bw, rowH * 0.6);
    c.fillStyle = '#222';
    c.fillText(`${(r.value * 100).toFixed(1)}%`, 40 + bw, y + rowH / 2);
  });
}

/** Vertical bars centred on zero or starting at zero (a code vector); returns the geometry for hit tests. */
export function codeBars(canvas: HTMLCanvasElement, values: ArrayLike<number>, max: number, selected = -1): { barW: number; zeroY: number; scale: number } {
  const { w, h, c } = fitCanvas(canvas);
  c.clearRect(0, 0, w, h);
  const n = values.length;
  const barW = w / n;
  const zeroY = h - 4;
  const scale = (h - 8) / max;
  c.fillStyle = '#f4f4f4';
  c.fillRect(0, 0, w, h);
  for (let i = 0; i < n; i++) {
    const v = Math.max(0, values[i]!);
    c.fillStyle = i === selected ? '#e2762a' : '#2a7ae2';
    c.fillRect(i * barW + 1, zeroY - Math.min(v, max) * scale, barW - 2, Math.min(v, max) * scale);
  }
  return { barW, zeroY, scale };
}

/** A count matrix as a heatmap with numbers: rows = true class, columns = predicted. */
export function heatmap(canvas: HTMLCanvasElement, matrix: number[][]): void {
  const { w, h, c } = fitCanvas(canvas);
  c.clearRect(0, 0, w, h);
  const n = matrix.length;
  const pad = 18;
  const cell = Math.min((w - pad) / n, (h - pad) / n);
  const rowMax = matrix.map((r) => Math.max(1, r.reduce((a, b) => a + b, 0)));
  c.font = `${Math.max(8, cell * 0.32)}px system-ui, sans-serif`;
  c.textAlign = 'center';
  c.textBaseline = 'middle';
  for (let i = 0; i < n; i++) {
    c.fillStyle = '#333';
    c.fillText(String(i), pad / 2, pad + (i + 0.5) * cell);
    c.fillText(String(i), pad + (i + 0.5) * cell, pad / 2);
    for (let j = 0; j < n; j++) {
      const f = matrix[i]![j]! / rowMax[i]!;
      const shade = Math.round(255 * (1 - Math.sqrt(f)));
      c.fillStyle = i === j ? `rgb(${shade},${Math.round(200 - 70 * f)},255)` : `rgb(255,${shade},${shade})`;
      c.fillRect(pad + j * cell, pad + i * cell, cell - 1, cell - 1);
      if (matrix[i]![j]! > 0) {
        c.fillStyle = f > 0.5 ? '#fff' : '#222';
        c.fillText(String(matrix[i]![j]), pad + (j + 0.5) * cell, pad + (i + 0.5) * cell);
      }
    }
  }
}
