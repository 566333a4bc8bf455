/**
 * The lecture's live demos: regression with a network, maximum likelihood with a draggable
 * normal curve, least squares = maximum likelihood, and the classifier's confusion matrix.
 * The arithmetic here is a few lines of textbook formulas; networks train in the worker.
 */
import { Rng } from 'deepts/core';
import { fitCanvas, heatmap, lineChart } from './plot';
import type { LabWorker } from './lab-worker';
import type { ActivationChoice, ModelFiles } from './protocol';

const LOG_2PI = Math.log(2 * Math.PI);

/** Σ log N(x | μ, σ²) = −n/2·log(2πσ²) − Σ(x−μ)²/(2σ²): the lecture's log-likelihood. */
export function normalLogLikelihood(xs: readonly number[], mu: number, sigma: number): number {
  let ss = 0;
  for (const x of xs) ss += (x - mu) ** 2;
  return (-xs.length / 2) * (LOG_2PI + 2 * Math.log(sigma)) - ss / (2 * sigma * sigma);
}

/** Drag handler in canvas CSS pixels. */
function onDrag(canvas: HTMLCanvasElement, move: (x: number, y: number, start: boolean) => void): void {
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  let down = false;
  canvas.addEventListener('pointerdown', (e) => { down = true; canvas.setPointerCapture(e.pointerId); move(...at(e), true); });
  canvas.addEventListener('pointermove', (e) => { if (down) move(...at(e), false); });
  canvas.addEventListener('pointerup', () => { down = false; });
  canvas.addEventListener('pointercancel', () => { down = false; });
}

