/**
 * Layer and model configs in Keras' JSON (snake_case keys, initializers as
 * {class_name, config} objects), the schema shared by tfjs' `modelTopology`
 * (Keras 2 flavour) and Keras 3's `config.json` (adds module / registered_name /
 * build_config). deepts' own configs (camelCase, initializers by name) are
 * mapped both ways here, so the tfjs and .keras formats share one translation.
 *
 * Layers deepts does not know raise an error naming the class. A layer class
 * deepts gains later (e.g. Conv2D) round-trips through the generic rule: keys
 * snake_case ↔ camelCase, which is how Keras and tfjs names correspond.
 */
import type { JsonValue, LayerConfig } from '../nn/layer.js';
import type { SerializedLayer } from '../nn/serialization.js';
import { deserializeRegularizer, serializeRegularizer } from '../nn/regularizers.js';
import { deserializeConstraint, serializeConstraint } from '../nn/constraints.js';

export type KerasFlavour = 'tfjs' | 'keras3';
export type JsonObject = { [k: string]: JsonValue };

export interface KerasLayerJson {
  class_name: string;
  config: JsonObject;
  module?: string;
  registered_name?: string | null;
  build_config?: JsonObject;
}

const snake = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** deepts initializer name → Keras class name (GlorotUniform, HeNormal, Zeros, ...). */
const INITIALIZER_CLASSES: Record<string, string> = {
  glorotUniform: 'GlorotUniform', glorotNormal: 'GlorotNormal', heUniform: 'HeUniform', heNormal: 'HeNormal',
  lecunUniform: 'LecunUniform', lecunNormal: 'LecunNormal', zeros: 'Zeros', ones: 'Ones',
  randomNormal: 'RandomNormal', randomUniform: 'RandomUniform', truncatedNormal: 'TruncatedNormal',
};

/** The parameters deepts' named initializers use (Keras' defaults), written out so Keras and tfjs rebuild the same ones. */
const INITIALIZER_PARAMS: Record<string, JsonObject> = {
  randomNormal: { mean: 0, stddev: 0.05 }, randomUniform: { minval: -0.05, maxval: 0.05 }, truncatedNormal: { mean: 0, stddev: 0.05 },
};

function initializerToKeras(name: string, flavour: KerasFlavour): JsonObject {
  const key = camel(name.charAt(0).toLowerCase() + name.slice(1));
  const cls = INITIALIZER_CLASSES[key];
  if (!cls) throw new Error(`cannot export initializer '${name}' to Keras' format`);
  const config: JsonObject = { ...(INITIALIZER_PARAMS[key] ?? {}) };
  if (cls !== 'Zeros' && cls !== 'Ones') config['seed'] = null;
  return flavour === 'keras3' ? { module: 'keras.initializers', class_name: cls, config, registered_name: null } : { class_name: cls, config };
}

/**
 * A Keras/tfjs initializer (a string, a class object, or VarianceScaling with the
 * parameters of a named one) → deepts' name. Initializers only matter for weights
 * built from scratch, so an unknown one falls back to Keras' default rather than failing a load.
 */
function initializerFromKeras(v: JsonValue): string {
  if (typeof v === 'string') {
    const key = camel(v.charAt(0).toLowerCase() + v.slice(1));
    return INITIALIZER_CLASSES[key] ? key : 'glorotUniform';
  }
  if (!isObject(v)) return 'glorotUniform';
  const cls = String(v['class_name'] ?? v['className'] ?? '');
  const byClass = Object.entries(INITIALIZER_CLASSES).find(([, c]) => c === cls);
  if (byClass) return byClass[0];
  if (cls === 'VarianceScaling' && isObject(v['config'])) {
    const c = v['config'];
    const mode = String(c['mode'] ?? 'fan_in').replace(/([A-Z])/g, '_$1').toLowerCase();
    const dist = String(c['distribution'] ?? 'truncated_normal');
    const family = mode === 'fan_avg' && c['scale'] === 1 ? 'glorot' : mode === 'fan_in' && c['scale'] === 2 ? 'he' : mode === 'fan_in' && c['scale'] === 1 ? 'lecun' : null;
    if (family) return `${family}${dist === 'uniform' ? 'Uniform' : 'Normal'}`;
  }
  return 'glorotUniform';
}

