/**
 * Fused regression losses: mean((p − t)²) and mean(|p − t|) with one-step
 * gradients. Composing them from sub/square/mean costs extra passes and
 * temporaries over the (often large) output — the autoencoder's 256×784 — so
 * these are a measured fast path, written with the backend's vectorised
 * kernels rather than JS loops; the composed forms give the same values
 * (see test/autograd.test.ts).
 */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape, shapesEqual } from '../../tensor/shape.js';
import { record } from '../tape.js';
import { float, kernels, newTensor } from './util.js';

function check(name: string, p: Tensor, t: Tensor): void {
  if (!shapesEqual(p.shape, t.shape)) throw new Error(`${name}: predictions ${formatShape(p.shape)} and targets ${formatShape(t.shape)} differ in shape`);
}

const ALL = [0];

/**
 * The mean of a flat array as a scalar tensor, by kernels only (sum, then a float32 division,
 * which rounds as the double division would), so a compiled step recomputes it on replay.
 */
function meanOf(x: Float32Array): Tensor {
  const out = new Float32Array(1);
  const k = kernels();
  k.reduce('sum', x, [x.length], ALL, out);
  k.binary('div', out, [], new Float32Array([x.length]), [], out, []);
  return new Tensor(out, []);
}

/** d(loss)/d(pred) = scale · f(p, t), and its negation for the target when it needs a gradient. */
function gradients(pred: Tensor, target: Tensor, perElement: Tensor, scale: number): (Tensor | null)[] {
  const k = kernels();
  const s = new Float32Array([scale]);
  const dp = newTensor(pred.shape);
  k.binary('mul', perElement.values, perElement.shape, s, [], dp.values, pred.shape);
  let dt: Tensor | null = null;
  if (target.requiresGrad) {
    dt = newTensor(target.shape);
    k.unary('neg', dp.values, dt.values, 0);
  }
  return [pred.requiresGrad ? dp : null, dt];
}

export function meanSquaredError(pred: Tensor, target: Tensor): Tensor {
  check('meanSquaredError', pred, target);
  const p = float(pred, 'meanSquaredError');
  const t = float(target, 'meanSquaredError');
  const n = p.length;
  const k = kernels();
  const squares = newTensor(pred.shape);
  k.binary('squaredDifference', p, pred.shape, t, target.shape, squares.values, pred.shape);
  const out = meanOf(squares.values);
  return record(out, 'meanSquaredError', [pred, target], (g) => {
    const diff = newTensor(pred.shape);
    k.binary('sub', p, pred.shape, t, target.shape, diff.values, pred.shape);
    return gradients(pred, target, diff, (2 * g.values[0]!) / n);
  });
}

export function meanAbsoluteError(pred: Tensor, target: Tensor): Tensor {
  check('meanAbsoluteError', pred, target);
  const p = float(pred, 'meanAbsoluteError');
  const t = float(target, 'meanAbsoluteError');
  const n = p.length;
  const k = kernels();
  const diff = newTensor(pred.shape);
  k.binary('sub', p, pred.shape, t, target.shape, diff.values, pred.shape);
  const abs = newTensor(pred.shape);
  k.unary('abs', diff.values, abs.values, 0);
  const out = meanOf(abs.values);
  return record(out, 'meanAbsoluteError', [pred, target], (g) => {
    const sign = newTensor(pred.shape);
    k.unary('sign', diff.values, sign.values, 0);
    return gradients(pred, target, sign, g.values[0]! / n);
  });
}
