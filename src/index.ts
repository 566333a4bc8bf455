/**
 * deepts for Node: the core API plus the fast backends (native addon, WASM
 * SIMD), files (save/load, PNG, atomic writes), bundled datasets, statistics,
 * tabular data and pictures.
 */
import './backend/setup-node.js';
import './io/dataset-cache-file.js';

export * from './core.js';
export { saveModel, loadModel, type SaveOptions } from './io/model-io.js';
export { toKerasArchive, modelFromKerasArchive } from './io/keras-format.js';
export { exportOnnx, toOnnx, decodeOnnx, ONNX_OPSET, type OnnxExportOptions } from './io/onnx/index.js';
export { fileStore as datasetCacheFile } from './io/dataset-cache-file.js';
export { encodePng, decodePng, writePng } from './io/png.js';
export { decodeNetpbm } from './io/netpbm.js';
export { decodeImageFile, readDigitFile } from './io/image-file.js';
export { writeFileAtomic, writeDirAtomic } from './io/atomic-write.js';
export { loadMnist, type Mnist, type MnistSplit } from './datasets/mnist-node.js';
export { loadFashionMnist, FASHION_MNIST_CLASSES, type LoadFashionMnistOptions } from './datasets/fashion-mnist-node.js';
export { loadIris, loadCars, loadPenguins, loadCaliforniaHousing, loadTable, BUILTIN_TABLES, IRIS_COLUMNS } from './datasets/tabular-node.js';
export { parseIdx, encodeIdx } from './datasets/idx.js';

// Table, scalers, stats and viz are browser-safe: they come from core.js.
export {
  trainTabularRegression, buildRegressionNetwork,
  type TabularRegressionOptions, type TabularRegressionResult, type RegressionScores,
} from './tasks/tabular-regression.js';
