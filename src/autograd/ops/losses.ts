/**
 * Fused regression losses: mean((p − t)²) and mean(|p − t|) in one pass, with a
 * one-pass gradient. Composing them from sub/square/mean costs five full passes
 * and four temporaries over the (often large) output — the autoencoder's
 * 256×784 — so these are a measured fast path; the composed forms give the same
 * values (see test/autograd.test.ts).
 */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape, shapesEqual } from '../../tensor/shape.js';
import { record } from '../tape.js';
import { float, newTensor } from './util.js';

function check(name: string, p: Tensor, t: Tensor): void {
  if (!shapesEqual(p.shape, t.shape)) throw new Error(`${name}: predictions ${formatShape(p.shape)} and targets ${formatShape(t.shape)} differ in shape`);
}

export function meanSquaredError(pred: Tensor, target: Tensor): Tensor {
  check('meanSquaredError', pred, target);
  const p = float(pred, 'meanSquaredError');
  const t = float(target, 'meanSquaredError');
  const n = p.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i]! - t[i]!;
    s += d * d;
  }
  const out = new Tensor(new Float32Array([s / n]), []);
  return record(out, 'meanSquaredError', [pred, target], (g) => {
    const scale = (2 * g.values[0]!) / n;
    const dp = newTensor(pred.shape);
    const d = dp.values;
    for (let i = 0; i < n; i++) d[i] = scale * (p[i]! - t[i]!);
    let dt: Tensor | null = null;
    if (target.requiresGrad) {
      dt = newTensor(target.shape);
      for (let i = 0; i < n; i++) dt.values[i] = -d[i]!;
    }
    return [pred.requiresGrad ? dp : null, dt];
  });
}

export function meanAbsoluteError(pred: Tensor, target: Tensor): Tensor {
  check('meanAbsoluteError', pred, target);
  const p = float(pred, 'meanAbsoluteError');
  const t = float(target, 'meanAbsoluteError');
  const n = p.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(p[i]! - t[i]!);
  const out = new Tensor(new Float32Array([s / n]), []);
  return record(out, 'meanAbsoluteError', [pred, target], (g) => {
    const scale = g.values[0]! / n;
    const dp = newTensor(pred.shape);
    const d = dp.values;
    for (let i = 0; i < n; i++) {
      const diff = p[i]! - t[i]!;
      d[i] = diff > 0 ? scale : diff < 0 ? -scale : 0;
    }
    let dt: Tensor | null = null;
    if (target.requiresGrad) {
      dt = newTensor(target.shape);
      for (let i = 0; i < n; i++) dt.values[i] = -d[i]!;
    }
    return [pred.requiresGrad ? dp : null, dt];
  });
}
