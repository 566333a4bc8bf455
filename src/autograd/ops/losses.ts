/**
 * Fused regression losses: mean((p − t)²) and mean(|p − t|), value and gradient
 * in one kernel pass (pointwiseLoss). Composing them from sub/square/mean costs
 * extra passes and temporaries over the (often large) output — the autoencoder's
 * 256×784: squaredDifference, sum, sub and mul were four passes — so these are a
 * measured fast path; the composed forms give the same values (see
 * test/autograd.test.ts).
 */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape, shapesEqual } from '../../tensor/shape.js';
import { isRecording, record } from '../tape.js';
import type { LossOp } from '../../backend/kernels.js';
import { float, kernels, newTensor } from './util.js';

function check(name: string, p: Tensor, t: Tensor): void {
  if (!shapesEqual(p.shape, t.shape)) throw new Error(`${name}: predictions ${formatShape(p.shape)} and targets ${formatShape(t.shape)} differ in shape`);
}

/**
 * mean(f(p, t)) by the fused loss kernel: one pass computes the sum and, when a gradient will be
 * asked for, d(mean)/d(pred) = (derivativeScale / n) · ∂f/∂p; then a float32 division by n (the
 * kernel sums in double and rounds once, so the mean rounds as the composed form's does, up to
 * summation order). Everything is kernels, so a compiled step recomputes it on replay.
 */
function fusedMean(name: string, op: LossOp, pred: Tensor, target: Tensor, derivativeScale: number): Tensor {
  check(name, pred, target);
  const p = float(pred, name);
  const t = float(target, name);
  const n = p.length;
  const k = kernels();
  const grad = isRecording() && (pred.requiresGrad || target.requiresGrad) ? newTensor(pred.shape) : null;
  const sum = new Float32Array(1);
  k.pointwiseLoss(op, p, t, sum, grad ? grad.values : null, n > 0 ? derivativeScale / n : 0);
  k.binary('div', sum, [], new Float32Array([n]), [], sum, []);
  return record(new Tensor(sum, []), name, [pred, target], (g) => {
    // The upstream gradient is 1 for a loss that is the step's total (no kernel then); else scale.
    const gv = g.values[0]!;
    let dp = grad!;
    if (gv !== 1) {
      dp = newTensor(pred.shape);
      k.binary('mul', grad!.values, pred.shape, new Float32Array([gv]), [], dp.values, pred.shape);
    }
    let dt: Tensor | null = null;
    if (target.requiresGrad) {
      dt = newTensor(target.shape);
      k.unary('neg', dp.values, dt.values, 0);
    }
    return [pred.requiresGrad ? dp : null, dt];
  });
}

export function meanSquaredError(pred: Tensor, target: Tensor): Tensor {
  return fusedMean('meanSquaredError', 'squaredError', pred, target, 2);
}

export function meanAbsoluteError(pred: Tensor, target: Tensor): Tensor {
  return fusedMean('meanAbsoluteError', 'absoluteError', pred, target, 1);
}

/**
 * Keras' binary crossentropy from probabilities (clipped to [1e-7, 1 − 1e-7]), averaged over every
 * element. Its gradient in the target is not −(its gradient in the prediction), which is all the
 * fused kernel gives: targets that need a gradient take the composed form (keras.losses.binaryCrossentropy).
 */
export function meanBinaryCrossentropy(pred: Tensor, target: Tensor): Tensor {
  if (target.requiresGrad && isRecording()) throw new Error('meanBinaryCrossentropy: targets that need a gradient are not supported by the fused kernel; use losses.binaryCrossentropy');
  return fusedMean('meanBinaryCrossentropy', 'binaryCrossentropy', pred, target, 1);
}
