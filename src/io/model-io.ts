/**
 * Saving and loading models: a directory with model.json (architecture,
 * weight manifest, training config) and weights.bin (little-endian float32,
 * concatenated in manifest order). Written atomically: a crash mid-save never
 * leaves a half-written model.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { shapesEqual, sizeOf } from '../tensor/shape.js';
import { Model, registerSaveHandler } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { withWeightSource } from '../nn/layer.js';
// Registers the built-in layer classes, so loadModel works whichever module imported it first.
import '../nn/layers/index.js';
import { writeDirAtomic } from './atomic-write.js';
import { checkModelFile, manifestElements, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelFile, type WeightEntry } from './model-manifest.js';
import { describeReadError, readFileCapped, READ_LIMITS } from './read-file.js';

export { MODEL_FORMAT, MODEL_FORMAT_VERSION };

export async function saveModel(model: Model, dir: string): Promise<void> {
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

function readModelFile(dir: string): ModelFile {
  const path = join(dir, 'model.json');
  if (!existsSync(dir)) throw new Error(`cannot load model: directory ${dir} does not exist`);
  if (!existsSync(path)) throw new Error(`cannot load model from ${dir}: model.json is missing (is this a model saved by deepts?)`);
  // Read errors (permissions, a directory, /dev/zero behind a symlink) are reported as such, not as bad JSON.
  const text = readFileCapped(path, READ_LIMITS.modelJson, 'model file').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`cannot load model: ${path} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return checkModelFile(path, parsed);
}

/** Reads weights.bin after checking that its size is exactly what the manifest needs. */
function readWeights(dir: string, manifest: readonly WeightEntry[]): Float32Array {
  const binPath = join(dir, 'weights.bin');
  const elements = manifestElements(manifest);
  let fd: number;
  try {
    fd = openSync(binPath, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`cannot load model from ${dir}: weights.bin is missing`);
    throw describeReadError(binPath, e, 'weights file');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`cannot load model: ${binPath} is not a regular file`);
    if (st.size !== elements * 4) {
      const needs = Number.isSafeInteger(elements * 4) ? `${elements * 4}` : `${elements.toExponential(3)} × 4`;
      throw new Error(`cannot load model: ${binPath} has ${st.size} bytes, the manifest needs ${needs} (truncated or from another model)`);
    }
    // The size matches the manifest, so this allocation is what the saved weights really take.
    const all = new Float32Array(elements);
    const bytes = new Uint8Array(all.buffer);
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30), null);
      if (n === 0) throw new Error(`cannot load model: ${binPath} ended after ${done} bytes while reading (changed during load?)`);
      done += n;
    }
    return all;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw describeReadError(binPath, e, 'weights file');
    throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * Rebuilds a saved model with its weights (not compiled: call compile() to train it further).
 * Order matters for hostile files: model.json is checked field by field, weights.bin's size is
 * checked against the manifest, and while the layers are built each weight's shape is checked
 * against its manifest entry before its memory is allocated; the saved values are used directly
 * (no random initialisation of weights that are about to be overwritten).
 */
export async function loadModel(dir: string): Promise<Sequential> {
  const file = readModelFile(dir);
  const path = join(dir, 'model.json');
  if (file.modelConfig.className !== 'Sequential') {
    throw new Error(`cannot load model: ${path}: modelConfig.className must be "Sequential" (the only model class so far), got "${file.modelConfig.className}"`);
  }
  const manifest = file.weights;
  const all = readWeights(dir, manifest);
  let index = 0;
  let offset = 0;
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

registerSaveHandler({ save: saveModel });
