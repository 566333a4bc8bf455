/**
 * Saving and loading models: a directory with model.json and weights.bin in the
 * TensorFlow.js Layers format (src/io/tfjs-format.ts), so tfjs' loadLayersModel
 * reads deepts' saves and deepts reads tfjs' (and Keras models converted for tfjs).
 * Directories written by deepts ≤ 0.1 (format 'deepts-model') still load.
 * Written atomically: a crash mid-save never leaves a half-written model.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { shapesEqual, sizeOf } from '../tensor/shape.js';
import { Model, registerSaveHandler, type ModelOutputs } from '../models/model.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import { OPTIMIZER_FILE, compileMetadataOf, optimizerStateOf, restoreTraining } from './training-state.js';
import { Sequential } from '../models/sequential.js';
import { withWeightSource } from '../nn/layer.js';
// Registers the built-in layer classes, so loadModel works whichever module imported it first.
import '../nn/layers/index.js';
import { recoverLegacySwap, writeFileAtomic } from './atomic-write.js';
import { acquireSaveLock, hasInterruptedSave, recoverInterruptedSave, writeModelFiles } from './model-dir.js';
import { modelFromKerasArchive, toKerasArchive } from './keras-format.js';
import { checkModelFile, manifestElements, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelFile, type WeightEntry } from './model-manifest.js';
import { describeReadError, readFileCapped, READ_LIMITS } from '../datasets/read-file.js';
import { modelFromTfjs, toTfjsArtifacts, validateTfjsModelJson } from './tfjs-format.js';

export { MODEL_FORMAT, MODEL_FORMAT_VERSION };

/** Largest .keras file read whole into memory (weights included). */
const KERAS_FILE_LIMIT = 16 * 1024 * 1024 * 1024;

export interface SaveOptions {
  /**
   * 'tfjs' (the default and deepts' own format: a directory with tfjs Layers model.json +
   * weights.bin) or 'keras' (a Keras 3 .keras file; the default when the path ends in .keras).
   */
  format?: 'tfjs' | 'keras';
  /**
   * Keras' `overwrite`. Left out: an existing model at the path is replaced, and a non-empty
   * directory (or a file) that holds no model is refused, so a mistyped path cannot clobber a
   * user's files. `true`: also save into such a directory (only the model's files are written;
   * nothing else there is touched) or over such a file. `false`: refuse to replace an existing
   * model (Keras asks interactively instead; a library cannot).
   */
  overwrite?: boolean;
}

/** What an existing model.json is: ours/tfjs' (a model), or something else (or unreadable). */
function existingModelJson(dir: string): { isModel: boolean; optimizerFile: boolean } {
  try {
    const parsed = JSON.parse(readFileCapped(join(dir, 'model.json'), READ_LIMITS.modelJson, 'model file', { text: true }).toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { isModel: false, optimizerFile: false };
    const o = parsed as { [k: string]: unknown };
    const isModel = o['format'] === MODEL_FORMAT || (typeof o['modelTopology'] === 'object' && o['modelTopology'] !== null);
    const meta = (o['userDefinedMetadata'] as { deepts?: { optimizerState?: { path?: unknown } } } | undefined)?.deepts;
    return { isModel, optimizerFile: isModel && meta?.optimizerState?.path === OPTIMIZER_FILE };
  } catch {
    return { isModel: false, optimizerFile: false };
  }
}

/** Applies the overwrite rule to a model directory's current entries (save machinery excluded). */
function planModelDirectory(dir: string, entries: readonly string[], overwrite: boolean | undefined): { remove: string[] } {
  if (entries.length === 0) return { remove: [] };
  const old = entries.includes('model.json') ? existingModelJson(dir) : { isModel: false, optimizerFile: false };
  if (old.isModel && overwrite === false) {
    throw new Error(`model.save: ${dir} already holds a model and overwrite is false (pass overwrite: true, or leave it out, to replace it)`);
  }
  if (!old.isModel && overwrite !== true) {
    const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, … (${entries.length} entries)` : '');
    throw new Error(`model.save: ${dir} is not empty and holds no model (found: ${shown}); refusing to write into it. Pass { overwrite: true } to save the model's files there (other files are kept), or choose another path (for a deepts command, another --out)`);
  }
  // Only files we wrote ourselves: the optimizer state a previous deepts save listed.
  return { remove: old.optimizerFile ? [OPTIMIZER_FILE] : [] };
}

/** A .keras path: refuses to replace a file that is not a Keras archive unless overwrite is true. */
function checkKerasTarget(path: string, overwrite: boolean | undefined): void {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) throw new Error(`model.save: ${path} is a directory; a .keras model is one file`);
  let isArchive = false;
  try {
    const fd = openSync(path, 'r');
    try {
      const head = new Uint8Array(4);
      isArchive = readSync(fd, head, 0, 4, 0) === 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4;
    } finally {
      closeSync(fd);
    }
  } catch {
    isArchive = false;
  }
  if (isArchive && overwrite === false) throw new Error(`model.save: ${path} already exists and overwrite is false`);
  if (!isArchive && overwrite !== true) {
    throw new Error(`model.save: ${path} exists and is not a .keras model (not a zip archive); refusing to replace it. Pass { overwrite: true } to replace it`);
  }
}

