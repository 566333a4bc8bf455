/** Matrix products and the fused dense op (matmul + bias + activation), with gradients. */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';
import { OUTPUT_DIFFERENTIABLE, type UnaryOp } from '../../backend/kernels.js';
import { record } from '../tape.js';
import { float, kernels, newTensor, zerosTensor } from './util.js';

function matmulRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  if (a.rank !== 2 || b.rank !== 2) {
    throw new Error(`matmul expects 2-D tensors, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const [m, ka] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [kb, n] = transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (ka !== kb) {
    throw new Error(`matmul: inner dimensions differ: ${formatShape(a.shape)}${transA ? 'ᵀ' : ''} · ${formatShape(b.shape)}${transB ? 'ᵀ' : ''} (${ka} vs ${kb})`);
  }
  const out = newTensor([m, n]);
  kernels().matmul(float(a, 'matmul'), float(b, 'matmul'), out.values, m, n, ka, transA, transB, false);
  return out;
}

/** op(a) · op(b) for 2-D tensors; transposes are free (handled by the kernel). */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  const out = matmulRaw(a, b, transA, transB);
  return record(out, 'matmul', [a, b], (g) => [
    a.requiresGrad ? (transA ? matmulRaw(b, g, transB, true) : matmulRaw(g, b, false, !transB)) : null,
    b.requiresGrad ? (transB ? matmulRaw(g, a, true, transA) : matmulRaw(a, g, !transA, false)) : null,
  ]);
}

/**
 * y = act(x · W + b) in one pass over the output (the Dense layer's hot path).
 * Only for activations whose derivative follows from y (relu, sigmoid, tanh, ...);
 * other activations are applied as separate ops by the layer.
 */
export function dense(x: Tensor, kernel: Tensor, bias: Tensor | null, activation: UnaryOp = 'linear', alpha = 0): Tensor {
  if (!OUTPUT_DIFFERENTIABLE.has(activation)) {
    throw new Error(`dense: activation '${activation}' cannot be fused; apply it as a separate op`);
  }
  const y = matmulRaw(x, kernel, false, false);
  const rows = y.shape[0]!;
  const cols = y.shape[1]!;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== cols)) {
    throw new Error(`dense: bias shape ${formatShape(bias.shape)} does not match ${cols} units`);
  }
  kernels().biasAct(y.values, bias ? float(bias, 'dense') : null, activation, alpha, y.values, rows, cols);
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  return record(y, 'dense', inputs, (g) => {
    const dz = newTensor(y.shape);
    const dbias = bias?.requiresGrad ? zerosTensor(bias.shape) : null;
    kernels().biasActBackward(y.values, g.values, activation, alpha, dz.values, dbias ? dbias.values : null, rows, cols);
    const dx = x.requiresGrad ? matmulRaw(dz, kernel, false, true) : null;
    const dw = kernel.requiresGrad ? matmulRaw(x, dz, true, false) : null;
    return bias ? [dx, dw, dbias] : [dx, dw];
  });
}
