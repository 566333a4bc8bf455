/**
 * Keras 3 `.keras` files: a zip (fflate) holding config.json (the model serialized as
 * keras.saving.serialize_keras_object writes it), metadata.json ({ keras_version,
 * date_saved }) and model.weights.h5 (h5wasm), laid out as Keras' saving_lib does:
 *
 *   /vars                      the model's own variables (none for Sequential)
 *   /layers/<name>/vars/<i>    layer i-th variable, trainable first then non-trainable,
 *                              in creation order (Dense: 0 kernel, 1 bias)
 *
 * where <name> is the layer *class* in snake_case, numbered in order of appearance
 * (dense, dense_1, dropout, dense_2): Keras addresses layers by class, not by their names.
 * Sequential models (model.layers without the InputLayer) and functional models (Keras'
 * Functional.layers order with the InputLayers, keras-graph.ts); a compiled model's
 * compile_config is written and read (keras-compile.ts), and so is the optimizer's state
 * (/optimizer/vars, keras-optimizer-state.ts). No Node built-ins (the caller reads
 * and writes the bytes).
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import h5wasm, { type Dataset, type Group } from 'h5wasm';
import { Tensor } from '../tensor/tensor.js';
import { sizeOf } from '../tensor/shape.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import type { JsonValue, Layer, LayerShape } from '../nn/layer.js';
import { Normalization } from '../nn/layers/normalization.js';
import { InputLayer } from '../nn/layers/reshaping.js';
import { serializeLayer, type SerializedLayer } from '../nn/serialization.js';
import { isObject, layerToKeras, type JsonObject } from './keras-config.js';
import { modelFromTopology } from './tfjs-format.js';
import { kerasFunctionalConfig, kerasGraphOf, kerasLayerOrder } from './keras-graph.js';
import { compileFromKeras, kerasCompileConfig } from './keras-compile.js';
import { numbersOf, readKerasOptimizerVars, writeKerasOptimizerVars } from './keras-optimizer-state.js';

/** The Keras version whose file layout this writes (saving_lib of Keras 3). */
export const KERAS_FORMAT_VERSION = '3.0.0';

/** keras.src.utils.naming.to_snake_case */
export function kerasSnakeCase(name: string): string {
  return name.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The h5 group of each layer, as saving_lib's _save_container_state names them. */
export function kerasLayerPaths(layers: readonly Layer[]): string[] {
  const used = new Map<string, number>();
  return layers.map((l) => {
    const base = kerasSnakeCase(l.className);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return `layers/${n === undefined ? base : `${base}_${n + 1}`}`;
  });
}

/** Layers whose Keras counterpart owns no variables though deepts' does (Normalization given mean/variance). */
const kerasHasNoVariables = (l: Layer): boolean => l instanceof Normalization && l.getConfig()['mean'] !== undefined;

const DTYPE_POLICY: JsonObject = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };

/** One layer as serialize_keras_object writes it: module, class_name, config, registered_name, build_config. */
function kerasLayerJson(layer: Layer, inputShape: LayerShape | LayerShape[] | null): JsonObject {
  if (layer instanceof InputLayer) {
    return { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, config: { batch_shape: [...layer.batchInputShape!], dtype: 'float32', sparse: false, name: layer.name } };
  }
  const json = layerToKeras(serializeLayer(layer) as SerializedLayer, 'keras3') as unknown as JsonObject;
  if (inputShape !== null) json['build_config'] = { input_shape: inputShape as unknown as JsonValue };
  return json;
}

/** config.json for a Sequential model, as Keras 3 serializes one. */
export function kerasModelConfig(model: Sequential): JsonObject {
  const { config } = model.toConfig();
  const sample = config['inputShape'];
  if (!Array.isArray(sample)) throw new Error(`cannot save '${model.name}' as .keras: the input shape is unknown; give the first layer an inputShape or call model.build(shape)`);
  let shape: LayerShape = [null, ...(sample as number[])];
  const inputShape = [...shape];
  const layers: JsonValue[] = [{
    module: 'keras.layers', class_name: 'InputLayer', registered_name: null,
    config: { batch_shape: inputShape, dtype: 'float32', sparse: false, name: 'input_layer' },
  }];
  for (const layer of model.layers) {
    layers.push(kerasLayerJson(layer, shape));
    shape = layer.computeOutputShape(shape) as LayerShape;
  }
  return {
    module: 'keras', class_name: 'Sequential', registered_name: null,
    config: { name: model.name, trainable: true, dtype: DTYPE_POLICY, layers, build_input_shape: inputShape },
    build_config: { input_shape: inputShape },
  };
}

let fileCounter = 0;

async function h5(): Promise<{ FS: { writeFile(p: string, d: Uint8Array): void; readFile(p: string): Uint8Array; unlink(p: string): void } }> {
  return (await h5wasm.ready) as unknown as { FS: { writeFile(p: string, d: Uint8Array): void; readFile(p: string): Uint8Array; unlink(p: string): void } };
}

/** model.layers as Keras lists them, which numbers the weight groups: Sequential without its InputLayer, functional with. */
function kerasLayers(model: Model<never>): Layer[] {
  return model instanceof Sequential ? model.layers.filter((l) => !(l instanceof InputLayer)) : kerasLayerOrder(kerasGraphOf(model));
}

