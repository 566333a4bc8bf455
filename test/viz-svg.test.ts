/** SVG output: a raster's recorded drawing calls written as vector graphics with real text. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Raster, barChart, lineChart, toSvg } from '../src/viz/index.js';

describe('toSvg', () => {
  it('writes a line chart with its title, labels and one polyline per series as text and vectors', () => {
    const chart = lineChart({ title: 'Loss & <val_loss>', xLabel: 'epoch', yLabel: 'MSE', series: [{ name: 'loss', values: [3, 2, 1] }, { name: 'val_loss', values: [3.5, 2.5, NaN, 1.5] }] });
    const svg = toSvg(chart, 'curves');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="640" height="420"/);
    assert.match(svg, /<title>curves<\/title>/);
    assert.match(svg, />Loss &amp; &lt;val_loss&gt;<\/tspan>/, 'title as escaped text');
    assert.match(svg, />epoch<\/tspan>/);
    assert.match(svg, /rotate\(-90\)[^>]*>.*>MSE<\/tspan>/, 'y label rotated');
    // val_loss has a NaN: its line breaks into two polylines, as in the raster.
    const polylines = svg.match(/<polyline /g) ?? [];
    assert.ok(polylines.length >= 3, `polylines: ${polylines.length}`);
  });

  it('records only the outer call of composite drawing and forgets what a fill covers', () => {
    const r = new Raster(20, 10);
    r.strokeRect(1, 1, 5, 5, '#ff0000');
    r.drawPolyline([{ x: 0, y: 0 }, { x: 5, y: 5 }, { x: 9, y: 0 }], 'blue');
    assert.deepEqual(r.drawing.map((op) => op.kind), ['fill', 'rect', 'rect', 'rect', 'rect', 'line']);
    r.fill('white');
    assert.deepEqual(r.drawing.map((op) => op.kind), ['fill']);
  });

  it('nests composed rasters and writes gray images as runs of rectangles', () => {
    const inner = new Raster(4, 2);
    inner.drawGrayImage([0, 0, 1, 1, 0.5, 0.5, 0.5, 0.5], 4, 2, 0, 0);
    const outer = new Raster(10, 10);
    outer.drawRaster(inner, 3, 4);
    const svg = toSvg(outer);
    assert.match(svg, /<svg x="3" y="4" width="4" height="2" overflow="hidden">/);
    assert.equal((svg.match(/<rect x="\d+" y="\d+" width="\d+" height="1" fill="rgb/g) ?? []).length, 3, 'black run, white run, one gray row');
  });

  it('bar charts keep their group labels as text', () => {
    const svg = toSvg(barChart({ groups: ['dropped', 'one-hot'], series: [{ name: 'MAE', values: [2.9, 2.4] }], reference: { name: 'mean', value: 7 } }));
    assert.match(svg, />dropped<\/tspan>/);
    assert.match(svg, />one-hot<\/tspan>/);
    assert.throws(() => barChart({ groups: ['a'], series: [{ name: 's', values: [1, 2] }] }), /has 2 values for 1 groups/);
  });
});
