/**
 * One instance of each short-lived class of the dataset feed (rows, batches, passes, and fit's
 * per-call dataset objects), kept for the life of the program.
 *
 * A training pass makes rows, batches and iterators that all die before the next epoch, and fit's
 * epochs are often separated by a full garbage collection (bench/pipeline.ts forces one, and fit
 * called once per epoch makes these objects anew; long fits meet natural collections). V8 holds the hidden classes an object's properties lead to only weakly: when
 * no live object has one any more, a full collection (after a couple of them) drops it, and every
 * function whose optimized code assumed it is deoptimized ("weak objects"). The next epoch then
 * ran its first batches in the interpreter and recompiled on a background thread, which on two
 * cores competes with the training step: measured 10-20 recompilations per epoch in the dataset
 * feed (node --trace-opt --trace-deopt-verbose), none once each class has a kept instance.
 */
const kept: object[] = [];

/** Keeps `instance` (a small object, holding no user data) alive for good; returns it. */
export function keepHiddenClass<T extends object>(instance: T): T {
  kept.push(instance);
  return instance;
}

/** How many instances are kept (tests check it stays a handful). */
export function keptCount(): number {
  return kept.length;
}