/** model.weights.h5 bytes in Keras' layout. */
async function weightsH5(model: Model<never>): Promise<Uint8Array> {
  const { FS } = await h5();
  const path = `/deepts-keras-${fileCounter++}.h5`;
  const f = new h5wasm.File(path, 'w');
  try {
    f.create_group('vars');
    const layers = kerasLayers(model);
    const root = f.create_group('layers');
    kerasLayerPaths(layers).forEach((p, i) => {
      const layer = layers[i]!;
      const group = root.create_group(p.slice('layers/'.length)).create_group('vars');
      if (kerasHasNoVariables(layer)) return;
      const ordered = [...layer.weights.filter((w) => w.trainable), ...layer.weights.filter((w) => !w.trainable)];
      ordered.forEach((w, j) => {
        // Keras' Normalization keeps its row count as an int64 scalar.
        if (layer instanceof Normalization && w.name.endsWith('/count')) {
          group.create_dataset({ name: String(j), data: BigInt64Array.of(BigInt(Math.round(w.values[0]!))), shape: [], dtype: '<q' });
        } else {
          group.create_dataset({ name: String(j), data: Float32Array.from(w.values), shape: [...w.shape], dtype: '<f' });
        }
      });
    });
    writeKerasOptimizerVars(f, model, layers);
  } finally {
    f.close();
  }
  const bytes = FS.readFile(path);
  FS.unlink(path);
  return bytes;
}

/** A `.keras` archive of a Sequential or functional model (architecture, weights, and compile_config once compiled). */
export async function toKerasArchive(model: Model): Promise<Uint8Array> {
  const kind = model.toConfig().className;
  if (!(model instanceof Sequential) && kind !== 'Functional') throw new Error(`.keras export supports Sequential and functional models; '${model.name}' is a ${kind}`);
  const m = model as unknown as Model<never>;
  const config = model instanceof Sequential ? kerasModelConfig(model) : kerasFunctionalConfig(m, kerasLayerJson);
  const compileConfig = kerasCompileConfig(m);
  if (compileConfig) config['compile_config'] = compileConfig;
  const now = new Date();
  const pad = (n: number): string => String(n).padStart(2, '0');
  const metadata = {
    keras_version: KERAS_FORMAT_VERSION,
    date_saved: `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}@${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`,
  };
  return zipSync({
    'metadata.json': strToU8(JSON.stringify(metadata)),
    'config.json': strToU8(JSON.stringify(config)),
    'model.weights.h5': await weightsH5(m),
  });
}

/** Rebuilds a model from `.keras` bytes: config.json → layers, model.weights.h5 → weights. */
export async function modelFromKerasArchive(bytes: Uint8Array, where = 'the .keras file'): Promise<Model<never>> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => ['config.json', 'metadata.json', 'model.weights.h5'].includes(f.name) });
  } catch (e) {
    throw new Error(`cannot load ${where}: not a zip archive (${e instanceof Error ? e.message : String(e)})`);
  }
  const configBytes = files['config.json'];
  const h5Bytes = files['model.weights.h5'];
  if (!configBytes) throw new Error(`cannot load ${where}: config.json is missing (is it a Keras 3 .keras file?)`);
  if (!h5Bytes) throw new Error(`cannot load ${where}: model.weights.h5 is missing (npz weights are not supported)`);
  let config: unknown;
  try {
    config = JSON.parse(strFromU8(configBytes));
  } catch (e) {
    throw new Error(`cannot load ${where}: config.json is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isObject(config)) throw new Error(`cannot load ${where}: config.json is not an object`);
  const model = modelFromTopology(config);
  // As keras.saving.load_model(compile=True): compiled again from compile_config, and the
  // optimizer's variables restored from the same weights file.
  compileFromKeras(model as unknown as Model<never>, config['compile_config'], where);
  const { FS } = await h5();
  const path = `/deepts-keras-${fileCounter++}.h5`;
  FS.writeFile(path, h5Bytes);
  const f = new h5wasm.File(path, 'r');
  try {
    const layers = kerasLayers(model);
    kerasLayerPaths(layers).forEach((p, i) => {
      const layer = layers[i]!;
      const own = [...layer.weights.filter((w) => w.trainable), ...layer.weights.filter((w) => !w.trainable)];
      // Look before get(): HDF5 prints diagnostics for a missing path.
      const parent = f.keys().includes('layers') ? (f.get('layers') as Group) : null;
      const name = p.slice('layers/'.length);
      const layerGroup = parent && parent.keys().includes(name) ? (parent.get(name) as Group) : null;
      const group = layerGroup && layerGroup.keys().includes('vars') ? (layerGroup.get('vars') as Group) : null;
      if (!group && own.length > 0 && !kerasHasNoVariables(layer)) throw new Error(`cannot load ${where}: model.weights.h5 has no group ${p}/vars for '${layer.name}' (${layer.className})`);
      const keys = group ? group.keys().sort((a: string, b: string) => Number(a) - Number(b)) : [];
      if (kerasHasNoVariables(layer) && keys.length === 0) return;
      if (keys.length !== own.length) {
        throw new Error(`cannot load ${where}: ${p} ('${layer.name}', ${layer.className}) has ${keys.length} variables in model.weights.h5, deepts expects ${own.length}`);
      }
      own.forEach((w, j) => {
        const ds = group!.get(keys[j]!) as Dataset;
        const shape = (ds.shape ?? []) as number[];
        if (shape.join(',') !== w.shape.join(',')) {
          throw new Error(`cannot load ${where}: ${p}/vars/${keys[j]} has shape [${shape}], '${w.name}' needs [${w.shape}]`);
        }
        const values = Float32Array.from(numbersOf(ds.value));
        if (values.length !== sizeOf(w.shape)) throw new Error(`cannot load ${where}: ${p}/vars/${keys[j]} holds ${values.length} values, expected ${sizeOf(w.shape)}`);
        w.assign(new Tensor(values, w.shape));
      });
    });
    const skipped = readKerasOptimizerVars(f, model as unknown as Model<never>, layers, where);
    if (skipped) console.warn(skipped);
  } finally {
    f.close();
    FS.unlink(path);
  }
  return model as unknown as Model<never>;
}