/**
 * Saves architecture, weights and training config: to a directory in the tfjs Layers format,
 * or, for a path ending in .keras (or format 'keras'), to a Keras 3 .keras file.
 */
export async function saveModel(model: Model, dir: string, options: SaveOptions = {}): Promise<void> {
  const format = options.format ?? (dir.endsWith('.keras') ? 'keras' : 'tfjs');
  if (format === 'keras') {
    if (!dir.endsWith('.keras')) throw new Error(`model.save: a Keras file's name must end in .keras (as Keras requires), got ${dir}`);
    const bytes = await toKerasArchive(model);
    recoverLegacySwap(dir); // removes temp files of saves killed mid-write
    checkKerasTarget(dir, options.overwrite);
    writeFileAtomic(dir, bytes);
    return;
  }
  if (format !== 'tfjs') throw new Error(`model.save: unknown format '${String(format)}' (known: tfjs, keras)`);
  const { json, weightData } = toTfjsArtifacts(model);
  const files: Record<string, Uint8Array> = {};
  // The optimizer's state rides along so a loaded model resumes training (tfjs ignores it).
  const state = optimizerStateOf(model as Model<never>);
  const compileMeta = compileMetadataOf(model as Model<never>);
  if (state || compileMeta) {
    json.userDefinedMetadata = { ...(json.userDefinedMetadata ?? {}), deepts: { ...(compileMeta ?? {}), ...(state ? { optimizerState: state.manifest } : {}) } };
  }
  if (state) files[OPTIMIZER_FILE] = state.bytes;
  await writeModelDirectory(dir, { 'model.json': JSON.stringify(json, null, 1), 'weights.bin': weightData, ...files }, options.overwrite);
}

async function writeModelDirectory(dir: string, files: Record<string, Uint8Array | string>, overwrite: boolean | undefined): Promise<void> {
  recoverLegacySwap(dir.replace(/[\\/]+$/, ''));
  await writeModelFiles(dir, { files, plan: (entries) => planModelDirectory(dir, entries, overwrite) });
}

/** The format deepts 0.1 wrote (kept so its saves still load). */
export async function saveLegacyModel(model: Model, dir: string, options: Pick<SaveOptions, 'overwrite'> = {}): Promise<void> {
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
  await writeModelDirectory(dir, { 'model.json': JSON.stringify(file, null, 1), 'weights.bin': bytes }, options.overwrite);
}

