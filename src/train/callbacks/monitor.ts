/** Shared "is this value better?" logic for callbacks that watch a logged metric. */
export type MonitorMode = 'auto' | 'min' | 'max';

/** Keras' 'auto': maximise accuracy-like metrics (and auc), minimise everything else. */
export function resolveMode(mode: MonitorMode, monitor: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|auc/.test(monitor) ? 'max' : 'min';
}

export function isImprovement(mode: 'min' | 'max', current: number, best: number, minDelta: number): boolean {
  return mode === 'min' ? current < best - minDelta : current > best + minDelta;
}
