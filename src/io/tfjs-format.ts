/**
 * The TensorFlow.js Layers format (what tfjs' `model.save()` writes and
 * `tf.loadLayersModel()` reads): model.json = { modelTopology (Keras JSON),
 * format: 'layers-model', generatedBy, convertedBy, weightsManifest: [{ paths,
 * weights: [{ name, shape, dtype }] }], trainingConfig? }, plus the weight files
 * (little-endian values concatenated in manifest order). This is deepts' own
 * save format too. No Node built-ins: files are read and written by the caller.
 */
import { Tensor } from '../tensor/tensor.js';
import { sizeOf } from '../tensor/shape.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { withWeightSource, type JsonValue } from '../nn/layer.js';
import { DepthwiseConv2D, SeparableConv2D } from '../nn/layers/convolutional.js';
import type { SerializedLayer } from '../nn/serialization.js';
import { isObject, layerFromKeras, layerToKeras, sampleShapeOf, type JsonObject } from './keras-config.js';
import { functionalFromKeras, functionalTopology } from './keras-functional.js';
import { trainingConfigOf } from './training-state.js';

export const TFJS_FORMAT = 'layers-model';
export const WEIGHTS_FILE = 'weights.bin';
const GENERATED_BY = 'deepts 0.1.0';

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

export interface TfjsWeightsGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

export interface TfjsModelJson {
  modelTopology: JsonObject;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest?: TfjsWeightsGroup[];
  trainingConfig?: JsonObject;
  userDefinedMetadata?: JsonObject;
}

/** Keras' model JSON for a deepts Sequential model (tfjs flavour: batch_input_shape on the first layer). */
export function sequentialTopology(model: Model): JsonObject {
  const { className, config } = model.toConfig();
  if (className !== 'Sequential') throw new Error(`the tfjs format supports Sequential models; got '${className}'`);
  const layers = (config['layers'] as unknown as SerializedLayer[]) ?? [];
  const inputShape = Array.isArray(config['inputShape']) ? [null, ...(config['inputShape'] as number[])] : undefined;
  return {
    class_name: 'Sequential',
    config: { name: String(config['name']), layers: layers.map((l, i) => layerToKeras(l, 'tfjs', i === 0 ? inputShape : undefined)) as unknown as JsonValue[] },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}

/** model.json contents and the weight bytes for a model, exactly as tfjs lays them out. */
export function toTfjsArtifacts(model: Model): { json: TfjsModelJson; weightData: Uint8Array } {
  const weights = model.weights;
  // tfjs names a DepthwiseConv2D kernel 'depthwise_kernel' and loads weights by name.
  const tfjsNames = new Map<Tensor, string>();
  for (const l of model.layers) {
    if (l instanceof DepthwiseConv2D && !(l instanceof SeparableConv2D) && l.depthwiseKernel) tfjsNames.set(l.depthwiseKernel, l.depthwiseKernel.name.replace(/kernel$/, 'depthwise_kernel'));
  }
  const bin = new Float32Array(weights.reduce((s, w) => s + w.size, 0));
  let offset = 0;
  for (const w of weights) {
    bin.set(w.values, offset);
    offset += w.size;
  }
  const json: TfjsModelJson = {
    modelTopology: model.toConfig().className === 'Functional' ? functionalTopology(model as Model<never>) : sequentialTopology(model),
    format: TFJS_FORMAT,
    generatedBy: GENERATED_BY,
    convertedBy: null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weights.map((w) => ({ name: tfjsNames.get(w) ?? w.name, shape: [...w.shape], dtype: 'float32' })) }],
  };
  const training = trainingConfigOf(model as Model<never>);
  if (training) json.trainingConfig = training;
  // Float32Array memory is little-endian on every platform Node and browsers run on.
  return { json, weightData: new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength) };
}