function readModelJson(dir: string): { parsed: unknown; path: string } {
  const path = join(dir, 'model.json');
  if (!existsSync(dir)) throw new Error(`cannot load model: directory ${dir} does not exist`);
  if (!existsSync(path)) throw new Error(`cannot load model from ${dir}: model.json is missing (is this a model saved by deepts or tfjs?)`);
  // Read errors (permissions, a directory, /dev/zero behind a symlink) are reported as such, not as bad JSON.
  const text = readFileCapped(path, READ_LIMITS.modelJson, 'model file', { text: true }).toString('utf8');
  try {
    return { parsed: JSON.parse(text), path };
  } catch (e) {
    throw new Error(`cannot load model: ${path} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Reads a whole weight file whose size must be exactly `expectedBytes` (checked before reading). */
function readExactly(file: string, expectedBytes: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw describeReadError(file, e, 'weight file');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`cannot load model: ${file} is not a regular file`);
    if (st.size !== expectedBytes) {
      const needs = Number.isSafeInteger(expectedBytes) ? `${expectedBytes}` : expectedBytes.toExponential(3);
      throw new Error(`cannot load model: ${file} has ${st.size} bytes, the manifest needs ${needs} (truncated or from another model)`);
    }
    // The size matches the manifest, so this allocation is what the saved weights really take.
    const bytes = new Uint8Array(new ArrayBuffer(expectedBytes));
    let done = 0;
    while (done < bytes.length) {
      let n: number;
      try {
        n = readSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30), null);
      } catch (e) {
        throw describeReadError(file, e, 'weight file');
      }
      if (n === 0) throw new Error(`cannot load model: ${file} ended after ${done} bytes while reading (changed during load?)`);
      done += n;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/** A weight file listed in a tfjs manifest: a regular file beside model.json, at most `maxBytes`. */
function readWeightShard(dir: string, p: string, maxBytes: number): Uint8Array {
  const file = join(dir, p);
  if (!existsSync(file)) throw new Error(`cannot load model from ${dir}: weight file ${p} listed in model.json is missing`);
  const st = statSync(file);
  if (!st.isFile()) throw new Error(`cannot load model: weight file ${file} is not a regular file`);
  if (st.size > maxBytes) throw new Error(`cannot load model: ${file} has ${st.size} bytes, more than the ${maxBytes} the manifest needs (from another model?)`);
  const b = readFileCapped(file, maxBytes, 'weight file');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
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
  if (dir.endsWith('.keras') && existsSync(dir) && statSync(dir).isFile()) {
    const bytes = readFileCapped(dir, KERAS_FILE_LIMIT, '.keras file');
    return (await modelFromKerasArchive(bytes, dir)) as unknown as Model<O>;
  }
  await finishInterruptedSave(dir);
  const { parsed, path } = readModelJson(dir);
  if (typeof parsed === 'object' && parsed !== null && (parsed as { format?: unknown }).format === MODEL_FORMAT) {
    return (await loadLegacyModel(dir, checkModelFile(path, parsed))) as unknown as Model<O>;
  }
  const json = validateTfjsModelJson(parsed, path);
  const model = modelFromTfjs(json, (p, maxBytes) => readWeightShard(dir, p, maxBytes), path);
  if (options.compile ?? true) {
    const meta = json.userDefinedMetadata?.['deepts'];
    restoreTraining(model, json.trainingConfig, meta && typeof meta === 'object' && !Array.isArray(meta) ? meta : undefined, (p) => {
      const file = join(dir, p);
      if (p.includes('/') || p.includes('..') || !existsSync(file)) return null;
      if (!statSync(file).isFile()) throw new Error(`cannot load model: optimizer state ${file} is not a regular file`);
      const b = readFileCapped(file, READ_LIMITS.optimizerState, 'optimizer state file');
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }, path);
  }
  return model as unknown as Model<O>;
}

/**
 * Before reading: a save killed mid-way is completed (its journal says the new files were
 * complete) or rolled back, and stale temp directories are removed, under the save lock so a
 * live saver is waited for. A read-only directory with nothing to finish loads as it is.
 */
async function finishInterruptedSave(dir: string): Promise<void> {
  const target = dir.replace(/[\\/]+$/, '');
  if (!existsSync(target)) {
    recoverLegacySwap(target);
    return;
  }
  if (!hasInterruptedSave(target)) return;
  let release: () => void;
  try {
    release = await acquireSaveLock(target);
  } catch (e) {
    throw new Error(`cannot load model from ${dir}: a save there was interrupted and must be finished first, but ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    recoverInterruptedSave(target);
  } finally {
    release();
  }
}

async function loadLegacyModel(dir: string, file: ModelFile): Promise<Sequential> {
  const path = join(dir, 'model.json');
  if (file.modelConfig.className !== 'Sequential') {
    throw new Error(`cannot load model: ${path}: modelConfig.className must be "Sequential" (the only model class of deepts 0.1), got "${file.modelConfig.className}"`);
  }
  const manifest: readonly WeightEntry[] = file.weights;
  const binPath = join(dir, 'weights.bin');
  if (!existsSync(binPath)) throw new Error(`cannot load model from ${dir}: weights.bin is missing`);
  const all = new Float32Array(readExactly(binPath, manifestElements(manifest) * 4).buffer);
  let index = 0;
  let offset = 0;
  // Each layer takes its saved values as it is built, once the shape matches the manifest entry.
  const source = (name: string, shape: readonly number[]): Float32Array => {
    const entry = manifest[index];
    if (!entry) {
      throw new Error(`the architecture has more weights than the ${manifest.length} the manifest lists (next: ${name} of shape [${shape.join(', ')}])`);
    }
    if (!shapesEqual(entry.shape, shape)) {
      throw new Error(`weight ${index} (${entry.name}) has shape [${entry.shape.join(', ')}] in the manifest but [${shape.join(', ')}] in the architecture (${name})`);
    }
    const n = sizeOf(entry.shape);
    const values = all.slice(offset, offset + n);
    offset += n;
    index += 1;
    return values;
  };
  let model: Sequential;
  try {
    model = withWeightSource(source, () => Sequential.fromConfig(file.modelConfig.config));
  } catch (e) {
    throw new Error(`cannot load model: ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (index !== manifest.length || model.weights.length !== manifest.length) {
    throw new Error(`cannot load model from ${dir}: the architecture has ${model.weights.length} weights but the manifest lists ${manifest.length}`);
  }
  return model;
}

registerSaveHandler({ save: (model, path, options) => saveModel(model, path, options as SaveOptions) });
