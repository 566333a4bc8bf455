import type { Tensor } from '../../tensor/tensor.js';
import { Callback, type Logs } from './callback.js';
import { isImprovement, resolveMode, type MonitorMode } from './monitor.js';

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  verbose?: 0 | 1;
  mode?: MonitorMode;
  baseline?: number;
  restoreBestWeights?: boolean;
  startFromEpoch?: number;
}

/**
 * keras.callbacks.EarlyStopping(monitor='val_loss', min_delta=0, patience=0,
 * mode='auto', baseline=None, restore_best_weights=False, start_from_epoch=0).
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  private readonly mode: 'min' | 'max';
  private readonly baseline: number | undefined;
  private readonly startFromEpoch: number;
  private readonly verbose: 0 | 1;
  private wait = 0;
  private best = NaN;
  private bestWeights: Tensor[] | null = null;
  private warned = false;
  /** Epoch (0-based) at which training was stopped, or 0. */
  stoppedEpoch = 0;
  bestEpoch = 0;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    this.verbose = args.verbose ?? 0;
    this.mode = resolveMode(args.mode ?? 'auto', this.monitor);
    this.baseline = args.baseline;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.startFromEpoch = args.startFromEpoch ?? 0;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestWeights = null;
    this.bestEpoch = 0;
    this.warned = false;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      // As Keras: warn (once per fit) and keep training.
      if (!this.warned) console.warn(`EarlyStopping is conditioned on metric '${this.monitor}' which is not available. Available metrics are: ${Object.keys(logs).join(', ')}`);
      this.warned = true;
      return;
    }
    if (epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) this.bestWeights = this.model!.getWeights();
    this.wait++;
    if (isImprovement(this.mode, current, this.best, this.minDelta)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model!.getWeights();
      // Only reset the wait if we beat the baseline too.
      if (this.baseline === undefined || isImprovement(this.mode, current, this.baseline, 0)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights) {
      if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model!.setWeights(this.bestWeights);
    }
  }
}
