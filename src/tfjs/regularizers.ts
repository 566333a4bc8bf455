/** tf.regularizers: l1({ l1 }), l2({ l2 }), l1l2({ l1, l2 }) with tfjs' defaults (0.01). */
export { l1, l2, l1l2, Regularizer } from '../nn/regularizers.js';
