/** Resident memory over a run, sampled after every epoch, to show that training memory stays flat. */
import { Callback } from '../train/callbacks/callback.js';

export class MemoryProbe extends Callback {
  private readonly samples: number[] = [];

  constructor() {
    super();
    this.sample();
  }

  sample(): void {
    this.samples.push(process.memoryUsage.rss());
  }

  override onEpochEnd(): void {
    this.sample();
  }

  get peakBytes(): number {
    return Math.max(...this.samples, process.resourceUsage().maxRSS * 1024);
  }

  report(): string {
    const mb = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MB`;
    const s = this.samples;
    const after1 = s.length > 1 ? s[1]! : s[0]!;
    return `RSS after epoch 1 ${mb(after1)}, at the end ${mb(s[s.length - 1]!)}, peak ${mb(this.peakBytes)}`;
  }
}
