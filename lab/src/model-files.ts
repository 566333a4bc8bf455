/**
 * Saved models in the browser, the files the CLI writes: model.json in the TensorFlow.js
 * Layers format plus weights.bin (deepts/core's modelFromTfjs / toTfjsArtifacts, the same
 * code `model.save()` and `loadModel` use in Node). Files from deepts 0.1 ({ format:
 * 'deepts-model' }) are read too.
 */
import { Sequential, Tensor, modelFromTfjs, toTfjsArtifacts, validateTfjsModelJson, type Model } from 'deepts/core';
import type { ModelFiles } from './protocol';

type SequentialConfig = Parameters<typeof Sequential.fromConfig>[0];

/** Rebuilds a model from its files; errors name what is wrong. The page works with Sequential models. */
export function modelFromFiles(files: ModelFiles): Sequential {
  let parsed: unknown;
  try {
    parsed = JSON.parse(files.json);
  } catch (e) {
    throw new Error(`model.json is not valid JSON (${(e as Error).message})`);
  }
  const legacy = parsed as { format?: string; modelConfig?: { className: string; config: SequentialConfig }; weights?: { shape: number[] }[] };
  const model = legacy.format === 'deepts-model' ? legacyModel(legacy, files.weights) : modelFromTfjs(validateTfjsModelJson(parsed, 'model.json'), (path) => {
    if (path !== 'weights.bin') throw new Error(`model.json lists weight file '${path}'; choose model.json with its weights.bin`);
    return new Uint8Array(files.weights);
  });
  if (!(model instanceof Sequential)) throw new Error('the lab page works with Sequential models (this is a functional model)');
  return model;
}

/** deepts 0.1's format: { modelConfig, weights: [{ shape }] } + float32 weights.bin. */
function legacyModel(m: { modelConfig?: { className: string; config: SequentialConfig }; weights?: { shape: number[] }[] }, bytes: ArrayBuffer): Sequential {
  if (m.modelConfig?.className !== 'Sequential' || !Array.isArray(m.weights)) throw new Error('model.json lacks a Sequential modelConfig or its weights list');
  const model = Sequential.fromConfig(m.modelConfig.config);
  const need = m.weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.byteLength !== need * 4) throw new Error(`weights.bin has ${bytes.byteLength} bytes, model.json needs ${need * 4}`);
  const all = new Float32Array(bytes.slice(0));
  let offset = 0;
  model.setWeights(m.weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    offset += n;
    return new Tensor(all.slice(offset - n, offset), w.shape);
  }));
  return model;
}

/** The files `model.save()` writes in Node. */
export function modelToFiles(model: Model): ModelFiles {
  const { json, weightData } = toTfjsArtifacts(model);
  return { json: JSON.stringify(json, null, 1), weights: weightData.slice().buffer };
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
