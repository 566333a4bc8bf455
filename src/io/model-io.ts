/**
 * Saving and loading models: a directory with model.json (architecture,
 * weight manifest, training config) and weights.bin (little-endian float32,
 * concatenated in manifest order). Written atomically: a crash mid-save never
 * leaves a half-written model.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { sizeOf } from '../tensor/shape.js';
import { Model, registerSaveHandler, type CompileConfig, type ModelOutputs } from '../models/model.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import { Sequential } from '../models/sequential.js';
import { optimizerFromConfig, type OptimizerConfig } from '../train/optimizers/index.js';
import type { JsonValue } from '../nn/layer.js';
import { writeDirAtomic } from './atomic-write.js';

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
  /** compile() settings per output (absent in models saved before it existed, or uncompiled). */
  compileConfig?: CompileConfig;
  /** The optimizer's iteration count and which variables' slots optimizer.bin holds, in order. */
  optimizerState?: { iterations: number; slotsPerVariable: number; variables: { name: string; size: number }[] };
}

export async function saveModel(model: Model<ModelOutputs>, dir: string): Promise<void> {
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
  const files: Record<string, string | Uint8Array> = {};
  if (model.compileConfig) file.compileConfig = model.compileConfig;
  if (opt && opt.iterations > 0) {
    // Slots (moments, accumulators) of every variable the optimizer has seen, concatenated.
    const state = opt.getState();
    file.optimizerState = { iterations: state.iterations, slotsPerVariable: opt.slotsPerVariable, variables: state.slots.map((s) => ({ name: s.name, size: s.values[0]?.length ?? 0 })) };
    const total = state.slots.reduce((t, s) => t + s.values.reduce((u, a) => u + a.length, 0), 0);
    const optBin = new Float32Array(total);
    let at = 0;
    for (const s of state.slots) for (const a of s.values) { optBin.set(a, at); at += a.length; }
    files['optimizer.bin'] = new Uint8Array(optBin.buffer);
  }
  // Float32Array memory is little-endian on every platform Node and browsers run on.
  const bytes = new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength);
  writeDirAtomic(dir, { 'model.json': JSON.stringify(file, null, 1), 'weights.bin': bytes, ...files });
}

function readModelFile(dir: string): ModelFile {
  const path = join(dir, 'model.json');
  if (!existsSync(dir)) throw new Error(`cannot load model: directory ${dir} does not exist`);
  if (!existsSync(path)) throw new Error(`cannot load model from ${dir}: model.json is missing (is this a model saved by deepts?)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot load model: ${path} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const f = parsed as Partial<ModelFile>;
  if (f.format !== MODEL_FORMAT) throw new Error(`cannot load model: ${path} is not a deepts model file (format '${String(f.format)}')`);
  if (f.version !== MODEL_FORMAT_VERSION) throw new Error(`cannot load model: ${path} has format version ${f.version}, this deepts reads version ${MODEL_FORMAT_VERSION}`);
  if (!f.modelConfig || !Array.isArray(f.weights)) throw new Error(`cannot load model: ${path} lacks modelConfig or weights`);
  return f as ModelFile;
}

export interface LoadModelOptions {
  /** Compile the model as it was saved, with its optimizer state (default true, as Keras' load_model). */
  compile?: boolean;
}

/**
 * Rebuilds a saved model with its weights and, as Keras' load_model, compiles it as it was saved
 * and restores the optimizer's state, so fit() continues where it stopped. Models saved without
 * a compile config (or with a custom loss or metric) load uncompiled.
 */
export async function loadModel<O extends ModelOutputs = SymbolicTensor>(dir: string, options: LoadModelOptions = {}): Promise<Model<O>> {
  const file = readModelFile(dir);
  const cls = file.modelConfig.className;
  if (cls !== 'Sequential' && cls !== 'Functional') throw new Error(`cannot load model: unsupported model class '${cls}'`);
  const model: Model<never> = (cls === 'Sequential' ? Sequential.fromConfig(file.modelConfig.config) : Model.fromConfig(file.modelConfig.config)) as Model<never>;
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
  if (options.compile ?? true) restoreCompile(model, file, dir);
  return model as unknown as Model<O>;
}

function restoreCompile(model: Model<never>, file: ModelFile, dir: string): void {
  const cc = file.compileConfig;
  const tc = file.trainingConfig;
  const optimizer = cc?.optimizer ?? tc?.optimizer;
  const loss = cc?.loss ?? (tc?.loss ? [tc.loss] : null);
  if (!optimizer || !loss) return;
  try {
    model.compile({
      optimizer: optimizerFromConfig(optimizer.name, optimizer.config as OptimizerConfig),
      loss: loss.length === 1 ? loss[0]! : loss,
      lossWeights: cc?.lossWeights,
      metrics: cc ? cc.metrics : tc?.metrics ?? [],
    });
  } catch (e) {
    console.warn(`loadModel: ${dir} loaded uncompiled (${e instanceof Error ? e.message : String(e)}); call compile() to train it`);
    return;
  }
  const st = file.optimizerState;
  const binPath = join(dir, 'optimizer.bin');
  if (!st || !existsSync(binPath)) return;
  const raw = readFileSync(binPath);
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const need = st.variables.reduce((t, v) => t + v.size * st.slotsPerVariable, 0);
  if (all.length !== need) throw new Error(`cannot load model: ${binPath} has ${all.length} values, the manifest needs ${need}`);
  let at = 0;
  const slots = st.variables.map((v) => ({
    name: v.name,
    values: Array.from({ length: st.slotsPerVariable }, () => { const a = all.slice(at, at + v.size); at += v.size; return a; }),
  }));
  model.optimizer!.setState({ iterations: st.iterations, slots }, model.weights);
}

registerSaveHandler({ save: saveModel });
