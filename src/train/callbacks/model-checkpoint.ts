import { Callback, type Logs } from './callback.js';
import { isImprovement, resolveMode, type MonitorMode } from './monitor.js';

export interface ModelCheckpointArgs {
  filepath: string;
  monitor?: string;
  verbose?: 0 | 1;
  saveBestOnly?: boolean;
  mode?: MonitorMode;
}

/**
 * keras.callbacks.ModelCheckpoint(filepath, monitor='val_loss', save_best_only=False, mode='auto'):
 * saves the model at the end of every epoch (or only when `monitor` improves).
 * `filepath` may contain {epoch} or {epoch:02d} and any logged metric, e.g. 'ckpt-{epoch:02d}-{val_loss:.4f}'.
 * It saves through `model.save(path)`, so the core stays browser-safe: in Node, `import 'deepts'`
 * registers the file handler (src/io/model-io.ts); elsewhere save() says that no handler is registered.
 */
export class ModelCheckpoint extends Callback {
  private readonly args: Required<Omit<ModelCheckpointArgs, 'verbose'>> & { verbose: 0 | 1 };
  private best = NaN;
  private readonly modeResolved: 'min' | 'max';

  constructor(args: ModelCheckpointArgs) {
    super();
    this.args = { monitor: 'val_loss', saveBestOnly: false, mode: 'auto', verbose: 0, ...args };
    this.modeResolved = resolveMode(this.args.mode, this.args.monitor);
  }

  override onTrainBegin(): void {
    this.best = this.modeResolved === 'min' ? Infinity : -Infinity;
  }

  /** Fills {name} / {name:02d} / {name:.4f} placeholders. */
  formatPath(epoch: number, logs: Logs): string {
    const values: Record<string, number> = { ...logs, epoch: epoch + 1 };
    return this.args.filepath.replace(/\{(\w+)(?::([^}]*))?\}/g, (whole, key: string, spec: string | undefined) => {
      const v = values[key];
      if (v === undefined) throw new Error(`ModelCheckpoint: '${whole}' in filepath names nothing in the logs (${Object.keys(values).join(', ')})`);
      const fixed = spec?.match(/^\.(\d+)f$/);
      if (fixed) return v.toFixed(Number(fixed[1]));
      const padded = spec?.match(/^0(\d+)d$/);
      if (padded) return String(Math.round(v)).padStart(Number(padded[1]), '0');
      return String(v);
    });
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const path = this.formatPath(epoch, logs);
    if (this.args.saveBestOnly) {
      const current = logs[this.args.monitor];
      if (current === undefined) throw new Error(`ModelCheckpoint: metric '${this.args.monitor}' is not in the logs (available: ${Object.keys(logs).join(', ')})`);
      if (!isImprovement(this.modeResolved, current, this.best, 0)) return;
      if (this.args.verbose) console.log(`Epoch ${epoch + 1}: ${this.args.monitor} improved from ${this.best} to ${current}, saving model to ${path}`);
      this.best = current;
    }
    if (!this.model) throw new Error('ModelCheckpoint: not attached to a model (pass it to fit() in callbacks)');
    await this.model.save(path);
  }
}
