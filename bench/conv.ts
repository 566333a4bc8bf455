/**
 * GFLOPS per convolution pass on Keras' "simple MNIST convnet" (batch 128: 28×28×1 → Conv 32
 * 3×3 valid → MaxPool 2 → Conv 64 3×3 valid), and on the third conv of `deepts cnn --model wide`:
 * forward, input gradient (dX) and filter gradient (dW) of each conv, for deepts' kernels (native 1 thread / all cores, wasm) and
 * tfjs (cpu, wasm) where its kernels exist. FLOPs = 2 · outputs · kH·kW·inC per pass.
 * Run alone: `npx tsc -p tsconfig.json && node dist/bench/conv.js [native|wasm]`; `npm run bench`
 * puts the rows into its GEMM table (bench/gemm-rows.ts), with % of this machine's peak.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { conv2dGeometry, type Conv2DGeometry } from '../src/backend/conv-geometry.js';
import type { Kernels } from '../src/backend/kernels.js';

export type ConvPass = 'fwd' | 'dX' | 'dW';

export interface ConvShape { label: string; pass: ConvPass; g: Conv2DGeometry }

const conv1 = conv2dGeometry({ batch: 128, inH: 28, inW: 28, inC: 1, outC: 32, kernelSize: [3, 3] });
const conv2 = conv2dGeometry({ batch: 128, inH: 13, inW: 13, inC: 32, outC: 64, kernelSize: [3, 3] });
// The third conv of `deepts cnn --model wide` (src/models/mnist-models.ts).
const wide3 = conv2dGeometry({ batch: 128, inH: 5, inW: 5, inC: 64, outC: 128, kernelSize: [3, 3] });

/** The passes one training step of the convnet runs (the first conv needs no dX). */
export const MNIST_CONV_SHAPES: readonly ConvShape[] = [
  { label: 'conv1 fwd  128×28²×1 → 32, 3×3', pass: 'fwd', g: conv1 },
  { label: 'conv1 dW', pass: 'dW', g: conv1 },
  { label: 'conv2 fwd  128×13²×32 → 64, 3×3', pass: 'fwd', g: conv2 },
  { label: 'conv2 dX', pass: 'dX', g: conv2 },
  { label: 'conv2 dW', pass: 'dW', g: conv2 },
];

/** The third conv of the 'wide' convnet (5×5×64 → 3×3×128): deeper (K = 576), wider (128 filters). */
export const WIDE_CONV_SHAPES: readonly ConvShape[] = [
  { label: 'wide conv3 fwd 128×5²×64 → 128', pass: 'fwd', g: wide3 },
  { label: 'wide conv3 dX', pass: 'dX', g: wide3 },
  { label: 'wide conv3 dW', pass: 'dW', g: wide3 },
];

/** Every conv pass the bench times. */
export const CONV_SHAPES: readonly ConvShape[] = [...MNIST_CONV_SHAPES, ...WIDE_CONV_SHAPES];

export function convFlops(g: Conv2DGeometry): number {
  return 2 * g.batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;
}

type PassFn = (s: ConvShape, x: Float32Array, w: Float32Array, y: Float32Array) => void;

/** Best rate over ~50 ms chunks (robust to other processes sharing the cores). */
export function convGflops(fn: PassFn, s: ConvShape, minSeconds: number): number {
  const g = s.g;
  const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.random() - 0.5);
  const x = rand(g.batch * g.inH * g.inW * g.inC), w = rand(g.kH * g.kW * g.inC * g.outC), y = rand(g.batch * g.outH * g.outW * g.outC);
  const w0 = performance.now();
  fn(s, x, w, y);
  const first = performance.now() - w0;
  if (first > 200) return convFlops(g) / (first / 1000) / 1e9;  // a slow peer (tfjs-cpu's plain JS): one call is enough
  fn(s, x, w, y);
  let best = 0;
  const start = performance.now();
  while (performance.now() - start < minSeconds * 1000) {
    let reps = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 50) { fn(s, x, w, y); reps++; t = performance.now(); }
    best = Math.max(best, (convFlops(g) * reps) / ((t - t0) / 1000) / 1e9);
  }
  return best;
}

/** A pass on a deepts kernel table (x, w, y: the pass's operands; results go to scratch). */
export function kernelPass(k: Partial<Kernels>): PassFn {
  const scratch = new Map<string, Float32Array>();
  const buf = (key: string, n: number): Float32Array => {
    let b = scratch.get(key);
    if (!b || b.length !== n) scratch.set(key, (b = new Float32Array(n)));
    return b;
  };
  return (s, x, w, y) => {
    if (s.pass === 'fwd') k.conv2d!(x, w, buf('y' + s.label, y.length), s.g);
    else if (s.pass === 'dX') k.conv2dBackpropInput!(y, w, buf('x' + s.label, x.length), s.g);
    else k.conv2dBackpropFilter!(x, y, buf('w' + s.label, w.length), s.g);
  };
}

type Tf = typeof import('@tensorflow/tfjs');

