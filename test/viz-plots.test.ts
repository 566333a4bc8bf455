import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Raster } from '../src/viz/raster.js';
import { TAB10, colormap, parseColor } from '../src/viz/color.js';
import { binEdges, histogramDensity, histogramWithCurves, lineChart, scatterPlot } from '../src/viz/charts.js';
import { heatmap } from '../src/viz/heatmap.js';
import { imageGrid } from '../src/viz/image-grid.js';
import { scatterMatrix } from '../src/viz/scatter-matrix.js';
import { writePng } from '../src/io/png.js';

// Set DEEPTS_VIZ_SAMPLES=/some/dir to also write every test picture there for a look.
const SAMPLES = process.env['DEEPTS_VIZ_SAMPLES'];
function keep(name: string, r: Raster): Raster {
  if (SAMPLES) {
    mkdirSync(SAMPLES, { recursive: true });
    writePng(join(SAMPLES, `${name}.png`), r);
  }
  return r;
}

/** Pixels whose RGB equals `color` exactly. */
function pixelsOf(r: Raster, color: string): { x: number; y: number }[] {
  const [cr, cg, cb] = parseColor(color);
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < r.width * r.height; i++) {
    if (r.data[i * 4] === cr && r.data[i * 4 + 1] === cg && r.data[i * 4 + 2] === cb) out.push({ x: i % r.width, y: Math.floor(i / r.width) });
  }
  return out;
}

function notBlank(r: Raster, minFraction = 0.01): void {
  let ink = 0;
  const colors = new Set<number>();
  for (let i = 0; i < r.width * r.height; i++) {
    const [red, g, b] = [r.data[i * 4]!, r.data[i * 4 + 1]!, r.data[i * 4 + 2]!];
    if (red !== 255 || g !== 255 || b !== 255) ink++;
    colors.add((red << 16) | (g << 8) | b);
  }
  assert.ok(ink / (r.width * r.height) >= minFraction, `only ${ink} of ${r.width * r.height} pixels are drawn`);
  assert.ok(colors.size >= 5, `only ${colors.size} distinct colours`);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('lineChart: default 640×420, both series drawn, a falling loss curve falls on the picture', () => {
  const loss = Array.from({ length: 17 }, (_, i) => 0.07 * Math.exp(-i / 3) + 0.014);
  const r = keep('line', lineChart({ series: [{ name: 'loss', values: loss }, { name: 'val_loss', values: loss.map((v) => v * 1.05) }], title: 'Loss', xLabel: 'Epoch', yLabel: 'MSE' }));
  assert.equal(r.width, 640);
  assert.equal(r.height, 420);
  notBlank(r);
  const blue = pixelsOf(r, TAB10[0]!);
  const orange = pixelsOf(r, TAB10[1]!);
  assert.ok(blue.length > 200 && orange.length > 200, 'both series are visible');
  const xs = blue.map((p) => p.x);
  const [minX, maxX] = [Math.min(...xs), Math.max(...xs)];
  const leftY = mean(blue.filter((p) => p.x < minX + (maxX - minX) * 0.15).map((p) => p.y));
  const rightY = mean(blue.filter((p) => p.x > maxX - (maxX - minX) * 0.15).map((p) => p.y));
  assert.ok(leftY < rightY - 100, `high loss at epoch 1 is drawn above low loss at epoch 17 (${leftY} vs ${rightY})`);
});

test('lineChart: custom size, log scale, gaps for NaN, clear errors for nothing to plot', () => {
  const r = keep('line-log', lineChart({ series: [{ name: 'loss', values: [1, 0.1, Number.NaN, 0.001], color: '#d62728' }], logY: true, width: 320, height: 240 }));
  assert.equal(r.width, 320);
  assert.equal(r.height, 240);
  assert.ok(pixelsOf(r, '#d62728').length > 50);
  assert.throws(() => lineChart({ series: [] }), /at least one series/);
  assert.throws(() => lineChart({ series: [{ name: 'a', values: [Number.NaN] }] }), /no finite values/);
  assert.throws(() => lineChart({ series: [{ name: 'a', values: [0, -1] }], logY: true }), /no positive finite values/);
  assert.throws(() => lineChart({ series: [{ name: 'a', values: [1] }], width: 40, height: 30 }), /too small/);
});

test('heatmap: confusion matrix with the largest count darkest and written in white', () => {
  const r = keep('heatmap', heatmap({ matrix: [[50, 1], [2, 30]], rowLabels: ['cat', 'dog'], colLabels: ['cat', 'dog'], title: 'Confusion', xLabel: 'Predicted', yLabel: 'True' }));
  notBlank(r, 0.1);
  const dark = pixelsOf(r, '#' + colormap('blues', 1).slice(0, 3).map((v) => v.toString(16).padStart(2, '0')).join(''));
  const rows = new Map<number, number[]>();
  for (const p of dark) rows.set(p.y, [...(rows.get(p.y) ?? []), p.x]);
  const cellRows = [...rows.entries()].filter(([, xs]) => xs.length >= 30).map(([y]) => y);
  assert.ok(cellRows.length >= 28, 'the 50 cell is a solid dark square');
  const midY = cellRows[Math.floor(cellRows.length / 2)]!;
  const x0 = Math.min(...rows.get(midY)!);
  const x1 = Math.max(...rows.get(midY)!);
  let white = 0;
  for (const y of cellRows) for (let x = x0; x <= x1; x++) if (r.getPixel(x, y)[0] === 255 && r.getPixel(x, y)[2] === 255) white++;
  assert.ok(white > 20, 'the count in the dark cell is drawn in white');
  const big = heatmap({ matrix: Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? 980 : j))) });
  assert.ok(big.width > r.width && big.height > r.height, 'more classes, bigger picture');
  assert.throws(() => heatmap({ matrix: [[1, 2], [3]] }), /row 1 has 1 values, row 0 has 2/);
  assert.throws(() => heatmap({ matrix: [[1]], rowLabels: ['a', 'b'] }), /1 rows but 2 row labels/);
});

