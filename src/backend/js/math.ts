/** Scalar activation functions and their derivatives, shared by the reference kernels. */
import type { UnaryOp } from '../kernels.js';
import { erf } from '../../tensor/erf.js';

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** deepts' one erf (double precision, shared with stats); re-exported for the kernels that used it from here. */
export { erf };

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export function unaryScalar(op: UnaryOp, x: number, alpha: number): number {
  switch (op) {
    case 'neg': return -x;
    case 'abs': return Math.abs(x);
    case 'exp': return Math.exp(x);
    case 'log': return Math.log(x);
    case 'sqrt': return Math.sqrt(x);
    case 'rsqrt': return 1 / Math.sqrt(x);
    case 'square': return x * x;
    case 'reciprocal': return 1 / x;
    // NaN propagates (x > 0 and x < 0 are both false for NaN), as in PyTorch and TensorFlow.
    case 'sign': return x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x;
    case 'relu': return x > 0 || x !== x ? x : 0;
    case 'relu6': return x > 0 ? (x < 6 ? x : 6) : x !== x ? x : 0;
    case 'sigmoid': return sigmoid(x);
    case 'tanh': return Math.tanh(x);
    case 'elu': return x > 0 ? x : alpha * Math.expm1(x);
    case 'selu': return x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x);
    case 'leakyRelu': return x > 0 ? x : alpha * x;
    case 'gelu': return 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'geluTanh': return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    case 'softplus': return x > 20 ? x : Math.log1p(Math.exp(x));
    case 'softsign': return x / (1 + Math.abs(x));
    case 'swish': return x * sigmoid(x);
    case 'hardSigmoid': return x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5;
    case 'log1p': return Math.log1p(x);
    case 'expm1': return Math.expm1(x);
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    case 'round': return roundHalfToEven(x);
    case 'sin': return Math.sin(x);
    case 'cos': return Math.cos(x);
    case 'erf': return erf(x);
    case 'step': return x > 0 ? 1 : x !== x ? x : 0;
    case 'linear': return x;
  }
}

/** Banker's rounding, as NumPy / TensorFlow round. */
function roundHalfToEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** f'(x) for op, given x and y = f(x). Non-differentiable points take the one-sided value TF uses. */
export function unaryDerivative(op: UnaryOp, x: number, y: number, alpha: number): number {
  switch (op) {
    case 'neg': return -1;
    case 'abs': return x > 0 ? 1 : x < 0 ? -1 : 0;
    case 'exp': return y;
    case 'log': return 1 / x;
    case 'sqrt': return 0.5 / y;
    case 'rsqrt': return -0.5 * y * y * y;
    case 'square': return 2 * x;
    case 'reciprocal': return -y * y;
    case 'sign': case 'floor': case 'ceil': case 'round': case 'step': return 0;
    case 'relu': return y > 0 ? 1 : 0;
    case 'relu6': return y > 0 && y < 6 ? 1 : 0;
    case 'sigmoid': return y * (1 - y);
    case 'tanh': return 1 - y * y;
    case 'elu': return y > 0 ? 1 : y + alpha;
    case 'selu': return x > 0 ? SELU_SCALE : y + SELU_SCALE * SELU_ALPHA;
    case 'leakyRelu': return y > 0 ? 1 : alpha;
    case 'gelu': {
      const cdf = 0.5 * (1 + erf(x / Math.SQRT2));
      const pdf = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
      return cdf + x * pdf;
    }
    case 'geluTanh': {
      const u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
      const t = Math.tanh(u);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    }
    case 'softplus': return sigmoid(x);
    case 'softsign': { const d = 1 + Math.abs(x); return 1 / (d * d); }
    case 'swish': { const s = sigmoid(x); return s + x * s * (1 - s); }
    case 'hardSigmoid': return x > -3 && x < 3 ? 1 / 6 : 0;
    case 'log1p': return 1 / (1 + x);
    case 'expm1': return y + 1;
    case 'sin': return Math.cos(x);
    case 'cos': return -Math.sin(x);
    case 'erf': return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
    case 'linear': return 1;
  }
}
