/**
 * ONNX bytes via protobufjs (the official onnx.proto schema, parsed once) — the encoding is
 * the library's, not hand-written varints. Browser-safe: no Node built-ins.
 */
import protobuf from 'protobufjs';
import type { Model } from '../../models/model.js';
import { ONNX_PROTO } from './onnx-schema.js';
import { toOnnxModel, type OnnxExportOptions, type OnnxModelValue } from './export.js';

let modelProto: protobuf.Type | null = null;

/** onnx.ModelProto from the schema (parsed on first use). */
export function onnxModelType(): protobuf.Type {
  modelProto ??= protobuf.parse(ONNX_PROTO).root.lookupType('onnx.ModelProto');
  return modelProto;
}

export function encodeOnnxModel(value: OnnxModelValue): Uint8Array {
  const type = onnxModelType();
  const problem = type.verify(value);
  if (problem) throw new Error(`ONNX export produced an invalid ModelProto: ${problem}`);
  return type.encode(type.fromObject(value)).finish();
}

/** The model as ONNX file bytes (opset 17, dynamic batch); in Node, exportOnnx writes them to a file. */
export function toOnnx(model: Model, options: OnnxExportOptions = {}): Uint8Array {
  return encodeOnnxModel(toOnnxModel(model, options));
}

/** Decodes ONNX bytes into plain objects (for checks and tools). */
export function decodeOnnx(bytes: Uint8Array): Record<string, unknown> {
  const type = onnxModelType();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as Record<string, unknown>;
}
