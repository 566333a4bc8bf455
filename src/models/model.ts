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
import { evaluateLoop, fitLoop, predictDatasetLoop, predictLoop, type Compiled, type DatasetLike, type EvaluateArgs, type FitArgs, type TrainableModel } from '../train/trainer.js';
import { isDatasetLike } from '../train/batch-feed.js';
import type { History, Logs } from '../train/callbacks/callback.js';
import type { JsonValue } from '../nn/layer.js';

export interface CompileArgs {
  optimizer: OptimizerName | string | Optimizer;
  loss: LossName | string | Loss | LossFn;
  metrics?: (string | Metric)[];
}

export type TensorInput = Tensor | NestedArray;

/** fit(dataset, args) / evaluate(dataset, args): the second argument is options, not targets. */
function isArgs(v: unknown): v is FitArgs & EvaluateArgs {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor);
}

function asTensor(x: TensorInput): Tensor {
  return x instanceof Tensor ? x : tensor(x);
}

/** Saves or loads models for a URL-like path; the Node file handler registers itself from deepts' io module. */
export interface ModelSaveHandler {
  save(model: Model, path: string): Promise<void>;
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

  /**
   * Trains for a number of epochs; resolves to the History (history.history.loss, .val_loss, ...).
   * fit(x, y, args) with tensors, or fit(dataset, args) with a Dataset of [x, y] batches.
   */
  async fit(dataset: DatasetLike, args?: FitArgs): Promise<History>;
  async fit(x: TensorInput, y: TensorInput, args?: FitArgs): Promise<History>;
  async fit(x: TensorInput | DatasetLike, y?: TensorInput | FitArgs, args: FitArgs = {}): Promise<History> {
    const c = this.requireCompiled('fit');
    if (isDatasetLike(x)) return fitLoop(this, c, x, undefined, (y ?? {}) as FitArgs);
    if (y === undefined || isArgs(y)) throw new Error('fit: targets are missing: fit(x, y, args), or fit(dataset, args) with a dataset of [x, y] batches');
    return fitLoop(this, c, asTensor(x), asTensor(y as TensorInput), args);
  }

  /**
   * Loss (and metrics) on the given data. Like Keras, a scalar when there are no
   * metrics, else [loss, ...metrics]; use evaluateLogs for a name → value record.
   */
  async evaluate(dataset: DatasetLike, args?: EvaluateArgs): Promise<number | number[]>;
  async evaluate(x: TensorInput, y: TensorInput, args?: EvaluateArgs): Promise<number | number[]>;
  async evaluate(x: TensorInput | DatasetLike, y?: TensorInput | EvaluateArgs, args: EvaluateArgs = {}): Promise<number | number[]> {
    const logs = await this.evaluateAny(x, y, args);
    const values = Object.values(logs);
    return values.length === 1 ? values[0]! : values;
  }

  async evaluateLogs(dataset: DatasetLike, args?: EvaluateArgs): Promise<Logs>;
  async evaluateLogs(x: TensorInput, y: TensorInput, args?: EvaluateArgs): Promise<Logs>;
  async evaluateLogs(x: TensorInput | DatasetLike, y?: TensorInput | EvaluateArgs, args: EvaluateArgs = {}): Promise<Logs> {
    return this.evaluateAny(x, y, args);
  }

  private evaluateAny(x: TensorInput | DatasetLike, y: TensorInput | EvaluateArgs | undefined, args: EvaluateArgs): Promise<Logs> {
    const c = this.requireCompiled('evaluate');
    if (isDatasetLike(x)) return evaluateLoop(this, c, x, undefined, (y ?? {}) as EvaluateArgs);
    if (y === undefined || isArgs(y)) throw new Error('evaluate: targets are missing: evaluate(x, y), or evaluate(dataset) with a dataset of [x, y] batches');
    return evaluateLoop(this, c, asTensor(x), asTensor(y as TensorInput), args);
  }

  /**
   * Outputs for all samples, computed in batches (default 32, as Keras). Dropout is off.
   * With a dataset (of input batches, or [x, y] pairs) it resolves asynchronously, as datasets may.
   */
  predict(dataset: DatasetLike, args?: { steps?: number }): Promise<Tensor>;
  predict(x: TensorInput, args?: { batchSize?: number }): Tensor;
  predict(x: TensorInput | DatasetLike, args: { batchSize?: number; steps?: number } = {}): Tensor | Promise<Tensor> {
    if (isDatasetLike(x)) {
      if (args.batchSize !== undefined) throw new Error('predict: batchSize does not apply to a dataset, which yields batches already');
      return predictDatasetLoop(this, x, args.steps);
    }
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

  /** Saves architecture + weights to a directory (Node: `import 'deepts'` registers the file handler). */
  async save(path: string): Promise<void> {
    if (!saveHandler) throw new Error('model.save needs a save handler: in Node import from "deepts" (not "deepts/core"); in a browser use model.toConfig() and getWeights()');
    await saveHandler.save(this, path);
  }
}
