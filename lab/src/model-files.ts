/**
 * The CLI's saved-model format in the browser: model.json ({ format: 'deepts-model',
 * version 1, modelConfig, weights manifest, trainingConfig }) plus weights.bin
 * (little-endian float32 in manifest order), read and written with deepts/core's public
 * Sequential API — the same files `deepts classify --out` writes and `deepts predict` reads.
 */
import { Sequential, Tensor, type Model } from 'deepts/core';
import type { ModelFiles } from './protocol';

interface Manifest {
  format: string;
  version: number;
  modelConfig: { className: string; config: Record<string, unknown> };
  weights: { name: string; shape: number[]; dtype: string }[];
}

type SequentialConfig = Parameters<typeof Sequential.fromConfig>[0];

/** Rebuilds a model from its files; errors name what is wrong. */
export function modelFromFiles(files: ModelFiles): Sequential {
  let m: Manifest;
  try {
    m = JSON.parse(files.json) as Manifest;
  } catch (e) {
    throw new Error(`model.json is not valid JSON (${(e as Error).message})`);
  }
  if (m.format !== 'deepts-model') throw new Error(`model.json is not a deepts model (format '${String(m.format)}')`);
  if (m.version !== 1) throw new Error(`model.json has format version ${m.version}; this page reads version 1`);
  if (m.modelConfig?.className !== 'Sequential' || !Array.isArray(m.weights)) throw new Error('model.json lacks a Sequential modelConfig or its weights list');
  const model = Sequential.fromConfig(m.modelConfig.config as SequentialConfig);
  const need = m.weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  if (files.weights.byteLength !== need * 4) throw new Error(`weights.bin has ${files.weights.byteLength} bytes, model.json needs ${need * 4}`);
  const all = new Float32Array(files.weights.slice(0));
  let offset = 0;
  model.setWeights(m.weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const t = new Tensor(all.slice(offset, offset + n), w.shape);
    offset += n;
    return t;
  }));
  return model;
}

/** The files `model.save()` writes in Node. */
export function modelToFiles(model: Sequential): ModelFiles {
  const weights = model.weights;
  const bin = new Float32Array(weights.reduce((s, w) => s + w.size, 0));
  let offset = 0;
  for (const w of weights) {
    bin.set(w.values, offset);
    offset += w.size;
  }
  const opt = model.optimizer;
  const json = JSON.stringify({
    format: 'deepts-model',
    version: 1,
    modelConfig: model.toConfig(),
    weights: weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' })),
    trainingConfig: { loss: model.loss?.name ?? null, optimizer: opt ? { name: opt.name, config: opt.getConfig() } : null, metrics: model.metricNames.slice(1) },
  }, null, 1);
  return { json, weights: bin.buffer };
}

/** Number of values one sample of the model's input / output has. */
export function inputSize(model: Sequential): number {
  const shape = model.toConfig().config['inputShape'];
  return Array.isArray(shape) ? (shape as number[]).reduce((a, b) => a * b, 1) : 0;
}

export function predictOne(model: Model & { toConfig(): { config: Record<string, unknown> } }, pixels: Float32Array): Float32Array {
  const shape = model.toConfig().config['inputShape'];
  const sample = Array.isArray(shape) ? (shape as number[]) : [pixels.length];
  const out = model.predict(new Tensor(pixels, [1, ...sample]));
  return out.data as Float32Array;
}

/** An autoencoder cut at its narrowest Dense layer: encoder (input → code) and decoder (code → picture). */
export interface SplitAutoencoder {
  encoder: Sequential;
  decoder: Sequential;
  codeSize: number;
}

export function splitAutoencoder(model: Sequential): SplitAutoencoder {
  const config = model.toConfig().config as { layers: { className: string; config: Record<string, unknown> }[]; inputShape?: number[] };
  const units = config.layers.map((l) => (l.className === 'Dense' ? Number(l.config['units']) : Infinity));
  const cut = units.indexOf(Math.min(...units));
  if (cut < 0 || !Number.isFinite(units[cut]!)) throw new Error('this model has no Dense layer to use as the code');
  const codeSize = units[cut]!;
  const withoutNames = (ls: typeof config.layers): typeof config.layers => ls.map((l) => ({ ...l, config: { ...l.config, name: undefined } }));
  const encoder = Sequential.fromConfig({ layers: withoutNames(config.layers.slice(0, cut + 1)), inputShape: config.inputShape } as unknown as SequentialConfig);
  const decoder = Sequential.fromConfig({ layers: withoutNames(config.layers.slice(cut + 1)), inputShape: [codeSize] } as unknown as SequentialConfig);
  const all = model.getWeights();
  const nEnc = encoder.weights.length;
  encoder.setWeights(all.slice(0, nEnc));
  decoder.setWeights(all.slice(nEnc));
  return { encoder, decoder, codeSize };
}
