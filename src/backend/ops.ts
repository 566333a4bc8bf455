/**
 * The op table: every elementwise, reduction and optimizer op the compiled kernels know, once.
 *
 * The order of each table is the op's code in the compiled kernels: `scripts/gen-ops.mjs`
 * writes `native/ops.generated.h` (the C++ enums and name lists that the native addon and the
 * WASM module are both compiled from) out of this file, and `test/ops-table.test.ts` fails when
 * the committed header is stale. Adding an op: one row here, its value (and derivative) in the
 * reference `src/backend/js/math.ts`, one `case` in `native/kernels.inc`, one gradient rule in
 * `src/autograd/ops/` — see README "Adding an op".
 */

/**
 * What the backward pass of a unary op reads besides dy: the input x, the output y = f(x),
 * both, or neither. Backends that copy operands (WASM) copy only these.
 */
export type BackwardReads = 'none' | 'x' | 'y' | 'xy';

export interface UnaryOpSpec {
  readonly reads: BackwardReads;
  /** The fused dense kernels may use it as an activation and differentiate it from y alone. */
  readonly outputDifferentiable?: true;
  /** Default of the op's parameter `alpha` where it has one (as the autograd op's default). */
  readonly alpha?: number;
}

/** Elementwise functions of one input (order = op code). */
export const UNARY_OP_TABLE = {
  neg: { reads: 'none' },
  abs: { reads: 'x' },
  exp: { reads: 'y', outputDifferentiable: true },
  log: { reads: 'x' },
  sqrt: { reads: 'y' },
  rsqrt: { reads: 'y' },
  square: { reads: 'x' },
  reciprocal: { reads: 'y' },
  sign: { reads: 'none' },
  relu: { reads: 'y', outputDifferentiable: true },
  relu6: { reads: 'y', outputDifferentiable: true },
  sigmoid: { reads: 'y', outputDifferentiable: true },
  tanh: { reads: 'y', outputDifferentiable: true },
  elu: { reads: 'y', outputDifferentiable: true, alpha: 1 },
  selu: { reads: 'xy' },
  leakyRelu: { reads: 'y', outputDifferentiable: true, alpha: 0.2 },
  gelu: { reads: 'x' },
  geluTanh: { reads: 'x' },
  softplus: { reads: 'x' },
  softsign: { reads: 'x' },
  swish: { reads: 'x' },
  hardSigmoid: { reads: 'x' },
  log1p: { reads: 'x' },
  expm1: { reads: 'y' },
  floor: { reads: 'none' },
  ceil: { reads: 'none' },
  round: { reads: 'none' },
  sin: { reads: 'x' },
  cos: { reads: 'x' },
  erf: { reads: 'x' },
  step: { reads: 'none' },
  linear: { reads: 'none', outputDifferentiable: true },
} as const satisfies Record<string, UnaryOpSpec>;

export type UnaryOp = keyof typeof UNARY_OP_TABLE;

export interface BinaryOpSpec {
  /** Result is 1 or 0. */
  readonly comparison?: true;
}

/** Elementwise functions of two inputs with NumPy broadcasting (order = op code). */
export const BINARY_OP_TABLE = {
  add: {}, sub: {}, mul: {}, div: {}, pow: {}, maximum: {}, minimum: {}, squaredDifference: {},
  greater: { comparison: true }, greaterEqual: { comparison: true }, less: { comparison: true },
  lessEqual: { comparison: true }, equal: { comparison: true }, notEqual: { comparison: true },
} as const satisfies Record<string, BinaryOpSpec>;

export type BinaryOp = keyof typeof BINARY_OP_TABLE;

export interface ReduceOpSpec {
  /** The result of reducing nothing. */
  readonly identity: number;
}

/** Reductions (order = op code). */
export const REDUCE_OP_TABLE = {
  sum: { identity: 0 }, max: { identity: -Infinity }, min: { identity: Infinity }, prod: { identity: 1 },
} as const satisfies Record<string, ReduceOpSpec>;

export type ReduceOp = keyof typeof REDUCE_OP_TABLE;

export interface OptimizerRuleSpec {
  /** The state arrays the rule reads and writes, in order. */
  readonly slots: readonly string[];
  /** Its per-step hyper-parameters h, in order. */
  readonly hyper: readonly string[];
}

/** Optimizer update rules (Keras 3), order = rule code; see OPTIMIZER_RULES in kernels.ts. */
export const OPTIMIZER_RULE_TABLE = {
  sgd: { slots: [], hyper: ['lr'] },
  momentum: { slots: ['m'], hyper: ['lr', 'momentum'] },
  nesterov: { slots: ['m'], hyper: ['lr', 'momentum'] },
  adam: { slots: ['m', 'v'], hyper: ['alpha', 'beta1', 'beta2', 'epsilon'] },
  amsgrad: { slots: ['m', 'v', 'vHat'], hyper: ['alpha', 'beta1', 'beta2', 'epsilon'] },
  adamax: { slots: ['m', 'u'], hyper: ['step', 'beta1', 'beta2', 'epsilon'] },
  rmsprop: { slots: ['v', 'm', 'a'], hyper: ['lr', 'rho', 'momentum', 'epsilon', 'centered'] },
  adagrad: { slots: ['accumulator'], hyper: ['lr', 'epsilon'] },
} as const satisfies Record<string, OptimizerRuleSpec>;

