/**
 * Compiled training steps on the native addon: a traced step (tensor/step-trace.ts) becomes a
 * list of recorded addon plans, so a replay is one call into C++ per run of native kernels
 * (one per step when every kernel of the step is native). The kernel wrappers are called once
 * more between addon.beginPlan() and addon.endPlan(): the addon checks their arguments and
 * records the work instead of running it. A call that records nothing ran in JavaScript (a
 * reference kernel the addon lacks) and stays a JavaScript action between plans, as do host
 * writes other than zero fills. The recorded work points into the trace's typed arrays: the
 * caller must keep the trace alive as long as it runs the actions.
 */
import type { TraceEntry } from '../../tensor/step-trace.js';

export interface PlanAddon {
  beginPlan(): void;
  planLength(): number;
  endPlan(): unknown;
  runPlan(plan: unknown): void;
  fill(x: Float32Array, value: number): void;
}

/** The addon's plan functions, or null for an addon built before they existed. */
export function planAddon(addon: Partial<PlanAddon>): PlanAddon | null {
  const ok = ['beginPlan', 'planLength', 'endPlan', 'runPlan', 'fill'].every((k) => typeof addon[k as keyof PlanAddon] === 'function');
  return ok ? (addon as PlanAddon) : null;
}

export function compileNativeTrace(addon: PlanAddon, entries: readonly TraceEntry[]): (() => void)[] {
  const actions: (() => void)[] = [];
  let open = false;
  const begin = (): void => {
    if (!open) addon.beginPlan();
    open = true;
  };
  const close = (): void => {
    if (!open) return;
    open = false;
    const plan = addon.endPlan();
    actions.push(() => addon.runPlan(plan));
  };
  try {
    for (const e of entries) {
      if (e.kind === 'host') {
        if (e.zero && e.target instanceof Float32Array) {
          begin();
          addon.fill(e.target, 0);
        } else {
          close();
          actions.push(e.fill);
        }
        continue;
      }
      begin();
      const before = addon.planLength();
      const run = (): void => e.fn(...(e.args as never[]));
      run();
      if (addon.planLength() === before) {
        close();
        actions.push(run);
      }
    }
    close();
  } finally {
    if (open) addon.endPlan();
  }
  return actions;
}
