/** tf.constraints: maxNorm({ maxValue, axis }), nonNeg(), unitNorm({ axis }), minMaxNorm({ minValue, maxValue, rate, axis }). */
export { maxNorm, nonNeg, unitNorm, minMaxNorm, Constraint } from '../nn/constraints.js';