/** Activation names as Keras writes them: 'relu', 'leaky_relu', 'hard_sigmoid' (tfjs camelCases on load). */
const activationToKeras = (name: JsonValue): JsonValue => (typeof name === 'string' ? snake(name) : name);

function activationFromKeras(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return 'linear';
  if (typeof v === 'string') return v;
  // Keras 3 may serialize activations as {module, class_name, config}: the name is in config.name or class_name.
  if (isObject(v)) {
    const c = v['config'];
    if (typeof c === 'string') return c;
    if (isObject(c) && typeof c['name'] === 'string') return c['name'];
    if (typeof v['class_name'] === 'string') return v['class_name'];
  }
  throw new Error(`unsupported activation ${JSON.stringify(v)}`);
}

const isPenaltyKey = (k: string): boolean => /(Regularizer|Constraint|_regularizer|_constraint)$/.test(k);

/**
 * A regularizer or constraint in Keras' JSON. tfjs knows regularizers only as L1L2 (its l1() and
 * l2() make L1L2 objects), so the tfjs flavour writes every regularizer as L1L2 for tfjs to load it.
 */
function penaltyToKeras(key: string, v: JsonValue, flavour: KerasFlavour): JsonValue {
  if (v === null) return null;
  const what = `layer config: ${key}`;
  if (/Regularizer$/.test(key)) {
    const r = deserializeRegularizer(v, what)!;
    if (flavour === 'tfjs') return { class_name: 'L1L2', config: { l1: r.l1, l2: r.l2 } };
    return { module: 'keras.regularizers', class_name: r.className, config: r.getConfig(), registered_name: null };
  }
  const c = deserializeConstraint(v, what)!;
  const config: JsonObject = {};
  for (const [k, x] of Object.entries(c.getConfig())) config[snake(k)] = x;
  if (flavour === 'tfjs') return { class_name: c.className, config };
  return { module: 'keras.constraints', class_name: c.className, config, registered_name: null };
}

/** Keras (tfjs or Keras 3) regularizer / constraint JSON → deepts' { className, config }. */
function penaltyFromKeras(key: string, v: JsonValue): JsonValue {
  const what = `layer config: ${key}`;
  return /_regularizer$/.test(key) ? serializeRegularizer(deserializeRegularizer(v, what)) : serializeConstraint(deserializeConstraint(v, what));
}

/** Keras keys that deepts has no counterpart for but whose null/default value is harmless (dtype, shapes given elsewhere). */
const IGNORED_KEYS = new Set([
  'dtype', 'batch_input_shape', 'batch_shape', 'input_shape', 'sparse', 'ragged', 'input_dim',
]);
/** Keys some deepts layers read (seeds of augmentation layers and Dropout, Dropout's noise_shape, BatchNormalization's axis, conv data_format); dropped only when null. */
const KEPT_WHEN_SET = new Set(['seed', 'axis', 'data_format', 'noise_shape']);

