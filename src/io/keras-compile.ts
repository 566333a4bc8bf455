/**
 * Keras 3's `compile_config` in a .keras file's config.json: what Trainer.compile records
 * (keras/src/trainers/trainer.py: SerializableDict(optimizer, loss, loss_weights, metrics,
 * weighted_metrics, run_eagerly, steps_per_execution, jit_compile)), serialized with
 * serialize_keras_object — the optimizer as { module: 'keras.optimizers', class_name, config,
 * registered_name }, a loss given by name as its string, metrics as given. keras.saving.load_model
 * calls compile_from_config with it, and so does deepts' loadModel.
 *
 * The optimizer's *state* (Keras' /optimizer/vars in model.weights.h5) is keras-optimizer-state.ts.
 */
import type { Model } from '../models/model.js';
import type { JsonValue } from '../nn/layer.js';
import type { LossConfig } from '../train/losses.js';
import { camelCase, isObject, kerasLossName, snakeCase, type JsonObject } from './keras-config.js';
import { restoreTraining, scheduleToKeras } from './training-state.js';

/** deepts optimizer config key → Keras' argument name (beta1 → beta_1, learningRate → learning_rate). */
const kerasKey = (k: string): string => snakeCase(k).replace(/^beta(\d)$/, 'beta_$1');

/** Default settings of deepts' built-in losses: a loss with only these is written by name, as Keras writes compile(loss='...'). */
const isDefaultLoss = (c: LossConfig): boolean => Object.entries(c).every(([k, v]) => k === 'name' || (k === 'fromLogits' && v === false));

export function kerasCompileConfig(model: Model<never>): JsonObject | null {
  const cc = model.compileConfig;
  const opt = model.optimizer;
  if (!cc || !opt) return null;
  const optimizerConfig: JsonObject = { name: opt.name.toLowerCase() };
  // A schedule is written as Keras serializes one ({ module, class_name, config }), which compile_from_config rebuilds.
  for (const [k, v] of Object.entries(opt.getConfig())) optimizerConfig[kerasKey(k)] = typeof v === 'object' ? scheduleToKeras(v) : v;
  const losses: JsonValue[] = cc.loss.map((name, i) => {
    const cls = cc.lossClasses[i];
    if (!cls || isDefaultLoss(cls.config)) return name === null ? null : kerasLossName(name);
    const config: JsonObject = { reduction: 'sum_over_batch_size' };
    for (const [k, v] of Object.entries(cls.config)) config[snakeCase(k)] = k === 'name' ? kerasLossName(String(v)) : v;
    return { module: 'keras.losses', class_name: cls.className, config, registered_name: null };
  });
  const listOrNull = (m: string[][]): JsonValue => (m.every((l) => l.length === 0) ? null : m.length === 1 ? m[0]! : m);
  const metrics = listOrNull(cc.metrics);
  return {
    optimizer: { module: 'keras.optimizers', class_name: opt.name, config: optimizerConfig, registered_name: null },
    loss: losses.length === 1 ? losses[0]! : losses,
    loss_weights: cc.lossWeights.every((w) => w === 1) ? null : cc.lossWeights,
    metrics,
    weighted_metrics: listOrNull(cc.weightedMetrics ?? []),
    run_eagerly: false,
    steps_per_execution: 1,
    jit_compile: false,
  };
}

/** A metric as Keras may serialize it (a name, or a Metric object) → deepts' name. */
function metricName(m: JsonValue): JsonValue {
  if (Array.isArray(m)) return m.map(metricName);
  if (isObject(m)) {
    const c = m['config'];
    if (isObject(c) && typeof c['name'] === 'string') return c['name'];
    return typeof m['class_name'] === 'string' ? snakeCase(m['class_name']) : m;
  }
  return m;
}

/**
 * Compiles a model loaded from a .keras file as load_model(compile=True) does. A loss,
 * optimizer or metric deepts cannot rebuild leaves the model uncompiled, with a warning.
 */
export function compileFromKeras(model: Model<never>, compileConfig: JsonValue | undefined, where: string): void {
  if (!isObject(compileConfig)) return;
  let optimizer = compileConfig['optimizer'];
  if (typeof optimizer === 'string') optimizer = { class_name: optimizer, config: {} };
  const loss = compileConfig['loss'];
  if (!isObject(optimizer) || loss === undefined || loss === null) return;
  // Loss objects carry their arguments (from_logits, ...): hand them over as deepts' loss classes.
  const lossList = Array.isArray(loss) ? loss : [loss];
  const names = lossList.map((l) => (isObject(l) ? kerasLossName(String(isObject(l['config']) && l['config']['name'] ? l['config']['name'] : l['class_name'])) : l));
  const lossClasses = lossList.map((l) => {
    if (!isObject(l) || typeof l['class_name'] !== 'string') return null;
    const config: LossConfig = {};
    for (const [k, v] of Object.entries(isObject(l['config']) ? l['config'] : {})) {
      if (k !== 'reduction' && k !== 'dtype' && (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string')) config[camelCase(k)] = v;
    }
    return { className: l['class_name'], config };
  });
  const trainingConfig: JsonObject = {
    optimizer_config: { class_name: String(optimizer['class_name']), config: isObject(optimizer['config']) ? optimizer['config'] : {} },
    loss: Array.isArray(loss) ? names : names[0]!,
    metrics: compileConfig['metrics'] === null || compileConfig['metrics'] === undefined ? [] : metricName(compileConfig['metrics']),
    weighted_metrics: compileConfig['weighted_metrics'] === null || compileConfig['weighted_metrics'] === undefined ? [] : metricName(compileConfig['weighted_metrics']),
  };
  if (compileConfig['loss_weights'] !== null && compileConfig['loss_weights'] !== undefined) trainingConfig['loss_weights'] = compileConfig['loss_weights'];
  const meta = lossClasses.some((c) => c !== null) ? { lossClasses: lossClasses as unknown as JsonValue } : undefined;
  restoreTraining(model, trainingConfig, meta, () => null, where);
}
