/**
 * Reference kernels of a conv layer's epilogue fused with the non-overlapping max pooling
 * after it (see biasActPool in ../kernels.ts and native/conv-pool.inc): the definition the
 * fast backends are checked against, element for element and sum for sum.
 */
import type { Conv2DGeometry } from '../conv-geometry.js';
import type { F32, UnaryOp } from '../kernels.js';
import { conv2dGeometry } from '../conv-geometry.js';
import { conv2d, conv2dBackpropFilter } from './conv.js';

/** The argmax bytes of a Float32Array (one byte per pooled value, 4 per float). */
export const argmaxBytes = (a: F32): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Float32Array elements that hold one argmax byte per pooled value. */
export const argmaxFloats = (pooled: number): number => Math.ceil(pooled / 4);

/** Throws unless biasActPool supports act and g (relu/linear, strides = pool size, valid, ≤ 256 taps, ≤ 8192 channels). */
export function checkBiasActPool(act: UnaryOp, g: Conv2DGeometry, what: string): void {
  if (act !== 'relu' && act !== 'linear') throw new Error(`${what}: activation must be 'relu' or 'linear', got '${act}'`);
  const ok = g.outC === g.inC && g.strideH === g.kH && g.strideW === g.kW && g.padTop === 0 && g.padLeft === 0 &&
    g.dilationH === 1 && g.dilationW === 1 && g.outH === Math.floor(g.inH / g.kH) && g.outW === Math.floor(g.inW / g.kW);
  if (!ok) throw new Error(`${what}: the geometry must be a valid max pooling with strides equal to the pool size`);
  if (g.kH * g.kW > 256) throw new Error(`${what}: at most 256 taps per window, got ${g.kH}×${g.kW}`);
  if (g.inC > 8192) throw new Error(`${what}: at most 8192 channels, got ${g.inC}`);
}

const act1 = (act: UnaryOp, v: number): number => (act === 'relu' ? (v > 0 || Number.isNaN(v) ? v : 0) : v);

export function biasActPool(act: UnaryOp, z: F32, bias: F32 | null, out: F32, argmax: F32, g: Conv2DGeometry): void {
  checkBiasActPool(act, g, 'biasActPool');
  const idx = argmaxBytes(argmax);
  const C = g.inC;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const o = ((n * g.outH + oh) * g.outW + ow) * C;
        for (let c = 0; c < C; c++) {
          let m = 0, best = 0;
          for (let kh = 0; kh < g.kH; kh++) {
            for (let kw = 0; kw < g.kW; kw++) {
              let v = z[((n * g.inH + oh * g.kH + kh) * g.inW + ow * g.kW + kw) * C + c]!;
              if (bias) v = Math.fround(v + bias[c]!);
              v = act1(act, v);
              const t = kh * g.kW + kw;
              if (t === 0) m = v;
              else if (v > m || (Number.isNaN(v) && !Number.isNaN(m))) { m = v; best = t; }
            }
          }
          out[o + c] = m;
          idx[o + c] = best;
        }
      }
    }
  }
}

export function biasActPoolBackward(act: UnaryOp, y: F32, dy: F32, argmax: F32, dz: F32, dbias: F32 | null, g: Conv2DGeometry): void {
  checkBiasActPool(act, g, 'biasActPoolBackward');
  const idx = argmaxBytes(argmax);
  const C = g.inC;
  dz.fill(0);
  if (dbias) dbias.fill(0);
  const sums = new Float32Array(C);
  for (let n = 0; n < g.batch; n++) {
    sums.fill(0);
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const o = ((n * g.outH + oh) * g.outW + ow) * C;
        for (let c = 0; c < C; c++) {
          const d = dy[o + c]!;
          const gv = act === 'relu' ? (y[o + c]! > 0 ? d : d * 0) : d;
          sums[c] += gv;
          const t = idx[o + c]!, kh = Math.floor(t / g.kW), kw = t % g.kW;
          dz[((n * g.inH + oh * g.kH + kh) * g.inW + ow * g.kW + kw) * C + c] = gv;
        }
      }
    }
    if (dbias) for (let c = 0; c < C; c++) dbias[c] += sums[c]!;
  }
}

/** The pooling geometry of a poolH × poolW max pooling (strides = pool size, valid) of g's output. */
export function poolGeometryOf(g: Conv2DGeometry, poolH: number, poolW: number): Conv2DGeometry {
  if (!(Number.isInteger(poolH) && Number.isInteger(poolW) && poolH >= 1 && poolW >= 1)) throw new Error(`pool sizes must be positive integers, got ${poolH}×${poolW}`);
  const inH = Math.max(g.outH, poolH), inW = Math.max(g.outW, poolW); // a geometry for the empty case too
  const p = conv2dGeometry({ batch: g.batch, inH, inW, inC: g.outC, outC: g.outC, kernelSize: [poolH, poolW], strides: [poolH, poolW], padding: 'valid' });
  return { ...p, inH: g.outH, inW: g.outW, outH: Math.floor(g.outH / poolH), outW: Math.floor(g.outW / poolW) };
}

/**
 * Throws unless conv2dBiasActPool supports g: at most 9 taps, unless anyTaps (the reference and
 * native forward kernels take any convolution; filter gradients and WASM only few-tap ones).
 */
export function checkConvBiasActPool(act: UnaryOp, g: Conv2DGeometry, poolH: number, poolW: number, what: string, anyTaps = false): Conv2DGeometry {
  const taps = g.kH * g.kW * g.inC;
  if (taps < 1 || (taps > 9 && !anyTaps)) throw new Error(`${what}: the convolution must have at most 9 taps (kernelH·kernelW·inChannels), got ${taps}`);
  const pg = poolGeometryOf(g, poolH, poolW);
  checkBiasActPool(act, pg, what);
  return pg;
}

export function conv2dBiasActPool(act: UnaryOp, x: F32, w: F32, bias: F32 | null, out: F32, argmax: F32, g: Conv2DGeometry, poolH: number, poolW: number): void {
  const pg = checkConvBiasActPool(act, g, poolH, poolW, 'conv2dBiasActPool', true);
  const z = new Float32Array(g.batch * g.outH * g.outW * g.outC);
  conv2d(x, w, z, g);
  biasActPool(act, z, bias, out, argmax, pg);
}

export function conv2dBiasActPoolBackpropFilter(act: UnaryOp, x: F32, y: F32, dy: F32, argmax: F32, dw: F32, dbias: F32 | null, g: Conv2DGeometry, poolH: number, poolW: number): void {
  const pg = checkConvBiasActPool(act, g, poolH, poolW, 'conv2dBiasActPoolBackpropFilter');
  const dz = new Float32Array(g.batch * g.outH * g.outW * g.outC);
  biasActPoolBackward(act, y, dy, argmax, dz, null, pg);
  conv2dBackpropFilter(x, dz, dw, g);
  if (!dbias) return;
  // Each channel over the pooled values in order (as the fast kernels), not per image.
  dbias.fill(0);
  for (let i = 0; i < y.length && g.outC > 0; i++) {
    const c = i % g.outC, d = dy[i]!;
    dbias[c] += act === 'relu' ? (y[i]! > 0 ? d : d * 0) : d;
  }
}
