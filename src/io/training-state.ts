/**
 * What loadModel needs to resume training as Keras' load_model does: the compile settings
 * (tfjs' trainingConfig: loss, metrics, loss_weights, optimizer_config, in Keras' snake_case)
 * and the optimizer's state (iteration count and slots), which deepts keeps in optimizer.bin
 * with its manifest under userDefinedMetadata.deepts (tfjs ignores both).
 */
import type { Model } from '../models/model.js';
import type { JsonValue } from '../nn/layer.js';
import { optimizerFromConfig, type OptimizerConfig } from '../train/optimizers/index.js';
import type { ScheduleConfig } from '../train/optimizers/schedules.js';
import { deserializeLoss, type LossConfig } from '../train/losses.js';
import { camelCase, isObject, kerasLossName, snakeCase, type JsonObject } from './keras-config.js';

export const OPTIMIZER_FILE = 'optimizer.bin';

interface OptimizerStateManifest {
  iterations: number;
  slotsPerVariable: number;
  variables: { name: string; size: number }[];
}

/** A learning-rate schedule as Keras serializes it inside an optimizer config. */
export function scheduleToKeras(s: ScheduleConfig): JsonObject {
  const config: JsonObject = {};
  for (const [k, v] of Object.entries(s.config)) config[snakeCase(k)] = v;
  return { module: 'keras.optimizers.schedules', class_name: s.className, config, registered_name: null };
}

/** Keras' serialized schedule back to { className, config } (null when `v` is not one). */
function scheduleFromKeras(v: JsonValue): ScheduleConfig | null {
  if (!isObject(v) || typeof v['class_name'] !== 'string' || !isObject(v['config'])) return null;
  const config: ScheduleConfig['config'] = {};
  for (const [k, x] of Object.entries(v['config'])) {
    if (typeof x === 'number' || typeof x === 'boolean' || x === null) config[camelCase(k)] = x;
    else if (Array.isArray(x) && x.every((e) => typeof e === 'number')) config[camelCase(k)] = x as number[];
  }
  return { className: v['class_name'], config };
}

/** tfjs' trainingConfig for a compiled model (undefined when not compiled). */
export function trainingConfigOf(model: Model<never>): JsonObject | undefined {
  const cc = model.compileConfig;
  const opt = model.optimizer;
  if (!cc || !opt) return undefined;
  const optConfig: JsonObject = {};
  for (const [k, v] of Object.entries(opt.getConfig())) optConfig[snakeCase(k)] = typeof v === 'object' ? scheduleToKeras(v) : v;
  const losses = cc.loss.map((l) => (l === null ? null : kerasLossName(l)));
  const config: JsonObject = {
    loss: losses.length === 1 ? losses[0]! : losses,
    metrics: cc.metrics.length === 1 ? cc.metrics[0]! : cc.metrics,
    optimizer_config: { class_name: opt.name, config: optConfig },
  };
  if (cc.lossWeights.some((w) => w !== 1)) config['loss_weights'] = cc.lossWeights;
  const weighted = cc.weightedMetrics ?? [];
  if (weighted.some((m) => m.length > 0)) config['weighted_metrics'] = weighted.length === 1 ? weighted[0]! : weighted;
  return config;
}

/** The optimizer state as a manifest (for model.json) and its bytes (optimizer.bin), or null before the first step. */
export function optimizerStateOf(model: Model<never>): { manifest: JsonObject; bytes: Uint8Array } | null {
  const opt = model.optimizer;
  if (!opt || opt.iterations === 0) return null;
  const state = opt.getState();
  const total = state.slots.reduce((t, s) => t + s.values.reduce((u, a) => u + a.length, 0), 0);
  const bin = new Float32Array(total);
  let at = 0;
  for (const s of state.slots) {
    for (const a of s.values) {
      bin.set(a, at);
      at += a.length;
    }
  }
  const manifest: OptimizerStateManifest = {
    iterations: state.iterations, slotsPerVariable: opt.slotsPerVariable,
    variables: state.slots.map((s) => ({ name: s.name, size: s.values[0]?.length ?? 0 })),
  };
  return { manifest: { path: OPTIMIZER_FILE, ...manifest } as unknown as JsonObject, bytes: new Uint8Array(bin.buffer) };
}

/** deepts' metadata beside tfjs' fields: the loss objects with their arguments. */
export function compileMetadataOf(model: Model<never>): JsonObject | null {
  const cc = model.compileConfig;
  return cc ? { lossClasses: cc.lossClasses as unknown as JsonValue } : null;
}

