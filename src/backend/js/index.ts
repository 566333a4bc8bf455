import type { Backend } from '../registry.js';
import { jsKernels } from './kernels.js';

/** The plain TypeScript reference backend: runs anywhere, every other backend is checked against it. */
export const jsBackend: Backend = {
  name: 'js',
  kernels: jsKernels,
  priority: 0,
  describe: () => ({ kind: 'reference (plain TypeScript)', threads: 1 }),
};
