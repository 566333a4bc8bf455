export { Model, registerSaveHandler, type CompileArgs, type ModelSaveHandler, type ModelSaveOptions, type TensorInput } from './model.js';
export { Sequential, type SequentialArgs } from './sequential.js';
export { summaryTable, formatBytes } from './summary.js';