/** deepts → Keras for one layer. `batchInputShape` goes on the first layer as tfjs does. */
export function layerToKeras(layer: SerializedLayer, flavour: KerasFlavour, batchInputShape?: readonly (number | null)[]): KerasLayerJson {
  const config: JsonObject = {};
  for (const [k, v] of Object.entries(layer.config)) {
    // kernel, bias, depthwise, pointwise, beta, gamma, moving_mean, moving_variance initializers
    if (k.endsWith('Initializer')) config[snake(k)] = initializerToKeras(String(v), flavour);
    else if (k === 'activation') config[k] = activationToKeras(v);
    else if (isPenaltyKey(k)) config[snake(k)] = penaltyToKeras(k, v, flavour);
    else config[snake(k)] = v;
  }
  if (config['trainable'] === undefined) config['trainable'] = true;
  if (layer.className === 'Dense') {
    for (const k of ['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint']) config[k] ??= null;
  } else if (layer.className === 'Dropout') {
    config['noise_shape'] ??= null;
    config['seed'] ??= null;
  } else if (layer.className === 'Normalization') {
    config['axis'] = -1;
    if (config['mean'] === undefined) config['mean'] = null;
    if (config['variance'] === undefined) config['variance'] = null;
  } else if (layer.className === 'Flatten' && flavour === 'keras3') {
    config['data_format'] = 'channels_last';
  } else if (layer.className === 'Conv2DTranspose' && flavour === 'keras3') {
    config['output_padding'] = null;
  } else if (layer.className === 'Conv2D' && flavour === 'keras3') {
    config['groups'] = 1;
  }
  if (flavour === 'tfjs') {
    if (batchInputShape) config['batch_input_shape'] = [...batchInputShape];
    if (batchInputShape) config['dtype'] = 'float32';
    return { class_name: layer.className, config };
  }
  config['dtype'] = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  return { module: 'keras.layers', class_name: layer.className, config, registered_name: null };
}

/** Keras (tfjs or Keras 3 flavour) → deepts for one layer. */
export function layerFromKeras(json: JsonValue): SerializedLayer {
  if (!isObject(json)) throw new Error(`a layer in the model topology is not an object: ${JSON.stringify(json)}`);
  const className = json['class_name'] ?? json['className'];
  if (typeof className !== 'string') throw new Error('a layer in the model topology has no class_name');
  const raw = isObject(json['config']) ? json['config'] : {};
  const config: LayerConfig = {};
  for (const [k, v] of Object.entries(raw)) {
    const embeddingSize = className === 'Embedding' && k === 'input_dim'; // the vocabulary size, not Keras 2's input shape
    if ((IGNORED_KEYS.has(k) && !embeddingSize) || (KEPT_WHEN_SET.has(k) && v === null)) continue;
    if (isPenaltyKey(k)) {
      if (v !== null) config[camel(k)] = penaltyFromKeras(k, v);
      continue;
    }
    if (k.endsWith('_initializer')) config[camel(k)] = initializerFromKeras(v);
    else if (k === 'activation') config[k] = activationFromKeras(v);
    else config[camel(k)] = v;
  }
  if (className === 'Normalization') {
    const axis = raw['axis'];
    if (axis !== undefined && axis !== -1 && !(Array.isArray(axis) && axis.length === 1 && axis[0] === -1)) {
      throw new Error(`Normalization with axis ${JSON.stringify(axis)} is not supported (deepts normalizes the last axis)`);
    }
    if (config['mean'] === null) delete config['mean'];
    if (config['variance'] === null) delete config['variance'];
  }
  if ((raw['groups'] ?? 1) !== 1) throw new Error(`${className} with groups ${JSON.stringify(raw['groups'])} is not supported (deepts convolutions have one group)`);
  if (raw['output_padding'] !== undefined && raw['output_padding'] !== null) throw new Error(`${className} with output_padding is not supported (deepts uses Keras' default output size)`);
  if (className === 'InputLayer') config['shape'] = sampleShapeOf(raw) ?? [];
  return { className, config };
}

/** The sample shape (without batch) declared by a Keras layer config, if any; null where a size varies (e.g. a convnet's height and width). */
export function sampleShapeOf(config: JsonObject): (number | null)[] | undefined {
  const batch = config['batch_input_shape'] ?? config['batch_shape'] ?? config['batchInputShape'];
  if (Array.isArray(batch)) return batch.slice(1).map((d) => (typeof d === 'number' ? d : null));
  const shape = config['input_shape'];
  if (Array.isArray(shape)) return shape.map((d) => (typeof d === 'number' ? d : null));
  return undefined;
}

/** Keras' canonical loss names, as tfjs and Keras write them in a training config. */
export function kerasLossName(name: string): string {
  const s = snake(name);
  return ({ mse: 'mean_squared_error', mae: 'mean_absolute_error' } as Record<string, string>)[s] ?? s;
}

export { snake as snakeCase, camel as camelCase };
