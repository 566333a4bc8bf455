/**
 * Saving and loading models: a directory with model.json and weights.bin in the
 * TensorFlow.js Layers format (src/io/tfjs-format.ts), so tfjs' loadLayersModel
 * reads deepts' saves and deepts reads tfjs' (and Keras models converted for tfjs).
 * Directories written by deepts ≤ 0.1 (format 'deepts-model') still load.
 * Written atomically: a crash mid-save never leaves a half-written model.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { sizeOf } from '../tensor/shape.js';
import { Model, registerSaveHandler, type ModelOutputs } from '../models/model.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import { OPTIMIZER_FILE, optimizerStateOf, restoreTraining } from './training-state.js';
import { Sequential } from '../models/sequential.js';
import type { JsonValue } from '../nn/layer.js';
import { writeDirAtomic } from './atomic-write.js';
import { modelFromTfjs, toTfjsArtifacts, validateTfjsModelJson } from './tfjs-format.js';

export const MODEL_FORMAT = 'deepts-model';
export const MODEL_FORMAT_VERSION = 1;

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}

interface ModelFile {
  format: string;
  version: number;
  modelConfig: { className: string; config: { [k: string]: JsonValue } };
  weights: WeightEntry[];
  trainingConfig?: { loss: string | null; optimizer: { name: string; config: { [k: string]: JsonValue } } | null; metrics: string[] };
}

export interface SaveOptions {
  /** 'tfjs' (the default and deepts' own format: tfjs Layers model.json + weights.bin). */
  format?: 'tfjs';
}

/** Saves architecture, weights and training config to a directory in the tfjs Layers format. */
export async function saveModel(model: Model, dir: string, options: SaveOptions = {}): Promise<void> {
  const format = options.format ?? 'tfjs';
  if (format !== 'tfjs') throw new Error(`model.save: unknown format '${String(format)}' (known: tfjs)`);
  const { json, weightData } = toTfjsArtifacts(model);
  const files: Record<string, Uint8Array> = {};
  // The optimizer's state rides along so a loaded model resumes training (tfjs ignores it).
  const state = optimizerStateOf(model as Model<never>);
  if (state) {
    json.userDefinedMetadata = { ...(json.userDefinedMetadata ?? {}), deepts: { optimizerState: state.manifest } };
    files[OPTIMIZER_FILE] = state.bytes;
  }
  writeDirAtomic(dir, { 'model.json': JSON.stringify(json, null, 1), 'weights.bin': weightData, ...files });
}

/** The format deepts 0.1 wrote (kept so its saves still load). */
export async function saveLegacyModel(model: Model, dir: string): Promise<void> {
  const weights = model.weights;
  const total = weights.reduce((s, w) => s + w.size, 0);
  const bin = new Float32Array(total);
  let offset = 0;
  for (const w of weights) {
    bin.set(w.values, offset);
    offset += w.size;
  }
  const opt = model.optimizer;
  const file: ModelFile = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    modelConfig: model.toConfig(),
    weights: weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' })),
    trainingConfig: {
      loss: model.loss?.name ?? null,
      optimizer: opt ? { name: opt.name, config: opt.getConfig() } : null,
      metrics: model.metricNames.slice(1),
    },
  };
  // Float32Array memory is little-endian on every platform Node and browsers run on.
  const bytes = new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength);
  writeDirAtomic(dir, { 'model.json': JSON.stringify(file, null, 1), 'weights.bin': bytes });
}

