/**
 * deepts' browser-safe core: tensors, autograd, layers, models, training,
 * data pipeline helpers, statistics and pictures — no Node built-ins.
 * In Node, import 'deepts' instead (adds fast backends, files and datasets).
 */
import './backend/index.js';
import { getBackend, registerBackend } from './backend/registry.js';
import { loadWasmBackend, type WasmFiles } from './backend/wasm/load.js';

/**
 * Loads the fastest backend this runtime offers — the WASM SIMD kernels in a browser —
 * and resolves to the active backend's name. Until it resolves, the js reference backend
 * runs (everything works, only slower). In Node, `import 'deepts'` has done this already.
 * `threads` caps the GEMM threads including the caller (default: all hardware threads, at
 * most 4); a page training in a worker may leave a core to its main thread. `wasmFiles`
 * gives the URLs where the page serves deepts' .wasm files (default: the copies embedded
 * in the bundle). Only the first call's options count.
 */
export async function ready(options: { threads?: number; wasmFiles?: WasmFiles } = {}): Promise<string> {
  const wasm = await loadWasmBackend({
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.wasmFiles ? { wasmFiles: options.wasmFiles } : {}),
  });
  if (wasm) registerBackend(wasm);
  return getBackend().name;
}

export { Tensor, tensor, zeros, ones, fill, scalar, type NestedArray, type GradFn } from './tensor/tensor.js';
export type { WasmFiles } from './backend/wasm/load.js';
export type { Shape } from './tensor/shape.js';
export type { DType } from './tensor/dtype.js';
export { setSeed, getRng, Rng, randomNormal, randomUniform, type RandomNormalArgs, type RandomUniformArgs } from './tensor/random.js';
export { registerBackend, setBackend, getBackend, listBackends, findBackend, ownKernels, type Backend, type Kernels } from './backend/index.js';
export { gradients, backward, noGrad, ops, GradientTape, valueAndGrad } from './autograd/index.js';

export * as layers from './nn/layers/index.js';
export {
  Dense, Flatten, Reshape, Input, InputLayer, Activation, Dropout,
  Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Lambda, registerLambda,
} from './nn/layers/index.js';
export { Layer, Variable, SymbolicTensor, clearSession, registerLayer, getActivation, getInitializer, getMask } from './nn/index.js';
export type {
  LayerArgs, LayerConfig, LayerShape, CallArgs, AddWeightArgs, ActivationName, InitializerName, DenseArgs, InputArgs, ConcatenateArgs, LambdaArgs, LambdaFn,
} from './nn/index.js';
export {
  Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D,
  UpSampling2D, ZeroPadding2D, SpatialDropout2D, BatchNormalization, RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
  Embedding, LayerNormalization, Masking, GlobalAveragePooling1D,
} from './nn/layers/index.js';

/** keras.regularizers (l1, l2, l1l2, L1, L2, L1L2) and keras.constraints (maxNorm, nonNeg, unitNorm, minMaxNorm). */
export * as regularizers from './nn/regularizers.js';
export * as constraints from './nn/constraints.js';
export * as losses from './train/losses.js';
export { getLoss, Loss, type LossName, type LossFn } from './train/losses.js';
export * as metrics from './train/metrics.js';
export { getMetric, Metric } from './train/metrics.js';
export * as optimizers from './train/optimizers/index.js';
export { SGD, Adam, AdamW, Adamax, RMSprop, Adagrad, Nadam, Lion, Optimizer, getOptimizer } from './train/optimizers/index.js';
export { Callback, History, LambdaCallback, type Logs } from './train/callbacks/callback.js';
export { EarlyStopping, type EarlyStoppingArgs } from './train/callbacks/early-stopping.js';
export { TerminateOnNaN, type TerminateOnNaNArgs } from './train/callbacks/terminate-on-nan.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauArgs } from './train/callbacks/reduce-lr.js';
export { ModelCheckpoint, type ModelCheckpointArgs } from './train/callbacks/model-checkpoint.js';
export { EpochTimer } from './train/callbacks/epoch-timer.js';
export { Progbar, type TextOutput } from './train/progbar.js';
export type { FitArgs, EvaluateArgs, DatasetLike } from './train/trainer.js';
export type { Logs as EvaluateLogs } from './train/callbacks/callback.js';

export {
  Model, Sequential, registerSaveHandler,
  type CompileArgs, type ModelArgs, type ModelData, type ModelSaveOptions, type Prediction, type TrainStepData, type TensorInput,
} from './models/index.js';
export { buildAutoencoder, buildClassifier, CLASSIFIER_DEFAULTS, type ClassifierKind } from './models/mnist-models.js';

export { Normalization, type NormalizationArgs } from './nn/layers/normalization.js';
export { fitLinearByGradientDescent, type LinearGradientDescentOptions, type LinearGradientDescentResult } from './models/linear-model.js';

/** keras.utils.to_categorical, topK "next likely" answers, confusion matrix and report. */
export {
  toCategorical, topK, topKAccuracy, confusionMatrix, classificationReport, formatClassificationReport, mostConfidentMistakes, predictedLabels,
  formatConfusionMatrix, formatPercent, topKCaption, majorityClassBaseline, type TopK, type ClassificationReport,
} from './train/classification.js';
/** Models as files in memory — the TensorFlow.js Layers format `model.save()` writes in Node — e.g. to load or download one in a page. */
export { toTfjsArtifacts, modelFromTfjs, validateTfjsModelJson, type TfjsModelJson } from './io/tfjs-format.js';
export { digitImageToMnist, prepareDigitImage, type DigitImageOptions, type PreparedDigit, type RgbaPixels } from './data/digit-image.js';

/** Tabular data (a small pandas), scikit-learn-style preprocessing, statistics and pictures: all browser-safe. */
export * as stats from './stats/index.js';
export { Normal, GaussianNB, fitOLS, simpleLinearRegression, mleVsLeastSquares } from './stats/index.js';
export * as viz from './viz/index.js';
export { Table } from './data/table.js';
export { parseCsv } from './data/csv.js';
export { MinMaxScaler, StandardScaler, OneHotEncoder, LabelEncoder, trainTestSplit } from './data/preprocessing.js';
export { TabularPreprocessor } from './data/tabular-preprocessor.js';
export { dropMissing } from './data/missing.js';

/** The learners' eight questions from the lecture, as runnable experiments (`deepts explore`). */
export * as explore from './explore/index.js';

/** tf.data-style input pipelines: Dataset.fromTensorSlices(...).shuffle(...).batch(...).prefetch(AUTOTUNE). */
export * as data from './data/dataset/index.js';
export { Dataset, AUTOTUNE, DatasetError } from './data/dataset/index.js';

/** tf.image-style picture ops: extractPatches, resize, flips, crops, colour, ssim and psnr. */
export * as image from './data/image/index.js';
