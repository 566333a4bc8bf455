/** Softmax and log-softmax along the last axis, fused and numerically stable. */
import { Tensor } from '../../tensor/tensor.js';
import { normalizeAxis } from '../../tensor/shape.js';
import { record } from '../tape.js';
import { hostWrite } from '../../tensor/step-trace.js';
import { float, kernels, newTensor } from './util.js';
import { transpose } from './shape.js';

function lastAxis(x: Tensor, axis: number, f: (t: Tensor) => Tensor): Tensor {
  const ax = normalizeAxis(axis, x.rank);
  if (ax === x.rank - 1) return f(x);
  // Move `axis` last, apply, move it back.
  const perm = x.shape.map((_, i) => i).filter((i) => i !== ax).concat([ax]);
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return transpose(f(transpose(x, perm)), inv);
}

function softmaxLast(x: Tensor, log: boolean): Tensor {
  const cols = x.shape[x.rank - 1] ?? 1;
  const rows = x.size / Math.max(cols, 1);
  const y = newTensor(x.shape);
  kernels().softmax(float(x, 'softmax'), y.values, rows, cols, log);
  return record(y, log ? 'logSoftmax' : 'softmax', [x], (g) => {
    const dx = newTensor(x.shape);
    hostWrite(dx.values, () => softmaxBackward(g.values, y.values, dx.values, rows, cols, log));
    return [dx];
  });
}

/** dx of a row-wise (log-)softmax from dy and y (a JS kernel: a compiled step replays it as a host write). */
function softmaxBackward(gv: Float32Array, yv: Float32Array, d: Float32Array, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s = 0;
    if (log) {
      // d logsoftmax: g - softmax · Σg
      for (let c = 0; c < cols; c++) s += gv[o + c]!;
      for (let c = 0; c < cols; c++) d[o + c] = gv[o + c]! - Math.exp(yv[o + c]!) * s;
    } else {
      // d softmax: y ⊙ (g - Σ g⊙y)
      for (let c = 0; c < cols; c++) s += gv[o + c]! * yv[o + c]!;
      for (let c = 0; c < cols; c++) d[o + c] = yv[o + c]! * (gv[o + c]! - s);
    }
  }
}

export function softmax(x: Tensor, axis = -1): Tensor {
  return lastAxis(x, axis, (t) => softmaxLast(t, false));
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return lastAxis(x, axis, (t) => softmaxLast(t, true));
}
