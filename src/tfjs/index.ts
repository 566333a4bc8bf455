/**
 * `deepts/tfjs`: TensorFlow.js Layers code runs on deepts by changing only its import line:
 *
 *   import * as tf from 'deepts/tfjs';   // was: '@tensorflow/tfjs'
 *
 * Covered: tensors (tensor, tensor1d…4d, scalar, zeros, ones, oneHot, randomNormal/Uniform;
 * dataSync/arraySync/data/array/print, argMax, reshape, arithmetic and reductions),
 * tf.sequential / tf.layers (dense, dropout, flatten, reshape, activation, inputLayer, and the conv
 * family: conv2d, conv2dTranspose, depthwiseConv2d, separableConv2d, max/averagePooling2d,
 * global pools, batchNormalization, upSampling2d, zeroPadding2d),
 * tf.regularizers (l1, l2, l1l2), tf.constraints (maxNorm, nonNeg, unitNorm, minMaxNorm),
 * tf.train optimizers, compile/fit/predict/evaluate/save, tf.loadLayersModel, backends
 * (setBackend/getBackend/ready), and tidy/dispose/keep/memory as harmless no-ops (deepts
 * tensors are garbage-collected). README "deepts/tfjs" lists what is not covered.
 */
import '../backend/setup-node.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { getBackend as deeptsBackend, listBackends, setBackend as setDeeptsBackend } from '../backend/index.js';
import { getRng, setSeed } from '../tensor/random.js';
import { loadModel } from '../io/model-io.js';
import { modelFromTfjs, validateTfjsModelJson, type TfjsModelJson, type TfjsWeightSpec } from '../io/tfjs-format.js';
import { Sequential as DeeptsSequential } from '../models/sequential.js';
import type { Model } from '../models/model.js';
import { LayersModel, TfSequential } from './model.js';
import { TfTensor } from './tensor.js';

export { TfTensor as Tensor, tensor, tensor1d, tensor2d, tensor3d, tensor4d, scalar, zeros, ones, oneHot } from './tensor.js';
export { LayersModel, TfSequential as Sequential, sequential, type TfModelFitArgs as ModelFitArgs, type TfCallbackArgs as CustomCallbackArgs } from './model.js';
export * as layers from './layers.js';
export * as train from './train.js';
export * as regularizers from './regularizers.js';
export * as constraints from './constraints.js';

/** Runs fn and returns its result: there is nothing to clean up, since deepts tensors are garbage-collected. */
export function tidy<T>(nameOrFn: string | (() => T), fn?: () => T): T {
  const f = typeof nameOrFn === 'function' ? nameOrFn : fn;
  if (!f) throw new Error('tf.tidy needs a function');
  return f();
}

/** No-op (garbage collection frees tensors). */
export function dispose(_x?: unknown): void {}

export function keep<T>(x: T): T {
  return x;
}

/** tfjs' memory report; deepts does not count tensors (they are ordinary JS memory). */
export function memory(): { numTensors: number; numDataBuffers: number; numBytes: number; unreliable: boolean } {
  return { numTensors: 0, numDataBuffers: 0, numBytes: 0, unreliable: true };
}

export async function nextFrame(): Promise<void> {
  await new Promise((r) => setTimeout(r, 0));
}

/**
 * tf.setBackend: 'wasm' → deepts' WASM SIMD kernels, 'cpu' → the js reference backend, and
 * 'tensorflow'/'webgl'/'webgpu' → the fastest deepts has here (native in Node). deepts'
 * own names ('native', 'wasm', 'js') work too. Resolves to true when the backend is active.
 */
export async function setBackend(name: string): Promise<boolean> {
  const available = listBackends().map((b) => b.name);
  const wanted = name === 'cpu' ? 'js' : ['tensorflow', 'webgl', 'webgpu'].includes(name) ? (available.includes('native') ? 'native' : available.includes('wasm') ? 'wasm' : 'js') : name;
  if (!available.includes(wanted)) return false;
  setDeeptsBackend(wanted);
  return true;
}

/** The active deepts backend's name ('native', 'wasm' or 'js'). */
export function getBackend(): string {
  return deeptsBackend().name;
}

export async function ready(): Promise<void> {}

export function setRandomSeed(seed: number): void {
  setSeed(seed);
}

export function randomNormal(shape: number[], mean = 0, stdDev = 1): TfTensor {
  const rng = getRng();
  return TfTensor.of(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(mean, stdDev)), shape);
}

export function randomUniform(shape: number[], minval = 0, maxval = 1): TfTensor {
  const rng = getRng();
  return TfTensor.of(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(minval, maxval)), shape);
}

function wrap(model: Model): LayersModel {
  return model instanceof DeeptsSequential ? new TfSequential(model) : new LayersModel(model);
}

interface LoadHandler {
  load(): Promise<{ modelTopology?: unknown; weightSpecs?: TfjsWeightSpec[]; weightData?: ArrayBuffer | ArrayBuffer[]; format?: string }>;
}

/**
 * tf.loadLayersModel: 'file://…/model.json', a model.json path or its directory, or an
 * IOHandler with load() (what tf.io.fromMemory / withSaveHandler-style code passes).
 */
export async function loadLayersModel(source: string | LoadHandler): Promise<LayersModel> {
  if (typeof source === 'string') {
    const path = source.replace(/^file:\/\//, '');
    if (/^[a-z]+:\/\//i.test(path)) throw new Error(`deepts/tfjs: loadLayersModel reads local files ('file://…' or a path), not ${source}`);
    const dir = existsSync(path) && statSync(path).isDirectory() ? path : dirname(path);
    if (!existsSync(join(dir, 'model.json'))) throw new Error(`deepts/tfjs: no model.json at ${path}`);
    return wrap(await loadModel(dir));
  }
  const artifacts = await source.load();
  const json = validateTfjsModelJson({ modelTopology: artifacts.modelTopology, format: artifacts.format, weightsManifest: [{ paths: ['weights'], weights: artifacts.weightSpecs ?? [] }] }, 'the IOHandler artifacts') as TfjsModelJson;
  const buffers = artifacts.weightData === undefined ? [] : Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
  const total = buffers.reduce((s, b) => s + b.byteLength, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const b of buffers) {
    bytes.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return wrap(modelFromTfjs(json, () => bytes, 'the IOHandler artifacts'));
}

/** Reads a model.json + weights from disk into tfjs ModelArtifacts (tf.io.* helpers used by Node examples). */
export const io = {
  async fileSystemArtifacts(dir: string): Promise<{ modelTopology: unknown; weightSpecs: TfjsWeightSpec[]; weightData: ArrayBuffer }> {
    const json = validateTfjsModelJson(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), join(dir, 'model.json'));
    const specs = (json.weightsManifest ?? []).flatMap((g) => g.weights);
    const parts = (json.weightsManifest ?? []).flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
    const all = Buffer.concat(parts);
    return { modelTopology: json.modelTopology, weightSpecs: specs, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) };
  },
};
