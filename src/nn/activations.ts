/** Activation functions by Keras name (snake_case or camelCase). */
import type { Tensor } from '../tensor/tensor.js';
import type { UnaryOp } from '../backend/kernels.js';
import { ops } from '../autograd/index.js';
import { unary } from '../autograd/ops/elementwise.js';

export type ActivationName =
  | 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'softmax' | 'logSoftmax' | 'leakyRelu' | 'elu' | 'selu'
  | 'gelu' | 'softplus' | 'softsign' | 'swish' | 'silu' | 'hardSigmoid' | 'exponential';

export interface Activation {
  readonly name: ActivationName;
  apply(x: Tensor): Tensor;
  /** When set, the op is elementwise with a derivative computable from the output: Dense fuses it. */
  readonly fused?: { op: UnaryOp; alpha: number };
}

const fusedAct = (name: ActivationName, op: UnaryOp, alpha = 0): Activation => ({ name, apply: (x) => unary(op, x, alpha), fused: { op, alpha } });
const plain = (name: ActivationName, apply: (x: Tensor) => Tensor): Activation => ({ name, apply });

const table: Record<ActivationName, Activation> = {
  linear: { name: 'linear', apply: (x) => x, fused: { op: 'linear', alpha: 0 } },
  relu: fusedAct('relu', 'relu'),
  relu6: fusedAct('relu6', 'relu6'),
  sigmoid: fusedAct('sigmoid', 'sigmoid'),
  tanh: fusedAct('tanh', 'tanh'),
  elu: fusedAct('elu', 'elu', 1),
  // keras.activations.leaky_relu(x, negative_slope=0.2)
  leakyRelu: fusedAct('leakyRelu', 'leakyRelu', 0.2),
  exponential: fusedAct('exponential', 'exp'),
  softmax: plain('softmax', (x) => ops.softmax(x, -1)),
  logSoftmax: plain('logSoftmax', (x) => ops.logSoftmax(x, -1)),
  selu: plain('selu', (x) => ops.selu(x)),
  // Keras 3 gelu defaults to the exact erf form (approximate=False)
  gelu: plain('gelu', (x) => ops.gelu(x, false)),
  softplus: plain('softplus', (x) => ops.softplus(x)),
  softsign: plain('softsign', (x) => ops.softsign(x)),
  swish: plain('swish', (x) => ops.swish(x)),
  silu: plain('silu', (x) => ops.swish(x)),
  hardSigmoid: plain('hardSigmoid', (x) => ops.hardSigmoid(x)),
};

export const ACTIVATION_NAMES = Object.keys(table) as ActivationName[];

/** Resolves 'relu', 'leaky_relu', 'leakyRelu', null/undefined (linear) to an activation. */
export function getActivation(id: ActivationName | string | null | undefined): Activation {
  if (id === null || id === undefined) return table.linear;
  const key = id.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as ActivationName;
  const act = table[key];
  if (!act) throw new Error(`unknown activation '${id}' (known: ${ACTIVATION_NAMES.join(', ')})`);
  return act;
}