/** tfjs's kernels on backend 'cpu' or 'wasm' (runKernel, so no autograd overhead); null when it cannot start. */
export async function tfjsPass(backend: 'cpu' | 'wasm'): Promise<{ fn: PassFn; tf: Tf } | null> {
  try {
    const tf: Tf = await import('@tensorflow/tfjs');
    if (backend === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
      wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
    }
    if (!(await tf.setBackend(backend))) return null;
    await tf.ready();
    const fn: PassFn = (s, x, w, y) => {
      const g = s.g;
      tf.tidy(() => {
        const attrs = { strides: [g.strideH, g.strideW], pad: 'valid', dataFormat: 'NHWC', dilations: [g.dilationH, g.dilationW] };
        const tx = tf.tensor4d(x, [g.batch, g.inH, g.inW, g.inC]), tw = tf.tensor4d(w, [g.kH, g.kW, g.inC, g.outC]);
        const ty = tf.tensor4d(y, [g.batch, g.outH, g.outW, g.outC]);
        const out = s.pass === 'fwd' ? tf.conv2d(tx, tw, [g.strideH, g.strideW], 'valid')
          : s.pass === 'dX' ? tf.engine().runKernel('Conv2DBackpropInput', { dy: ty, filter: tw }, { ...attrs, inputShape: tx.shape })
          : tf.engine().runKernel('Conv2DBackpropFilter', { x: tx, dy: ty }, { ...attrs, filterShape: tw.shape });
        (out as import('@tensorflow/tfjs').Tensor).dataSync();
      });
    };
    return { fn, tf };
  } catch {
    return null;
  }
}

export interface ConvRow { shape: string; rates: Record<string, number | null> }

function tryRate(fn: PassFn, s: ConvShape, seconds: number, notes: string[], who: string): number | null {
  try {
    return convGflops(fn, s, seconds);
  } catch (e) {
    notes.push(`${who} ${s.label.split(' ').slice(0, 2).join(' ')}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    return null;
  }
}

/**
 * Native (1 thread and all cores) and tfjs-cpu rows. The native columns time the implicit GEMM
 * (Winograd off: real FLOPs, so % of peak is honest); 'native-auto-all' times what the addon
 * chooses per pass (Winograd where its rule picks it, native/conv-winograd.inc) on all cores, as
 * effective GFLOPS = direct-convolution FLOPs / time (no % of peak: Winograd does fewer FLOPs).
 */
export async function nativeConvRows(seconds: number, notes: string[]): Promise<ConvRow[]> {
  const { loadNativeBackend, setNativeThreads, setNativeConvWinograd } = await import('../src/backend/native/load.js');
  const native = loadNativeBackend();
  const tfCpu = await tfjsPass('cpu');
  const rows: ConvRow[] = [];
  for (const s of CONV_SHAPES) {
    const rates: Record<string, number | null> = {};
    if (native && native.kernels.conv2d) {
      const fn = kernelPass(native.kernels);
      const switchable = setNativeConvWinograd('never');
      setNativeThreads(1);
      rates['native-1t'] = tryRate(fn, s, seconds, notes, 'native');
      setNativeThreads(os.availableParallelism());
      rates['native-all'] = tryRate(fn, s, seconds, notes, 'native');
      if (switchable) {
        setNativeConvWinograd('auto');
        rates['native-auto-all'] = tryRate(fn, s, seconds, notes, 'native');
      }
    }
    // tfjs-cpu's Conv2DBackpropFilter runs at ~0.01 GFLOPS here (about a minute per conv2 call): not timed.
    rates['tfjs-cpu-1t'] = tfCpu && s.pass !== 'dW' ? tryRate(tfCpu.fn, s, seconds, notes, 'tfjs-cpu') : null;
    rows.push({ shape: s.label, rates });
  }
  setNativeThreads(0);
  setNativeConvWinograd('auto');
  if (tfCpu) notes.push('tfjs-cpu dW: not timed (its Conv2DBackpropFilter measured 0.01 GFLOPS on conv1)');
  return rows;
}

/** deepts-wasm and tfjs-wasm rows (the wasm conv GEMMs run on the calling thread). */
export async function wasmConvRows(seconds: number, notes: string[]): Promise<ConvRow[]> {
  const { registerBackend } = await import('../src/backend/registry.js');
  const { jsBackend } = await import('../src/backend/js/index.js');
  const { createWasmBackend } = await import('../src/backend/wasm/load.js');
  registerBackend(jsBackend);
  const wasm = await createWasmBackend({ threads: 1 });
  const tfWasm = await tfjsPass('wasm');
  const rows: ConvRow[] = [];
  for (const s of CONV_SHAPES) {
    const rates: Record<string, number | null> = {};
    rates['wasm-1t'] = wasm ? tryRate(kernelPass(wasm.kernels), s, seconds, notes, 'wasm') : null;
    rates['tfjs-wasm-1t'] = tfWasm ? tryRate(tfWasm.fn, s, seconds, notes, 'tfjs-wasm') : null;
    rows.push({ shape: s.label, rates });
  }
  return rows;
}

const isMain = typeof process !== 'undefined' && process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const which = process.argv[2] ?? 'native';
  const notes: string[] = [];
  const rows = which === 'wasm' ? await wasmConvRows(0.5, notes) : await nativeConvRows(0.5, notes);
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.rates)))];
  console.log(`${'conv pass (GFLOPS)'.padEnd(36)}${keys.map((k) => k.padStart(16)).join('')}`);
  for (const r of rows) console.log(`${r.shape.padEnd(36)}${keys.map((k) => (r.rates[k] == null ? 'n/a' : r.rates[k]!.toFixed(1)).padStart(16)).join('')}`);
  for (const n of notes) console.log(`  ${n}`);
  process.exit(0);
}
