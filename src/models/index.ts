export {
  Model, registerSaveHandler, type CompileArgs, type CompileConfig, type ModelArgs, type ModelOutputs, type ModelSaveHandler, type ModelSaveOptions,
  type Prediction, type TensorInput, type ModelData, type LossSpec, type MetricSpec, type TrainStepData,
} from './model.js';
export { Sequential, type SequentialArgs } from './sequential.js';
export { summaryTable, formatBytes } from './summary.js';
export { FunctionalGraph } from './functional.js';
