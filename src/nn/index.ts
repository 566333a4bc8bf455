export { Layer, clearSession, type LayerArgs, type LayerConfig, type LayerShape, type JsonValue, type CallArgs, type AddWeightArgs } from './layer.js';
export { SymbolicTensor, type GraphNode } from './symbolic.js';
export { Variable } from './variable.js';
export * from './layers/index.js';
export { getActivation, ACTIVATION_NAMES, type ActivationName, type Activation as ActivationFn } from './activations.js';
export { getInitializer, type InitializerName, type Initializer } from './initializers.js';
export { registerLayer, serializeLayer, deserializeLayer, type SerializedLayer } from './serialization.js';
export { Regularizer, L1, L2, L1L2, getRegularizer, type RegularizerIdentifier } from './regularizers.js';
export { Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm, getConstraint, type ConstraintIdentifier } from './constraints.js';
