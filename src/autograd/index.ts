export { gradients, backward, noGrad, isRecording } from './tape.js';
export * as ops from './ops/index.js';
