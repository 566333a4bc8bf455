/**
 * keras.Model's training API: compile / fit / evaluate / predict, weights
 * access and save hooks. Subclasses (Sequential) provide the forward pass.
 */
import { Tensor, tensor, type NestedArray } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import type { Variable } from '../nn/variable.js';
import { getLoss, type Loss, type LossFn, type LossName } from '../train/losses.js';
import { getMetric, type Metric } from '../train/metrics.js';
import { getOptimizer, type Optimizer, type OptimizerName } from '../train/optimizers/index.js';
import { evaluateLoop, fitLoop, predictLoop, type Compiled, type EvaluateArgs, type FitArgs, type TrainableModel } from '../train/trainer.js';
import type { History, Logs } from '../train/callbacks/callback.js';
import type { JsonValue } from '../nn/layer.js';

export interface CompileArgs {
  optimizer: OptimizerName | string | Optimizer;
  loss: LossName | string | Loss | LossFn;
  metrics?: (string | Metric)[];
}

export type TensorInput = Tensor | NestedArray;

function asTensor(x: TensorInput): Tensor {
  return x instanceof Tensor ? x : tensor(x);
}

/** Saves or loads models for a URL-like path; the Node file handler registers itself from deepts' io module. */
export interface ModelSaveHandler {
  save(model: Model, path: string, options?: ModelSaveOptions): Promise<void>;
}

/** Options for model.save; `format` picks the file format (the io module lists the ones it knows). */
export interface ModelSaveOptions {
  format?: string;
}

let saveHandler: ModelSaveHandler | null = null;

export function registerSaveHandler(handler: ModelSaveHandler): void {
  saveHandler = handler;
}

export abstract class Model implements TrainableModel {
  abstract readonly name: string;
  stopTraining = false;
  private compiled: Compiled | null = null;

  abstract get weights(): Variable[];
  abstract forward(x: Tensor, training: boolean): Tensor;
  abstract summary(print?: (line: string) => void): void;
  /** Architecture as JSON (Keras' model.to_json()). */
  abstract toConfig(): { className: string; config: { [k: string]: JsonValue } };

  get trainableWeights(): Variable[] {
    return this.weights.filter((w) => w.trainable);
  }

  get nonTrainableWeights(): Variable[] {
    return this.weights.filter((w) => !w.trainable);
  }

  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  get loss(): Loss | null {
    return this.compiled?.loss ?? null;
  }

  get metricNames(): string[] {
    return this.compiled ? ['loss', ...this.compiled.metrics.map((m) => m.name)] : [];
  }

  countParams(): number {
    return this.weights.reduce((s, w) => s + w.size, 0);
  }

  compile(args: CompileArgs): void {
    const loss = getLoss(args.loss);
    this.compiled = {
      loss,
      optimizer: getOptimizer(args.optimizer),
      metrics: (args.metrics ?? []).map((m) => getMetric(m, loss)),
    };
  }

  private requireCompiled(what: string): Compiled {
    if (!this.compiled) throw new Error(`call model.compile({ optimizer, loss }) before model.${what}()`);
    return this.compiled;
  }

  /** Trains for a number of epochs; resolves to the History (history.history.loss, .val_loss, ...). */
  async fit(x: TensorInput, y: TensorInput, args: FitArgs = {}): Promise<History> {
    return fitLoop(this, this.requireCompiled('fit'), asTensor(x), asTensor(y), args);
  }

  /**
   * Loss (and metrics) on the given data. Like Keras, a scalar when there are no
   * metrics, else [loss, ...metrics]; use evaluateLogs for a name → value record.
   */
  async evaluate(x: TensorInput, y: TensorInput, args: EvaluateArgs = {}): Promise<number | number[]> {
    const logs = await this.evaluateLogs(x, y, args);
    const values = Object.values(logs);
    return values.length === 1 ? values[0]! : values;
  }

  async evaluateLogs(x: TensorInput, y: TensorInput, args: EvaluateArgs = {}): Promise<Logs> {
    return evaluateLoop(this, this.requireCompiled('evaluate'), asTensor(x), asTensor(y), args);
  }

  /** Outputs for all samples, computed in batches (default 32, as Keras). Dropout is off. */
  predict(x: TensorInput, args: { batchSize?: number } = {}): Tensor {
    return predictLoop(this, asTensor(x), args.batchSize ?? 32);
  }

  /** Copies of every weight's value, in layer order (keras model.get_weights()). */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.read());
  }

  setWeights(weights: readonly Tensor[]): void {
    const own = this.weights;
    if (weights.length !== own.length) throw new Error(`setWeights: got ${weights.length} arrays, the model has ${own.length} weights`);
    own.forEach((w, i) => {
      const v = weights[i]!;
      if (!shapesEqual(v.shape, w.shape)) throw new Error(`setWeights: weight '${w.name}' has shape ${formatShape(w.shape)}, got ${formatShape(v.shape)}`);
    });
    own.forEach((w, i) => w.assign(weights[i]!));
  }

  /**
   * Saves architecture + weights (Node: `import 'deepts'` registers the file handler). The default
   * format is TensorFlow.js Layers (a directory with model.json + weights.bin, loadable by tfjs).
   */
  async save(path: string, options: ModelSaveOptions = {}): Promise<void> {
    if (!saveHandler) throw new Error('model.save needs a save handler: in Node import from "deepts" (not "deepts/core"); in a browser use model.toConfig() and getWeights()');
    await saveHandler.save(this, path, options);
  }
}
