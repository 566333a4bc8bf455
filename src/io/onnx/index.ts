/** ONNX export for Node: writes the file atomically. toOnnx (bytes) is browser-safe. */
import type { Model } from '../../models/model.js';
import { writeFileAtomic } from '../atomic-write.js';
import { toOnnx } from './encode.js';
import type { OnnxExportOptions } from './export.js';

export { toOnnx, decodeOnnx } from './encode.js';
export { toOnnxModel, ONNX_OPSET, ONNX_IR_VERSION, type OnnxExportOptions } from './export.js';

/** Writes the model as an ONNX file (keras2onnx / tf2onnx's role): opset 17, inputs 'input', outputs 'output', dynamic batch. */
export async function exportOnnx(model: Model, path: string, options: OnnxExportOptions = {}): Promise<void> {
  writeFileAtomic(path, toOnnx(model, options));
}