test('scatterPlot: points coloured by class and a y = x line rising to the right', () => {
  const points = Array.from({ length: 60 }, (_, i) => ({ x: i, y: i + Math.sin(i) * 4, cls: i % 2 }));
  const r = keep('scatter', scatterPlot({ points, lines: [{ x1: 0, y1: 0, x2: 60, y2: 60, name: 'y = x', color: '#000000' }], title: 'Predicted vs true', xLabel: 'True', yLabel: 'Predicted', classNames: ['even', 'odd'] }));
  assert.equal(r.width, 640);
  notBlank(r);
  const line = pixelsOf(r, '#000000').filter((p) => p.y > 40 && p.y < 380 && p.x > 80 && p.x < 600);
  const left = line.filter((p) => p.x < 200);
  const right = line.filter((p) => p.x > 450);
  assert.ok(left.length > 20 && right.length > 20);
  assert.ok(mean(left.map((p) => p.y)) > mean(right.map((p) => p.y)) + 100, 'the diagonal goes up to the right');
  assert.ok(pixelsOf(r, TAB10[0]!).length > 0 && pixelsOf(r, TAB10[1]!).length > 0, 'legend shows both class colours');
  assert.throws(() => scatterPlot({ points: [{ x: Number.NaN, y: 1 }] }), /no finite points/);
});

test('histogramDensity integrates to 1 and binEdges are even', () => {
  const edges = binEdges(0, 10, 5);
  assert.deepEqual(edges, [0, 2, 4, 6, 8, 10]);
  const d = histogramDensity([0, 1, 2, 3, 9.99, 10, 11, Number.NaN], edges);
  assert.ok(Math.abs(d.reduce((a, b) => a + b * 2, 0) - 1) < 1e-12);
  assert.deepEqual(d, [2 / 12, 2 / 12, 0, 0, 2 / 12]);
  assert.throws(() => binEdges(0, 1, 0), /bins must be a whole number/);
});

