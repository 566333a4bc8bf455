/**
 * Checking a model.json before anything is built from it. Every field a loader reads is
 * checked for its type here, so a damaged or hostile file gives one error naming the file,
 * the field and what was expected, never a TypeError from deep inside a layer. Sizes are
 * checked against weights.bin's size before anything of that size is allocated.
 */
import type { JsonValue } from '../nn/layer.js';

export const MODEL_FORMAT = 'deepts-model';
export const MODEL_FORMAT_VERSION = 1;

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface ModelFile {
  format: string;
  version: number;
  modelConfig: { className: string; config: { [k: string]: JsonValue } };
  weights: WeightEntry[];
  trainingConfig?: { loss: string | null; optimizer: { name: string; config: { [k: string]: JsonValue } } | null; metrics: string[] };
}

/** Largest single dimension or element count accepted: 2^31 - 1 elements is 8 GiB of float32. */
export const MAX_WEIGHT_ELEMENTS = 2 ** 31 - 1;

function isObject(v: unknown): v is { [k: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Checks a parsed model.json; errors read "cannot load model: <path>: <field> must be ..., got ...". */
export function checkModelFile(path: string, parsed: unknown): ModelFile {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new Error(`cannot load model: ${path}: ${field} must be ${expected}, got ${show(got)}`);
  };
  if (!isObject(parsed)) fail('the top level', 'a JSON object', parsed);
  const f = parsed as { [k: string]: unknown };
  if (f['format'] !== MODEL_FORMAT) throw new Error(`cannot load model: ${path} is not a deepts model file (format ${show(f['format'])}, expected "${MODEL_FORMAT}")`);
  if (f['version'] !== MODEL_FORMAT_VERSION) {
    throw new Error(`cannot load model: ${path} has format version ${show(f['version'])}, this deepts reads version ${MODEL_FORMAT_VERSION}`);
  }
  const mc = f['modelConfig'];
  if (!isObject(mc)) fail('modelConfig', 'an object', mc);
  const modelConfig = mc as { [k: string]: JsonValue };
  if (typeof modelConfig['className'] !== 'string') fail('modelConfig.className', 'a string', modelConfig['className']);
  if (!isObject(modelConfig['config'])) fail('modelConfig.config', 'an object', modelConfig['config']);
  const config = modelConfig['config'] as { [k: string]: JsonValue };
  const layers = config['layers'];
  if (!Array.isArray(layers)) fail('modelConfig.config.layers', 'a list', layers);
  (layers as JsonValue[]).forEach((l, i) => {
    if (!isObject(l)) fail(`modelConfig.config.layers[${i}]`, 'an object', l);
    const layer = l as { [k: string]: JsonValue };
    if (typeof layer['className'] !== 'string') fail(`modelConfig.config.layers[${i}].className`, 'a string', layer['className']);
    if (!isObject(layer['config'])) fail(`modelConfig.config.layers[${i}].config`, 'an object', layer['config']);
  });
  const inputShape = config['inputShape'];
  if (inputShape !== undefined && inputShape !== null) {
    if (!Array.isArray(inputShape) || !inputShape.every((d) => Number.isSafeInteger(d) && (d as number) > 0 && (d as number) <= MAX_WEIGHT_ELEMENTS)) {
      fail('modelConfig.config.inputShape', 'a list of positive integers', inputShape);
    }
  }
  const weights = f['weights'];
  if (!Array.isArray(weights)) fail('weights', 'a list', weights);
  (weights as unknown[]).forEach((w, i) => {
    if (!isObject(w)) fail(`weights[${i}]`, 'an object { name, shape, dtype }', w);
    const entry = w as { [k: string]: JsonValue };
    if (typeof entry['name'] !== 'string') fail(`weights[${i}].name`, 'a string', entry['name']);
    const shape = entry['shape'];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0 && (d as number) <= MAX_WEIGHT_ELEMENTS)) {
      fail(`weights[${i}].shape`, `a list of integers in [0, ${MAX_WEIGHT_ELEMENTS}]`, shape);
    }
    if (entry['dtype'] !== 'float32') fail(`weights[${i}].dtype`, '"float32"', entry['dtype']);
  });
  return parsed as unknown as ModelFile;
}

/** Total float32 elements the manifest lists (Infinity when it exceeds any real file). */
export function manifestElements(weights: readonly WeightEntry[]): number {
  let total = 0;
  for (const w of weights) {
    let n = 1;
    for (const d of w.shape) n *= d;
    total += n;
  }
  return total;
}
