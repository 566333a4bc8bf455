import { jsBackend } from './js/index.js';
import { registerBackend } from './registry.js';

registerBackend(jsBackend);

export { registerBackend, setBackend, getBackend, listBackends, findBackend, kernels, ownKernels, type Backend } from './registry.js';
export type { Kernels, KernelName, UnaryOp, BinaryOp, ReduceOp } from './kernels.js';
export { KERNEL_NAMES, UNARY_OPS, BINARY_OPS, OUTPUT_DIFFERENTIABLE, OPTIMIZER_RULES, POOL_OPS } from './kernels.js';
export { conv2dGeometry, convOutputSize, type Conv2DGeometry, type Conv2DGeometryArgs, type Padding } from './conv-geometry.js';