/** Checks userDefinedMetadata.deepts.optimizerState field by field (never a TypeError from a damaged file). */
function checkOptimizerState(v: JsonValue, where: string): OptimizerStateManifest & { path: string } {
  const field = 'userDefinedMetadata.deepts.optimizerState';
  const fail = (what: string): never => {
    throw new Error(`cannot load model: ${where}: ${field}${what}`);
  };
  if (!isObject(v)) return fail(` must be an object, got ${JSON.stringify(v)}`);
  const path = v['path'];
  if (typeof path !== 'string' || path === '' || /[\\/]/.test(path) || path === '.' || path === '..') {
    return fail(`.path must be a file name beside model.json, got ${JSON.stringify(path)}`);
  }
  const count = (x: JsonValue | undefined, name: string, max: number): number =>
    typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= max ? x : fail(`.${name} must be an integer in [0, ${max}], got ${JSON.stringify(x)}`);
  const iterations = count(v['iterations'], 'iterations', Number.MAX_SAFE_INTEGER);
  const slotsPerVariable = count(v['slotsPerVariable'], 'slotsPerVariable', 16);
  const list = v['variables'];
  if (!Array.isArray(list)) return fail(`.variables must be a list, got ${JSON.stringify(list)}`);
  const variables = list.map((e, i) => {
    if (!isObject(e) || typeof e['name'] !== 'string') return fail(`.variables[${i}] must be { name: string, size: integer }, got ${JSON.stringify(e)}`);
    return { name: e['name'], size: count(e['size'], `variables[${i}].size`, 2 ** 31 - 1) };
  });
  return { path, iterations, slotsPerVariable, variables };
}

/**
 * Compiles a loaded model from its trainingConfig and restores the optimizer state when saved.
 * A loss or metric deepts cannot rebuild by name (a custom function) leaves the model uncompiled, with a warning.
 */
export function restoreTraining(model: Model<never>, trainingConfig: JsonValue | undefined, meta: JsonObject | undefined, readFile: (path: string) => Uint8Array | null, where: string): void {
  if (!isObject(trainingConfig)) return;
  const oc = trainingConfig['optimizer_config'];
  const loss = trainingConfig['loss'];
  if (!isObject(oc) || typeof oc['class_name'] !== 'string' || loss === undefined || loss === null) return;
  try {
    const config: { [k: string]: number | boolean | string | ScheduleConfig } = {};
    if (isObject(oc['config'])) {
      for (const [k, v] of Object.entries(oc['config'])) {
        const schedule = k === 'learning_rate' ? scheduleFromKeras(v) : null;
        if (schedule) config['learningRate'] = schedule;
        else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') config[camelCase(k)] = v;
      }
    }
    const lw = trainingConfig['loss_weights'];
    // deepts' own record of the loss objects (with fromLogits) wins over the names tfjs reads.
    const classes = Array.isArray(meta?.['lossClasses']) ? (meta['lossClasses'] as unknown as ({ className: string; config: LossConfig } | null)[]) : null;
    const names = (Array.isArray(loss) ? loss : [loss]) as (string | null)[];
    const restored = classes && classes.length === names.length ? names.map((n, i) => (classes[i] ? deserializeLoss(classes[i]!) : n)) : null;
    model.compile({
      optimizer: optimizerFromConfig(oc['class_name'], config as OptimizerConfig),
      loss: restored ? (restored.length === 1 ? restored[0]! : restored) as string : (loss as string | string[]),
      lossWeights: Array.isArray(lw) || isObject(lw) ? (lw as number[]) : undefined,
      metrics: (Array.isArray(trainingConfig['metrics']) || isObject(trainingConfig['metrics']) ? trainingConfig['metrics'] : []) as string[],
      weightedMetrics: (Array.isArray(trainingConfig['weighted_metrics']) || isObject(trainingConfig['weighted_metrics']) ? trainingConfig['weighted_metrics'] : []) as string[],
    });
  } catch (e) {
    console.warn(`loadModel: ${where} loaded uncompiled (${e instanceof Error ? e.message : String(e)}); call compile() to train it`);
    return;
  }
  const stateManifest = meta?.['optimizerState'];
  if (stateManifest === undefined) return;
  const st = checkOptimizerState(stateManifest, where);
  const bytes = readFile(st.path);
  if (!bytes) return;
  const need = st.variables.reduce((t, v) => t + v.size * st.slotsPerVariable, 0);
  // Sizes first: a file of 66 bytes is not 16.5 float32 values (new Float32Array would throw a RangeError).
  if (bytes.byteLength !== need * 4) {
    throw new Error(`cannot load model: ${where}: optimizer state ${st.path} has ${bytes.byteLength} bytes, the manifest needs ${need * 4} (${need} float32 values; truncated or from another model?)`);
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let at = 0;
  const slots = st.variables.map((v) => ({
    name: v.name,
    values: Array.from({ length: st.slotsPerVariable }, () => {
      const a = all.slice(at, at + v.size);
      at += v.size;
      return a;
    }),
  }));
  model.optimizer!.setState({ iterations: st.iterations, slots }, model.weights);
}
