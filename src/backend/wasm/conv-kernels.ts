/**
 * The WASM backend's convolution and pooling kernels (wasm/src: conv*.inc, pool*.inc, the
 * native sources built for wasm32): whole batches in one call, marshalled through the arena
 * like the other kernels (kernels.ts merges this table into the backend's).
 */
import type { Kernels } from '../kernels.js';
import { conv2dGeometryFields, type Conv2DGeometry } from '../conv-geometry.js';
import { argmaxFloats, checkBiasActPool, checkConvBiasActPool } from '../js/conv-pool.js';
import { POOL_OPS, UNARY_OPS, opCode } from '../ops.js';
import { ELEMENTWISE_CHUNK, type WasmArena } from './instance.js';

/** The im2col scratch of a convolution, floats: the kernel sizes its blocks of pixels (and so a filter gradient's order of sums) to it. */
export function convColFloats(g: Conv2DGeometry): number {
  const k = g.kH * g.kW * g.inC;
  return Math.max(k * 64, Math.min(g.batch * g.outH * g.outW * k, ELEMENTWISE_CHUNK));
}

export function createWasmConvKernels(arena: WasmArena): Partial<Kernels> {
  const ex = arena.exports;

  // Convolutions: inputs and outputs are batch-sized; the im2col scratch is at most
  // ELEMENTWISE_CHUNK floats (the kernel sizes its blocks of pixels to it). The GEMMs inside
  // run on the calling thread.
  const putGeometry = (g: Conv2DGeometry): number => {
    const p = arena.alloc(16);
    arena.putInt32(conv2dGeometryFields(g), p);
    return p;
  };
  const colFloats = convColFloats;
  const sizes = (g: Conv2DGeometry): { x: number; y: number; w: number } => ({
    x: g.batch * g.inH * g.inW * g.inC, y: g.batch * g.outH * g.outW * g.outC, w: g.kH * g.kW * g.inC * g.outC,
  });

  /** One convolution pass: operands a (na floats) and b (nb) in, result (nOut floats) out, with its geometry and im2col scratch. */
  const convPass = (run: (a: number, b: number, out: number, geometry: number, col: number, colFloats: number) => void,
    a: Float32Array, na: number, b: Float32Array, nb: number, out: Float32Array, nOut: number, g: Conv2DGeometry): void => {
    if (nOut === 0) return;
    const cf = colFloats(g);
    arena.begin(na, nb, nOut, 16, cf);
    const pa = arena.put(a, na), pb = arena.put(b, nb), po = arena.alloc(nOut), pg = putGeometry(g), pc = arena.alloc(cf);
    run(pa, pb, po, pg, pc, cf);
    arena.get(po, out, nOut);
  };
  const conv2d: Kernels['conv2d'] = (x, w, out, g) => {
    const n = sizes(g);
    convPass(ex.conv2d, x, n.x, w, n.w, out, n.y, g);
  };
  const conv2dBackpropInput: Kernels['conv2dBackpropInput'] = (dy, w, dx, g) => {
    const n = sizes(g);
    convPass(ex.conv2d_backprop_input, dy, n.y, w, n.w, dx, n.x, g);
  };
  const conv2dBackpropFilter: Kernels['conv2dBackpropFilter'] = (x, dy, dw, g) => {
    const n = sizes(g);
    convPass(ex.conv2d_backprop_filter, x, n.x, dy, n.y, dw, n.w, g);
  };
  const pool2d: Kernels['pool2d'] = (op, x, out, g) => {
    const n = sizes(g);
    if (n.y === 0) return;
    arena.begin(n.x, n.y, 16);
    const px = arena.put(x, n.x), po = arena.alloc(n.y), pg = putGeometry(g);
    ex.pool2d(opCode(POOL_OPS, op), px, po, pg);
    arena.get(po, out, n.y);
  };
  const pool2dBackward: Kernels['pool2dBackward'] = (op, x, y, dy, dx, g) => {
    const n = sizes(g);
    if (n.x === 0) return;
    arena.begin(n.x, n.y, n.y, n.x, 16);
    const px = arena.put(x, n.x), py = arena.put(y, n.y), pdy = arena.put(dy, n.y), pdx = arena.alloc(n.x), pg = putGeometry(g);
    ex.pool2d_backward(opCode(POOL_OPS, op), px, py, pdy, pdx, pg);
    arena.get(pdx, dx, n.x);
  };
  // The conv epilogue fused with max pooling: whole batches in one call (as the conv kernels).
  const biasActPool: Kernels['biasActPool'] = (act, z, bias, out, argmax, g) => {
    checkBiasActPool(act, g, 'biasActPool');
    const n = sizes(g), na = argmaxFloats(n.y);
    if (n.y === 0) return;
    arena.begin(n.x, g.inC, n.y, na, 16);
    const pz = arena.put(z, n.x), pb = bias ? arena.put(bias, g.inC) : 0, po = arena.alloc(n.y), pa = arena.alloc(na), pg = putGeometry(g);
    ex.bias_act_pool(opCode(UNARY_OPS, act), pz, pb, po, pa, pg);
    arena.get(po, out, n.y);
    arena.get(pa, argmax, na);
  };
  const biasActPoolBackward: Kernels['biasActPoolBackward'] = (act, y, dy, argmax, dz, dbias, g) => {
    checkBiasActPool(act, g, 'biasActPoolBackward');
    const n = sizes(g), na = argmaxFloats(n.y);
    arena.begin(n.y, n.y, na, n.x, g.inC, 16);
    const py = arena.put(y, n.y), pdy = arena.put(dy, n.y), pa = arena.put(argmax, na), pdz = arena.alloc(n.x);
    const pdb = dbias ? arena.alloc(g.inC) : 0, pg = putGeometry(g);
    ex.bias_act_pool_backward(opCode(UNARY_OPS, act), py, pdy, pa, pdz, pdb, pg);
    arena.get(pdz, dz, n.x);
    if (dbias) arena.get(pdb, dbias, g.inC);
  };
  const conv2dBiasActPool: Kernels['conv2dBiasActPool'] = (act, x, w, bias, out, argmax, g, poolH, poolW) => {
    const pg = checkConvBiasActPool(act, g, poolH, poolW, 'conv2dBiasActPool');
    const n = sizes(g), ny = sizes(pg).y, na = argmaxFloats(ny);
    if (ny === 0) return;
    arena.begin(n.x, n.w, g.outC, ny, na, 16);
    const px = arena.put(x, n.x), pw = arena.put(w, n.w), pb = bias ? arena.put(bias, g.outC) : 0, po = arena.alloc(ny), pa = arena.alloc(na), pg2 = putGeometry(g);
    ex.conv_bias_act_pool(opCode(UNARY_OPS, act), px, pw, pb, po, pa, pg2, poolH, poolW);
    arena.get(po, out, ny);
    arena.get(pa, argmax, na);
  };
  const conv2dBiasActPoolBackpropFilter: Kernels['conv2dBiasActPoolBackpropFilter'] = (act, x, y, dy, argmax, dw, dbias, g, poolH, poolW) => {
    const pg = checkConvBiasActPool(act, g, poolH, poolW, 'conv2dBiasActPoolBackpropFilter');
    const n = sizes(g), ny = sizes(pg).y, na = argmaxFloats(ny);
    arena.begin(n.x, ny, ny, na, n.w, g.outC, 16);
    const px = arena.put(x, n.x), py = arena.put(y, ny), pdy = arena.put(dy, ny), pa = arena.put(argmax, na);
    const pdw = arena.alloc(n.w), pdb = dbias ? arena.alloc(g.outC) : 0, pg2 = putGeometry(g);
    ex.conv_bias_act_pool_filter(opCode(UNARY_OPS, act), px, py, pdy, pa, pdw, pdb, pg2, poolH, poolW);
    arena.get(pdw, dw, n.w);
    if (dbias) arena.get(pdb, dbias, g.outC);
  };

  return {
    conv2d, conv2dBackpropInput, conv2dBackpropFilter, pool2d, pool2dBackward, biasActPool, biasActPoolBackward,
    conv2dBiasActPool, conv2dBiasActPoolBackpropFilter,
  };
}
