import { Callback, type Logs } from './callback.js';
import { isImprovement, resolveMode, type MonitorMode } from './monitor.js';

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  verbose?: 0 | 1;
  mode?: MonitorMode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
}

/** keras.callbacks.ReduceLROnPlateau(monitor='val_loss', factor=0.1, patience=10, min_delta=1e-4, cooldown=0, min_lr=0). */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  private readonly mode: 'min' | 'max';
  private readonly verbose: 0 | 1;
  private wait = 0;
  private cooldownCounter = 0;
  private best = NaN;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    this.factor = args.factor ?? 0.1;
    if (!(this.factor < 1)) throw new Error(`ReduceLROnPlateau: factor must be < 1, got ${this.factor}`);
    this.patience = args.patience ?? 10;
    this.minDelta = args.minDelta ?? 1e-4;
    this.cooldown = args.cooldown ?? 0;
    this.minLr = args.minLr ?? 0;
    this.verbose = args.verbose ?? 0;
    this.mode = resolveMode(args.mode ?? 'auto', this.monitor);
  }

  override onTrainBegin(): void {
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) return;
    const opt = this.model?.optimizer;
    if (!opt) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (isImprovement(this.mode, current, this.best, this.minDelta)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0) {
      this.wait++;
      if (this.wait >= this.patience && opt.learningRate > this.minLr) {
        const newLr = Math.max(opt.learningRate * this.factor, this.minLr);
        opt.learningRate = newLr;
        if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${newLr}.`);
        this.cooldownCounter = this.cooldown;
        this.wait = 0;
      }
    }
    logs['learning_rate'] = opt.learningRate;
  }
}
