/**
 * keras.callbacks.TerminateOnNaN: stops training at the first batch whose loss is NaN or
 * ±Infinity. Once the loss is not finite the weights are usually NaN too, and every later
 * epoch only reports NaN. Keras prints a line and stops; `raise: true` (what deepts' CLI
 * uses) makes fit reject with the same message instead, so a script cannot go on to
 * evaluate a diverged model.
 */
import { Callback, type Logs } from './callback.js';

export interface TerminateOnNaNArgs {
  /** Reject fit with an Error instead of stopping quietly after printing (default false, as Keras). */
  raise?: boolean;
  /** Where the message goes when not raising (default console.log, as Keras prints it). */
  print?: (line: string) => void;
}

/** The message for a diverged run: what happened, where, and what to try. */
export function divergenceMessage(loss: number, epoch: number, batch: number): string {
  return `training diverged: the loss became ${loss} at epoch ${epoch + 1}, step ${batch + 1}. ` +
    'Try a smaller learning rate (e.g. 10× lower), scaling the inputs and targets (Normalization, StandardScaler), ' +
    'or clipping gradients (clipnorm / clipvalue).';
}

export class TerminateOnNaN extends Callback {
  private readonly raise: boolean;
  private readonly print: (line: string) => void;
  private epoch = 0;

  constructor(args: TerminateOnNaNArgs = {}) {
    super();
    this.raise = args.raise ?? false;
    this.print = args.print ?? ((line) => console.log(line));
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  override onBatchEnd(batch: number, logs?: Logs): void {
    const loss = logs?.['loss'];
    if (loss === undefined || Number.isFinite(loss)) return;
    const message = divergenceMessage(loss, this.epoch, batch);
    if (this.raise) throw new Error(message);
    this.print(message);
    if (this.model) this.model.stopTraining = true;
  }
}
