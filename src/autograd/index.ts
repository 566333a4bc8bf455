export { gradients, backward, noGrad, isRecording, GradientTape, valueAndGrad } from './tape.js';
export * as ops from './ops/index.js';