/** Maximum likelihood: a histogram of heights and a normal curve the reader drags (x: μ, y: σ). */
export function mleDemo(canvas: HTMLCanvasElement, readout: HTMLElement, best: HTMLButtonElement): { state: () => { mu: number; sigma: number; logL: number; maxLogL: number } } {
  const rng = new Rng(11);
  const xs = Array.from({ length: 300 }, () => rng.normal(170, 8));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  const maxLogL = normalLogLikelihood(xs, mean, sd);
  let mu = 150;
  let sigma = 14;
  const [lo, hi] = [130, 210];
  const draw = (): void => {
    const { w, h, c } = fitCanvas(canvas);
    c.clearRect(0, 0, w, h);
    const bins = 32;
    const counts = new Array<number>(bins).fill(0);
    for (const x of xs) counts[Math.min(bins - 1, Math.max(0, Math.floor(((x - lo) / (hi - lo)) * bins)))]!++;
    const binW = (hi - lo) / bins;
    const densMax = 0.07;
    const X = (x: number): number => ((x - lo) / (hi - lo)) * w;
    const Y = (d: number): number => h - 20 - (d / densMax) * (h - 30);
    c.fillStyle = '#c9daf0';
    counts.forEach((k, i) => { const d = k / (xs.length * binW); c.fillRect(X(lo + i * binW) + 1, Y(d), w / bins - 2, h - 20 - Y(d)); });
    c.strokeStyle = '#e2762a';
    c.lineWidth = 2.5;
    c.beginPath();
    for (let px = 0; px <= w; px += 2) {
      const x = lo + (px / w) * (hi - lo);
      const d = Math.exp(-((x - mu) ** 2) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
      if (px === 0) c.moveTo(px, Y(d)); else c.lineTo(px, Y(d));
    }
    c.stroke();
    c.fillStyle = '#555';
    c.font = '11px system-ui, sans-serif';
    for (let t = 140; t <= 200; t += 20) c.fillText(`${t} cm`, X(t) - 14, h - 5);
    const logL = normalLogLikelihood(xs, mu, sigma);
    readout.innerHTML = `μ = <b>${mu.toFixed(1)}</b>, σ = <b>${sigma.toFixed(2)}</b> · log-likelihood <b>${logL.toFixed(1)}</b>
      (best possible ${maxLogL.toFixed(1)} at μ̂ = mean = ${mean.toFixed(1)}, σ̂ = ${sd.toFixed(2)}) · ${logL >= maxLogL - 0.05 ? 'maximum!' : `${(maxLogL - logL).toFixed(1)} below the maximum`}`;
  };
  let startY = 0;
  let startSigma = sigma;
  onDrag(canvas, (x, y, start) => {
    const w = canvas.clientWidth;
    if (start) { startY = y; startSigma = sigma; }
    mu = lo + (x / w) * (hi - lo);
    sigma = Math.min(30, Math.max(2, startSigma * Math.exp((y - startY) / 120)));
    draw();
  });
  best.addEventListener('click', () => { mu = mean; sigma = sd; draw(); });
  draw();
  return { state: () => ({ mu, sigma, logL: normalLogLikelihood(xs, mu, sigma), maxLogL }) };
}

/** Least squares = maximum likelihood: drag the line's ends; MSE and the Gaussian NLL move together. */
export function leastSquaresDemo(canvas: HTMLCanvasElement, trail: HTMLCanvasElement, readout: HTMLElement, fit: HTMLButtonElement): { state: () => { a: number; b: number; mse: number; nll: number } } {
  const rng = new Rng(5);
  const SIGMA = 1;
  const pts = Array.from({ length: 40 }, () => { const x = rng.uniform(0, 10); return { x, y: 0.8 * x + 2 + rng.normal(0, SIGMA) }; });
  let [yAt0, yAt10] = [6, 4];
  const visited: { mse: number; nll: number }[] = [];
  const line = (): { a: number; b: number } => ({ a: (yAt10 - yAt0) / 10, b: yAt0 });
  const measure = (): { a: number; b: number; mse: number; nll: number } => {
    const { a, b } = line();
    const sse = pts.reduce((s, p) => s + (p.y - a * p.x - b) ** 2, 0);
    // −log L with the noise σ known: n/2·log(2πσ²) + SSE/(2σ²) — an increasing straight-line function of the MSE.
    return { a, b, mse: sse / pts.length, nll: (pts.length / 2) * (LOG_2PI + 2 * Math.log(SIGMA)) + sse / (2 * SIGMA * SIGMA) };
  };
  const draw = (): void => {
    const { w, h, c } = fitCanvas(canvas);
    c.clearRect(0, 0, w, h);
    const X = (x: number): number => 20 + (x / 10) * (w - 40);
    const Y = (y: number): number => h - 10 - (y / 14) * (h - 20);
    const { a, b, mse, nll } = measure();
    c.strokeStyle = '#f0b890';
    for (const p of pts) { c.beginPath(); c.moveTo(X(p.x), Y(p.y)); c.lineTo(X(p.x), Y(a * p.x + b)); c.stroke(); }
    c.fillStyle = '#2a7ae2';
    for (const p of pts) { c.beginPath(); c.arc(X(p.x), Y(p.y), 3.5, 0, 7); c.fill(); }
    c.strokeStyle = '#e2762a';
    c.lineWidth = 2.5;
    c.beginPath(); c.moveTo(X(0), Y(b)); c.lineTo(X(10), Y(a * 10 + b)); c.stroke();
    c.lineWidth = 1;
    c.fillStyle = '#e2762a';
    for (const [x, y] of [[0, yAt0], [10, yAt10]] as const) c.fillRect(X(x) - 6, Y(y) - 6, 12, 12);
    visited.push({ mse, nll });
    if (visited.length > 400) visited.shift();
    readout.innerHTML = `ŷ = <b>${a.toFixed(3)}</b>·x + <b>${b.toFixed(3)}</b> · MSE <b>${mse.toFixed(3)}</b> · −log-likelihood (σ = ${SIGMA}) <b>${nll.toFixed(2)}</b>`;
    lineChart(trail, [{ values: visited.map((v) => v.nll), xs: visited.map((v) => v.mse), color: '#2a7ae2', label: '−log L against MSE: one straight line', dots: true, width: 0 }], { xLabel: 'MSE' });
  };
  onDrag(canvas, (x, y) => {
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    const value = Math.min(14, Math.max(0, ((h - 10 - y) / (h - 20)) * 14));
    if (x < w / 2) yAt0 = value; else yAt10 = value;
    draw();
  });
  fit.addEventListener('click', () => {
    const n = pts.length;
    const mx = pts.reduce((s, p) => s + p.x, 0) / n;
    const my = pts.reduce((s, p) => s + p.y, 0) / n;
    const a = pts.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / pts.reduce((s, p) => s + (p.x - mx) ** 2, 0);
    [yAt0, yAt10] = [my - a * mx, my - a * mx + 10 * a];
    draw();
  });
  draw();
  return { state: measure };
}

/** The recap's network regression: click to add points, train a small net in the worker, watch its curve. */
export function regressionDemo(root: HTMLElement, worker: LabWorker): { state: () => { loss: number; epochs: number } } {
  const canvas = root.querySelector<HTMLCanvasElement>('canvas')!;
  const rng = new Rng(3);
  const pts = Array.from({ length: 60 }, () => { const x = rng.uniform(0, 1); return { x, y: 0.5 + 0.35 * Math.sin(2 * Math.PI * x) + rng.normal(0, 0.05) }; });
  let curve: number[] = [];
  let grid: number[] = [];
  let loss = NaN;
  let epochs = 0;
  const draw = (): void => {
    const { w, h, c } = fitCanvas(canvas);
    c.clearRect(0, 0, w, h);
    const X = (x: number): number => 10 + x * (w - 20);
    const Y = (y: number): number => h - 10 - y * (h - 20);
    c.fillStyle = '#2a7ae2';
    for (const p of pts) { c.beginPath(); c.arc(X(p.x), Y(p.y), 3.5, 0, 7); c.fill(); }
    if (curve.length) {
      c.strokeStyle = '#e2762a';
      c.lineWidth = 2.5;
      c.beginPath();
      grid.forEach((x, i) => (i ? c.lineTo(X(x), Y(curve[i]!)) : c.moveTo(X(x), Y(curve[i]!))));
      c.stroke();
    }
    root.querySelector('.readout')!.textContent = Number.isFinite(loss) ? `epoch ${epochs}: MSE ${loss.toFixed(5)} on ${pts.length} points` : `${pts.length} points: click to add more`;
  };
  canvas.addEventListener('pointerdown', (e) => {
    const r = canvas.getBoundingClientRect();
    pts.push({ x: Math.min(1, Math.max(0, (e.clientX - r.left - 10) / (r.width - 20))), y: Math.min(1, Math.max(0, (r.height - 10 - (e.clientY - r.top)) / (r.height - 20))) });
    draw();
  });
  worker.on('regression', (m) => { curve = m.curve; grid = m.grid; loss = m.loss; epochs = m.epoch + 1; draw(); });
  root.querySelector('.fit')!.addEventListener('click', () => {
    const get = (n: string): string => (root.querySelector(`[name=${n}]`) as HTMLInputElement).value;
    worker.send({ type: 'regress', xs: pts.map((p) => p.x), ys: pts.map((p) => p.y), units: Number(get('units')), activation: get('activation') as ActivationChoice, epochs: Number(get('epochs')), learningRate: 0.01 });
  });
  draw();
  return { state: () => ({ loss, epochs }) };
}

/** The classifier's confusion matrix on the first N test images, computed in the worker. */
export function confusionDemo(root: HTMLElement, worker: LabWorker, current: () => ModelFiles | null): { state: () => { accuracy: number; matrix: number[][] | null } } {
  let result: { accuracy: number; matrix: number[][] | null } = { accuracy: NaN, matrix: null };
  const readout = root.querySelector('.readout')!;
  worker.on('confusion', (m) => {
    result = { accuracy: m.accuracy, matrix: m.matrix };
    heatmap(root.querySelector('canvas')!, m.matrix);
    readout.textContent = `accuracy ${(m.accuracy * 100).toFixed(2)}% on the first ${m.count} test images · rows: true digit, columns: the classifier's answer`;
  });
  root.querySelector('.evaluate')!.addEventListener('click', () => {
    const files = current();
    if (!files) { readout.textContent = 'load or train a classifier first'; return; }
    readout.textContent = 'evaluating…';
    worker.send({ type: 'confusion', model: { json: files.json, weights: files.weights.slice(0) }, count: 2000 });
  });
  return { state: () => result };
}