export type OptimizerRule = keyof typeof OPTIMIZER_RULE_TABLE;

/**
 * Pointwise losses with their gradient in one pass (order = op code): the fused loss kernel
 * sums f(p, t) over all elements and writes scale · ∂f/∂p. squaredError: (p − t)², 2(p − t);
 * absoluteError: |p − t|, sign(p − t) (0 at p = t); binaryCrossentropy (Keras' from
 * probabilities, p clipped to [1e-7, 1 − 1e-7]): −(t·log p + (1 − t)·log(1 − p)),
 * (p − t) / (p·(1 − p)) inside the clip range and 0 outside. The scale carries the 2 of the
 * square's derivative only through the caller (see src/autograd/ops/losses.ts).
 */
export const LOSS_OP_TABLE = { squaredError: {}, absoluteError: {}, binaryCrossentropy: {} } as const;

/** The clip of binaryCrossentropy's probabilities (Keras' epsilon). */
export const LOSS_EPSILON = 1e-7;

export type LossOp = keyof typeof LOSS_OP_TABLE;

/** Pooling windows (order = op code): max, or the average of the in-bounds taps. */
export const POOL_OP_TABLE = { max: {}, avg: {} } as const;

export type PoolOp = keyof typeof POOL_OP_TABLE;

const keys = <T extends object>(o: T): (keyof T & string)[] => Object.keys(o) as (keyof T & string)[];

export const UNARY_OPS: readonly UnaryOp[] = keys(UNARY_OP_TABLE);
export const BINARY_OPS: readonly BinaryOp[] = keys(BINARY_OP_TABLE);
export const REDUCE_OPS: readonly ReduceOp[] = keys(REDUCE_OP_TABLE);
export const OPTIMIZER_RULES: readonly OptimizerRule[] = keys(OPTIMIZER_RULE_TABLE);
export const POOL_OPS: readonly PoolOp[] = keys(POOL_OP_TABLE);
export const LOSS_OPS: readonly LossOp[] = keys(LOSS_OP_TABLE);

/** Activations whose derivative can be computed from the output y alone (used by the fused dense kernels). */
export const OUTPUT_DIFFERENTIABLE: ReadonlySet<UnaryOp> = new Set<UnaryOp>(
  UNARY_OPS.filter((op) => (UNARY_OP_TABLE[op] as UnaryOpSpec).outputDifferentiable),
);

/** The op's code in the compiled kernels (its index in the table). */
export function opCode<T extends string>(ops: readonly T[], op: T): number {
  const c = ops.indexOf(op);
  if (c < 0) throw new Error(`unknown op '${op}'`);
  return c;
}

const cName = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** The text of native/ops.generated.h (C++ enums and name lists of the tables above). */
export function renderOpsHeader(): string {
  const en = (name: string, prefix: string, ops: readonly string[]): string =>
    `enum ${name} {\n  ${ops.map((o) => `${prefix}_${cName(o)}`).join(', ')},\n  ${prefix}_COUNT\n};\n`;
  const names = (cname: string, count: string, ops: readonly string[]): string =>
    `constexpr const char* ${cname}[${count}] = {\n  ${ops.map((o) => `"${o}"`).join(', ')},\n};\n`;
  const slots = OPTIMIZER_RULES.map((r) => OPTIMIZER_RULE_TABLE[r].slots.length);
  const reads = UNARY_OPS.map((o) => {
    const r = UNARY_OP_TABLE[o].reads;
    return (r.includes('x') ? 1 : 0) | (r.includes('y') ? 2 : 0);
  });
  return [
    '// GENERATED by scripts/gen-ops.mjs from src/backend/ops.ts: do not edit (npm test checks it is current).',
    '// Op codes shared by the native addon and the WASM module: the index of each op in its table.',
    '#pragma once',
    '',
    'namespace deepts {',
    '',
    en('Unary', 'U', UNARY_OPS),
    en('Binary', 'B', BINARY_OPS),
    en('Reduce', 'R', REDUCE_OPS),
    en('OptimizerRule', 'O', OPTIMIZER_RULES),
    en('Pool', 'P', POOL_OPS),
    en('LossOp', 'L', LOSS_OPS),
    names('kUnaryNames', 'U_COUNT', UNARY_OPS),
    names('kBinaryNames', 'B_COUNT', BINARY_OPS),
    names('kReduceNames', 'R_COUNT', REDUCE_OPS),
    names('kOptimizerRuleNames', 'O_COUNT', OPTIMIZER_RULES),
    names('kPoolNames', 'P_COUNT', POOL_OPS),
    names('kLossNames', 'L_COUNT', LOSS_OPS),
    `// State arrays per optimizer rule.\nconstexpr int kOptimizerSlots[O_COUNT] = {${slots.join(', ')}};\n`,
    `// What each unary op's backward pass reads: 1 = x, 2 = y (the other may be an empty array).\nconstexpr int kUnaryBackwardReads[U_COUNT] = {${reads.join(', ')}};\n`,
    '}  // namespace deepts',
    '',
  ].join('\n');
}