test('histogramWithCurves: bars and fitted curves for each group', () => {
  const normal = (m: number, s: number) => (x: number) => Math.exp(-((x - m) ** 2) / (2 * s * s)) / (s * Math.sqrt(2 * Math.PI));
  const values = (m: number) => Array.from({ length: 200 }, (_, i) => m + Math.sin(i * 12.9898) * 1.5);
  const r = keep('histogram', histogramWithCurves({ groups: [{ name: 'a', values: values(0), curve: normal(0, 1) }, { name: 'b', values: values(5), curve: normal(5, 1) }], bins: 25, title: 'Per class', xLabel: 'x' }));
  assert.equal(r.width, 640);
  notBlank(r, 0.05);
  assert.ok(pixelsOf(r, TAB10[0]!).length > 100 && pixelsOf(r, TAB10[1]!).length > 100, 'both curves are drawn at full colour');
  assert.throws(() => histogramWithCurves({ groups: [{ name: 'a', values: [] }] }), /no finite values/);
});

test('scatterMatrix: k×k panels, every class colour shown, input checked', () => {
  const data = Array.from({ length: 90 }, (_, i) => [i % 7, (i * 3) % 11, Math.sqrt(i)]);
  const classes = data.map((_, i) => i % 3);
  const r = keep('scatter-matrix', scatterMatrix({ columns: ['a', 'b', 'c'], data, classes, classNames: ['x', 'y', 'z'], title: 'Pairs' }));
  notBlank(r, 0.05);
  for (let c = 0; c < 3; c++) assert.ok(pixelsOf(r, TAB10[c]!).length > 0, `class ${c} appears`);
  const two = scatterMatrix({ columns: ['a', 'b'], data: data.map((row) => row.slice(0, 2)), classes, classNames: ['x', 'y', 'z'] });
  assert.ok(r.width > two.width && r.height > two.height);
  assert.throws(() => scatterMatrix({ columns: ['a'], data: [[1, 2]], classes: [0], classNames: ['x'] }), /row 0 has 2 values, expected 1/);
  assert.throws(() => scatterMatrix({ columns: ['a'], data: [[1]], classes: [], classNames: ['x'] }), /1 rows but 0 class labels/);
});

test('imageGrid: images at their scale, captions below, labels beside', () => {
  const black = new Float32Array(4);
  const white = new Float32Array(4).fill(1);
  const r = keep('image-grid', imageGrid({ rows: [[black, white], [white, black]], width: 2, height: 2, scale: 5, rowLabels: ['Original', 'Reconstructed'], captions: [['7: 99%\n1: 1%', 'x'], ['', 'y']], title: 'Grid' }));
  assert.equal(pixelsOf(r, '#000000').length >= 2 * 100, true, 'two 10×10 black images');
  const blackPixels = pixelsOf(r, '#000000');
  const firstImageTop = Math.min(...blackPixels.map((p) => p.y));
  // The first caption's text lies below the first image (which is 10 px tall).
  const caption = pixelsOf(r, '#222222').filter((p) => p.y > firstImageTop + 10 && p.y < firstImageTop + 40);
  assert.ok(caption.length > 20, 'caption is drawn under the image');
  assert.throws(() => imageGrid({ rows: [[new Float32Array(3)]], width: 2, height: 2 }), /image \[0\]\[0\] has 3 values, expected 2×2 = 4/);
  assert.throws(() => imageGrid({ rows: [], width: 2, height: 2 }), /no images/);
  const mnist = imageGrid({ rows: [Array.from({ length: 10 }, () => new Float32Array(784))], width: 28, height: 28 });
  assert.ok(mnist.width >= 10 * 84 && mnist.height >= 84, 'ten MNIST digits at the default 3× scale');
});
