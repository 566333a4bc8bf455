/**
 * The geometry of a 2-D convolution or pooling window over channels-last (NHWC)
 * data, as Keras and TensorFlow lay it out. Computed once per layer call by
 * `conv2dGeometry` and handed to the conv / pool kernels, which never decide
 * padding themselves.
 */
export type Padding = 'valid' | 'same';

export interface Conv2DGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  /** Filters for a convolution; equal to inC for pooling. */
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  /** Zero rows above / columns left of the input; TF's SAME puts the odd one at the bottom / right. */
  padTop: number;
  padLeft: number;
}

export interface Conv2DGeometryArgs {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  kernelSize: readonly [number, number];
  strides?: readonly [number, number];
  dilationRate?: readonly [number, number];
  padding?: Padding;
}

function positive(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`conv2d: ${what} must be a positive integer, got ${v}`);
  return v;
}

/** Output size along one axis and the padding before it, by TensorFlow's rules. */
export function convOutputSize(inSize: number, k: number, stride: number, dilation: number, padding: Padding): { out: number; padBefore: number } {
  const effK = (k - 1) * dilation + 1;
  if (padding === 'valid') {
    const out = Math.floor((inSize - effK) / stride) + 1;
    return { out: Math.max(out, 0), padBefore: 0 };
  }
  const out = Math.ceil(inSize / stride);
  const padTotal = Math.max((out - 1) * stride + effK - inSize, 0);
  return { out, padBefore: Math.floor(padTotal / 2) };
}

export function conv2dGeometry(a: Conv2DGeometryArgs): Conv2DGeometry {
  const [kH, kW] = a.kernelSize;
  const [strideH, strideW] = a.strides ?? [1, 1];
  const [dilationH, dilationW] = a.dilationRate ?? [1, 1];
  const padding = a.padding ?? 'valid';
  for (const [v, w] of [[kH, 'kernel height'], [kW, 'kernel width'], [strideH, 'stride'], [strideW, 'stride'], [dilationH, 'dilation rate'], [dilationW, 'dilation rate']] as const) positive(v, w);
  const h = convOutputSize(a.inH, kH, strideH, dilationH, padding);
  const w = convOutputSize(a.inW, kW, strideW, dilationW, padding);
  if (h.out < 1 || w.out < 1) {
    throw new Error(`conv2d: input ${a.inH}×${a.inW} is smaller than the ${kH}×${kW} window (dilation ${dilationH}×${dilationW}) with 'valid' padding`);
  }
  return {
    batch: a.batch, inH: a.inH, inW: a.inW, inC: a.inC, outH: h.out, outW: w.out, outC: a.outC,
    kH, kW, strideH, strideW, dilationH, dilationW, padTop: h.padBefore, padLeft: w.padBefore,
  };
}

/** The geometry as the compiled kernels take it (native/isa.h ConvGeom): 15 integers in this order. */
export function conv2dGeometryFields(g: Conv2DGeometry): number[] {
  return [g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft];
}