function readModelJson(dir: string): { parsed: unknown; path: string } {
  const path = join(dir, 'model.json');
  if (!existsSync(dir)) throw new Error(`cannot load model: directory ${dir} does not exist`);
  if (!existsSync(path)) throw new Error(`cannot load model from ${dir}: model.json is missing (is this a model saved by deepts or tfjs?)`);
  try {
    return { parsed: JSON.parse(readFileSync(path, 'utf8')), path };
  } catch (e) {
    throw new Error(`cannot load model: ${path} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

function legacyModelFile(parsed: unknown, path: string): ModelFile {
  const f = parsed as Partial<ModelFile>;
  if (f.format !== MODEL_FORMAT) throw new Error(`cannot load model: ${path} is not a deepts model file (format '${String(f.format)}')`);
  if (f.version !== MODEL_FORMAT_VERSION) throw new Error(`cannot load model: ${path} has format version ${f.version}, this deepts reads version ${MODEL_FORMAT_VERSION}`);
  if (!f.modelConfig || !Array.isArray(f.weights)) throw new Error(`cannot load model: ${path} lacks modelConfig or weights`);
  return f as ModelFile;
}

export interface LoadModelOptions {
  /** Compile the model as it was saved and restore its optimizer state (default true, as Keras' load_model). */
  compile?: boolean;
}

/**
 * Rebuilds a saved model with its weights and, as Keras' load_model, compiles it as it was
 * saved with its optimizer state, so fit() resumes where it stopped (models saved uncompiled,
 * or with a custom loss, load uncompiled). Reads tfjs Layers directories (deepts' format,
 * tfjs' `model.save`, tfjs-converter output) and deepts 0.1 saves. For a model with several
 * outputs, say so in the type: loadModel<SymbolicTensor[]>(dir).
 */
export async function loadModel<O extends ModelOutputs = SymbolicTensor>(dir: string, options: LoadModelOptions = {}): Promise<Model<O>> {
  const { parsed, path } = readModelJson(dir);
  if (typeof parsed === 'object' && parsed !== null && (parsed as { format?: unknown }).format === MODEL_FORMAT) {
    return (await loadLegacyModel(dir, legacyModelFile(parsed, path))) as unknown as Model<O>;
  }
  const json = validateTfjsModelJson(parsed, path);
  const model = modelFromTfjs(json, (p) => {
    const file = join(dir, p);
    if (!existsSync(file)) throw new Error(`cannot load model from ${dir}: weight file ${p} listed in model.json is missing`);
    const b = readFileSync(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }, path);
  if (options.compile ?? true) {
    const meta = json.userDefinedMetadata?.['deepts'];
    restoreTraining(model, json.trainingConfig, meta && typeof meta === 'object' && !Array.isArray(meta) ? meta['optimizerState'] : undefined, (p) => {
      const file = join(dir, p);
      if (p.includes('/') || p.includes('..') || !existsSync(file)) return null;
      const b = readFileSync(file);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }, path);
  }
  return model as unknown as Model<O>;
}

async function loadLegacyModel(dir: string, file: ModelFile): Promise<Sequential> {
  if (file.modelConfig.className !== 'Sequential') throw new Error(`cannot load model: unsupported model class '${file.modelConfig.className}'`);
  const model = Sequential.fromConfig(file.modelConfig.config);
  const own = model.weights;
  if (own.length !== file.weights.length) {
    throw new Error(`cannot load model from ${dir}: the architecture has ${own.length} weights but the manifest lists ${file.weights.length}`);
  }
  const binPath = join(dir, 'weights.bin');
  if (!existsSync(binPath)) throw new Error(`cannot load model from ${dir}: weights.bin is missing`);
  const raw = readFileSync(binPath);
  const expected = file.weights.reduce((s, w) => s + sizeOf(w.shape), 0) * 4;
  if (raw.byteLength !== expected) {
    throw new Error(`cannot load model: ${binPath} has ${raw.byteLength} bytes, the manifest needs ${expected} (truncated or from another model)`);
  }
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  let offset = 0;
  const values = file.weights.map((w, i) => {
    const n = sizeOf(w.shape);
    const t = new Tensor(all.slice(offset, offset + n), w.shape);
    offset += n;
    if (own[i]!.shape.join(',') !== w.shape.join(',')) {
      throw new Error(`cannot load model from ${dir}: weight ${w.name} has shape [${w.shape}] in the manifest but [${own[i]!.shape}] in the architecture`);
    }
    return t;
  });
  model.setWeights(values);
  return model;
}

registerSaveHandler({ save: (model, path, options) => saveModel(model, path, options as SaveOptions) });
