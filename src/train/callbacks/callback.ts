/** Callback base (keras.callbacks.Callback). Epochs and batches are 0-based, as in Keras. */
import type { Tensor } from '../../tensor/tensor.js';
import type { Optimizer } from '../optimizers/optimizer.js';

export type Logs = Record<string, number>;

/** What callbacks may touch on the model being trained. */
export interface CallbackModel {
  stopTraining: boolean;
  readonly optimizer: Optimizer | null;
  getWeights(): Tensor[];
  setWeights(weights: readonly Tensor[]): void;
  /** Saves the model through the registered save handler (ModelCheckpoint uses it). */
  save(path: string): Promise<void>;
}

export interface TrainingParams {
  epochs: number;
  steps: number;
  verbose: 0 | 1 | 2;
}

export class Callback {
  model: CallbackModel | null = null;
  params: TrainingParams | null = null;

  setModel(model: CallbackModel): void {
    this.model = model;
  }
  setParams(params: TrainingParams): void {
    this.params = params;
  }
  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
}

export interface LambdaCallbackArgs {
  onTrainBegin?: (logs?: Logs) => void | Promise<void>;
  onTrainEnd?: (logs?: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs?: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs?: Logs) => void | Promise<void>;
}

/** keras.callbacks.LambdaCallback; fit() also accepts such a plain object directly. */
export class LambdaCallback extends Callback {
  constructor(private readonly fns: LambdaCallbackArgs) {
    super();
  }
  override onTrainBegin(logs?: Logs) { return this.fns.onTrainBegin?.(logs); }
  override onTrainEnd(logs?: Logs) { return this.fns.onTrainEnd?.(logs); }
  override onEpochBegin(e: number, logs?: Logs) { return this.fns.onEpochBegin?.(e, logs); }
  override onEpochEnd(e: number, logs?: Logs) { return this.fns.onEpochEnd?.(e, logs); }
  override onBatchBegin(b: number, logs?: Logs) { return this.fns.onBatchBegin?.(b, logs); }
  override onBatchEnd(b: number, logs?: Logs) { return this.fns.onBatchEnd?.(b, logs); }
}

/** keras.callbacks.History: fit() returns it; history[name][epoch]. */
export class History extends Callback {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
