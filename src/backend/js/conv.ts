/**
 * Reference convolution and pooling kernels: direct loops over NHWC data, the
 * definitions the fast backends are checked against. Weights are in Keras'
 * layout [kH, kW, inC, outC]. Out-of-bounds (padding) taps read zero.
 */
import type { Conv2DGeometry } from '../conv-geometry.js';
import type { F32, PoolOp } from '../kernels.js';

/** Calls f(inputOffset, kernelTapIndex) for every in-bounds tap of output pixel (n, oh, ow). */
function forEachTap(g: Conv2DGeometry, n: number, oh: number, ow: number, f: (xOffset: number, tap: number) => void): void {
  for (let kh = 0; kh < g.kH; kh++) {
    const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
    if (ih < 0 || ih >= g.inH) continue;
    for (let kw = 0; kw < g.kW; kw++) {
      const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
      if (iw < 0 || iw >= g.inW) continue;
      f(((n * g.inH + ih) * g.inW + iw) * g.inC, kh * g.kW + kw);
    }
  }
}

export function conv2d(x: F32, w: F32, out: F32, g: Conv2DGeometry): void {
  const { inC, outC } = g;
  const acc = new Float64Array(outC);
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        acc.fill(0);
        forEachTap(g, n, oh, ow, (xo, tap) => {
          for (let ic = 0; ic < inC; ic++) {
            const xv = x[xo + ic]!;
            const wo = (tap * inC + ic) * outC;
            for (let oc = 0; oc < outC; oc++) acc[oc] += xv * w[wo + oc]!;
          }
        });
        for (let oc = 0; oc < outC; oc++) out[o++] = acc[oc]!;
      }
    }
  }
}

/** Calls f(outputOffset, inputOffset, tap) for every in-bounds tap of every output pixel, in order. */
function forEachOutputTap(g: Conv2DGeometry, f: (o: number, xOffset: number, tap: number) => void): void {
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++, o += g.outC) {
        const at = o;
        forEachTap(g, n, oh, ow, (xo, tap) => f(at, xo, tap));
      }
    }
  }
}

/** dx = the adjoint of conv2d with respect to x (dx is overwritten). */
export function conv2dBackpropInput(dy: F32, w: F32, dx: F32, g: Conv2DGeometry): void {
  const { inC, outC } = g;
  const acc = new Float64Array(dx.length);
  forEachOutputTap(g, (o, xo, tap) => {
    for (let ic = 0; ic < inC; ic++) {
      const wo = (tap * inC + ic) * outC;
      let s = 0;
      for (let oc = 0; oc < outC; oc++) s += dy[o + oc]! * w[wo + oc]!;
      acc[xo + ic] += s;
    }
  });
  for (let i = 0; i < dx.length; i++) dx[i] = acc[i]!;
}

/** dw = the adjoint of conv2d with respect to w (dw is overwritten). */
export function conv2dBackpropFilter(x: F32, dy: F32, dw: F32, g: Conv2DGeometry): void {
  const { inC, outC } = g;
  const acc = new Float64Array(dw.length);
  forEachOutputTap(g, (o, xo, tap) => {
    for (let ic = 0; ic < inC; ic++) {
      const xv = x[xo + ic]!;
      const wo = (tap * inC + ic) * outC;
      for (let oc = 0; oc < outC; oc++) acc[wo + oc] += xv * dy[o + oc]!;
    }
  });
  for (let i = 0; i < dw.length; i++) dw[i] = acc[i]!;
}

/**
 * Max or average pooling per channel (g.outC === g.inC). As TensorFlow: max ignores
 * padding, average divides by the number of in-bounds taps. NaN propagates through max.
 */
export function pool2d(op: PoolOp, x: F32, out: F32, g: Conv2DGeometry): void {
  const C = g.inC;
  const acc = new Float64Array(C);
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        acc.fill(op === 'max' ? -Infinity : 0);
        let count = 0;
        forEachTap(g, n, oh, ow, (xo) => {
          count++;
          for (let c = 0; c < C; c++) {
            const v = x[xo + c]!;
            if (op === 'avg') acc[c] += v;
            else if (v > acc[c]! || Number.isNaN(v)) acc[c] = v;
          }
        });
        for (let c = 0; c < C; c++) out[o++] = op === 'avg' ? (count > 0 ? acc[c]! / count : 0) : acc[c]!;
      }
    }
  }
}

/**
 * dx (overwritten) from dy of pool2d. Max sends each output's gradient to the first tap
 * (in window order) that holds the maximum y; average spreads it evenly over the in-bounds taps.
 */
export function pool2dBackward(op: PoolOp, x: F32, y: F32, dy: F32, dx: F32, g: Conv2DGeometry): void {
  const C = g.inC;
  dx.fill(0);
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++, o += C) {
        if (op === 'avg') {
          let count = 0;
          forEachTap(g, n, oh, ow, () => { count++; });
          if (count === 0) continue;
          forEachTap(g, n, oh, ow, (xo) => {
            for (let c = 0; c < C; c++) dx[xo + c] += dy[o + c]! / count;
          });
        } else {
          for (let c = 0; c < C; c++) {
            const target = y[o + c]!;
            let found = -1;
            forEachTap(g, n, oh, ow, (xo) => {
              const v = x[xo + c]!;
              if (found < 0 && (v === target || (Number.isNaN(v) && Number.isNaN(target)))) found = xo + c;
            });
            if (found >= 0) dx[found] += dy[o + c]!;
          }
        }
      }
    }
  }
}
