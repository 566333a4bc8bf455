/**
 * Wall-clock seconds per epoch (training plus validation), for reports such as "2.1 s per epoch".
 * Browser-safe: performance.now() exists in Node and browsers.
 */
import { Callback } from './callback.js';

export class EpochTimer extends Callback {
  /** Seconds of each finished epoch, in order. */
  readonly seconds: number[] = [];
  private started = 0;

  override onTrainBegin(): void {
    this.seconds.length = 0;
  }

  override onEpochBegin(): void {
    this.started = performance.now();
  }

  override onEpochEnd(): void {
    this.seconds.push((performance.now() - this.started) / 1000);
  }

  get epochs(): number {
    return this.seconds.length;
  }

  get totalSeconds(): number {
    return this.seconds.reduce((a, b) => a + b, 0);
  }

  /** Mean seconds per epoch; NaN before the first epoch ends. */
  get meanSeconds(): number {
    return this.epochs === 0 ? NaN : this.totalSeconds / this.epochs;
  }
}