/** Rebuilds a Sequential model from Keras JSON (tfjs' modelTopology, a converter's {model_config}, or Keras 3 config.json). */
export function modelFromTopology(topology: JsonObject): Model<never> {
  const top = isObject(topology['model_config']) ? topology['model_config'] : topology;
  const className = top['class_name'] ?? top['className'];
  if (className === 'Functional' || className === 'Model') return functionalFromKeras(top);
  if (className !== 'Sequential') {
    throw new Error(`cannot load a '${String(className)}' model: deepts reads Sequential models from tfjs and Keras files`);
  }
  const config = top['config'];
  // Keras ≤ 2.2 wrote a Sequential's config as the bare list of layers.
  const layerList = Array.isArray(config) ? config : isObject(config) && Array.isArray(config['layers']) ? config['layers'] : null;
  if (!layerList) throw new Error('cannot load model: the Sequential config has no "layers" list');
  let inputShape: (number | null)[] | undefined;
  const layers: SerializedLayer[] = [];
  for (const raw of layerList) {
    const layer = layerFromKeras(raw);
    const rawConfig = isObject(raw) && isObject(raw['config']) ? raw['config'] : {};
    if (layer.className === 'InputLayer') {
      inputShape = layer.config['shape'] as (number | null)[];
      continue;
    }
    if (layers.length === 0 && !inputShape) inputShape = sampleShapeOf(rawConfig);
    layers.push(layer);
  }
  if (!inputShape && isObject(config)) {
    const built = config['build_input_shape'];
    if (Array.isArray(built)) inputShape = built.slice(1).map((d) => (typeof d === 'number' ? d : null));
  }
  const deeptsConfig: { [k: string]: JsonValue } = {
    name: isObject(config) && typeof config['name'] === 'string' ? config['name'] : 'sequential',
    layers: layers as unknown as JsonValue[],
  };
  if (inputShape) deeptsConfig['inputShape'] = inputShape;
  return Sequential.fromConfig(deeptsConfig) as unknown as Model<never>;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** float16 bits → number (tfjs' converter may quantize weights to float16). */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function decodeWeight(spec: TfjsWeightSpec, bytes: Uint8Array): Float32Array {
  const n = sizeOf(spec.shape);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  const q = spec.quantization;
  if (q) {
    for (let i = 0; i < n; i++) {
      if (q.dtype === 'uint8') out[i] = view.getUint8(i) * (q.scale ?? 1) + (q.min ?? 0);
      else if (q.dtype === 'uint16') out[i] = view.getUint16(i * 2, true) * (q.scale ?? 1) + (q.min ?? 0);
      else if (q.dtype === 'float16') out[i] = halfToFloat(view.getUint16(i * 2, true));
      else throw new Error(`weight ${spec.name}: unsupported quantization dtype '${q.dtype}'`);
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    if (spec.dtype === 'float32') out[i] = view.getFloat32(i * 4, true);
    else if (spec.dtype === 'int32') out[i] = view.getInt32(i * 4, true);
    else if (spec.dtype === 'bool') out[i] = view.getUint8(i);
    else throw new Error(`weight ${spec.name}: unsupported dtype '${spec.dtype}'`);
  }
  return out;
}

/** Checks a parsed model.json before anything is allocated from it. */
export function validateTfjsModelJson(parsed: unknown, where: string): TfjsModelJson {
  if (!isObject(parsed)) throw new Error(`cannot load model: ${where} is not a JSON object`);
  if (!isObject(parsed['modelTopology'])) throw new Error(`cannot load model: ${where} has no modelTopology (a tfjs graph model or another file?)`);
  if (parsed['format'] !== undefined && parsed['format'] !== TFJS_FORMAT) {
    throw new Error(`cannot load model: ${where} has format '${String(parsed['format'])}'; deepts reads '${TFJS_FORMAT}' (tfjs Layers) models`);
  }
  const manifest = parsed['weightsManifest'] ?? [];
  if (!Array.isArray(manifest)) throw new Error(`cannot load model: ${where}: weightsManifest must be a list`);
  for (const g of manifest) {
    if (!isObject(g) || !Array.isArray(g['paths']) || !Array.isArray(g['weights'])) throw new Error(`cannot load model: ${where}: each weightsManifest group needs paths and weights`);
    for (const p of g['paths']) {
      if (typeof p !== 'string' || p.includes('..') || p.startsWith('/')) throw new Error(`cannot load model: ${where}: weight path ${JSON.stringify(p)} must be a plain file name beside model.json`);
    }
    for (const w of g['weights']) {
      if (!isObject(w) || typeof w['name'] !== 'string' || !Array.isArray(w['shape']) || !w['shape'].every((d) => Number.isInteger(d) && (d as number) >= 0)) {
        throw new Error(`cannot load model: ${where}: malformed weight entry ${JSON.stringify(w)}`);
      }
      const dtype = isObject(w['quantization']) ? String(w['quantization']['dtype']) : String(w['dtype']);
      if (!(dtype in BYTES)) throw new Error(`cannot load model: ${where}: weight ${String(w['name'])} has unsupported dtype '${dtype}'`);
    }
  }
  return parsed as unknown as TfjsModelJson;
}

/**
 * Builds the model and sets its weights. `readFile` returns the bytes of a path listed in
 * the manifest (at most `maxBytes`: what its group still needs). Weights are matched by name
 * (layer/weight) when every name is found, else by position, as tfjs does for models converted
 * from Keras. Hostile files: the weight bytes are read and their sizes checked before the model
 * is built; while it is built, a weight found by name takes its saved values once its shape
 * matches, and the architecture may never ask for more values than the manifest holds — so
 * a loader never allocates much more than the files hold, and nothing is randomly initialised
 * just to be overwritten.
 */
export function modelFromTfjs(json: TfjsModelJson, readFile: (path: string, maxBytes: number) => Uint8Array, where = 'model.json'): Model<never> {
  const specs: { spec: TfjsWeightSpec; bytes: Uint8Array }[] = [];
  const byteLength = (w: TfjsWeightSpec): number => sizeOf(w.shape) * BYTES[w.quantization?.dtype ?? w.dtype]!;
  let manifestElements = 0;
  for (const group of json.weightsManifest ?? []) {
    const need = group.weights.reduce((s, w) => s + byteLength(w), 0);
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const p of group.paths) {
      const part = readFile(p.replace(/^\.\//, ''), Math.max(0, need - total));
      parts.push(part);
      total += part.byteLength;
    }
    if (total !== need) {
      const needs = Number.isSafeInteger(need) ? `${need}` : need.toExponential(3);
      throw new Error(`cannot load model from ${where}: ${group.paths.join(' + ')} has ${total} bytes, the manifest needs ${needs} (truncated or from another model)`);
    }
    const all = parts.length === 1 ? parts[0]! : new Uint8Array(total);
    if (parts.length !== 1) {
      let at = 0;
      for (const p of parts) {
        all.set(p, at);
        at += p.byteLength;
      }
    }
    let offset = 0;
    for (const spec of group.weights) {
      const len = byteLength(spec);
      specs.push({ spec, bytes: all.subarray(offset, offset + len) });
      offset += len;
      manifestElements += sizeOf(spec.shape);
    }
  }
  const byName = new Map(specs.map((s) => [s.spec.name.replace(/:0$/, ''), s]));
  // tfjs and Keras 2 call a DepthwiseConv2D kernel 'depthwise_kernel' (Keras 3 and deepts: 'kernel').
  const lookup = (name: string): { spec: TfjsWeightSpec; bytes: Uint8Array } | undefined => byName.get(name) ?? byName.get(name.replace(/\/kernel$/, '/depthwise_kernel'));
  let requested = 0;
  const source = (name: string, shape: readonly number[]): Float32Array => {
    const found = lookup(name);
    if (found && found.spec.shape.join(',') !== shape.join(',')) {
      throw new Error(`weight ${found.spec.name} has shape [${found.spec.shape.join(', ')}] in the manifest but ${name} has [${shape.join(', ')}]`);
    }
    requested += sizeOf(shape);
    if (requested > manifestElements) {
      throw new Error(`the architecture needs more weight values than the ${manifestElements} the manifest holds (at ${name} of shape [${shape.join(', ')}])`);
    }
    // A weight not found by name is matched by position once all are built (below).
    return found ? decodeWeight(found.spec, found.bytes) : new Float32Array(sizeOf(shape));
  };
  let model: Model<never>;
  try {
    model = withWeightSource(source, () => modelFromTopology(json.modelTopology));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(message.includes(where) ? message : `cannot load model from ${where}: ${message.replace(/^cannot load model: /, '')}`);
  }
  const layerOrder = model.weights;
  if (layerOrder.every((w) => lookup(w.name))) return model;
  if (specs.length !== layerOrder.length) throw new Error(`cannot load model from ${where}: the architecture has ${layerOrder.length} weights but the manifest lists ${specs.length}`);
  // Unnamed matches go by position: layer by layer (deepts, Keras), or all trainable weights
  // first, then the rest (tfjs' model.weights order, which its model.save writes).
  const tfjsOrder = [...layerOrder.filter((w) => w.trainable), ...layerOrder.filter((w) => !w.trainable)];
  const fits = (order: readonly Tensor[]): boolean => specs.every(({ spec }, i) => spec.shape.join(',') === order[i]!.shape.join(','));
  const own = fits(layerOrder) || !fits(tfjsOrder) ? layerOrder : tfjsOrder;
  own.forEach((w, i) => {
    const { spec, bytes } = specs[i]!;
    if (spec.shape.join(',') !== w.shape.join(',')) {
      throw new Error(`cannot load model from ${where}: weight ${spec.name} has shape [${spec.shape}] in the manifest but ${w.name} has [${w.shape}]`);
    }
    w.assign(new Tensor(decodeWeight(spec, bytes), spec.shape));
  });
  return model;
}
