/** A spy on a WASM backend's plan_run, shared by the WASM plan tests. */
import { getBackend, setBackend } from '../src/index.js';
import { findBackend, registerBackend } from '../src/backend/registry.js';
import type { WasmBackend } from '../src/backend/wasm/load.js';
import type { WasmKernelExports } from '../src/backend/wasm/instance.js';

/** What the spied plan_run saw: its calls so far (a test may reset them) and the op codes of the last plan replayed (native/plan.inc's PlanCode). */
export interface PlanRunSpy {
  readonly ex: WasmKernelExports;
  runs: number;
  codes: number[];
}

/** Runs `body` with `backend` as the 'wasm' backend and its plan_run spied on; puts both back after. */
export function withWasmPlanSpy<T>(backend: WasmBackend, body: (spy: PlanRunSpy) => T): T {
  const before = getBackend().name;
  const previous = findBackend('wasm');
  registerBackend(backend);
  setBackend('wasm');
  const ex = backend.arena.exports;
  const run = ex.plan_run;
  const spy: PlanRunSpy = { ex, runs: 0, codes: [] };
  ex.plan_run = (ops: number, count: number) => {
    spy.runs++;
    const words = new Int32Array(backend.arena.memory.buffer);
    spy.codes = Array.from({ length: count }, (_, i) => words[(ops + i * ex.plan_op_bytes()) / 4]!);
    run.call(ex, ops, count);
  };
  try {
    return body(spy);
  } finally {
    ex.plan_run = run;
    if (previous) registerBackend(previous);
    setBackend(before);
  }
}
