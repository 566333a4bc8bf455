/**
 * The learners' eight questions from the lecture ("Recap - Questions"), each answered by
 * an experiment: `deepts explore`, or `runQuestion(...)` from TypeScript (browser-safe).
 */
import type { Experiment } from './experiment.js';
import { capacity } from './q1-capacity.js';
import { batchSize } from './q2-batch-size.js';
import { categorical } from './q3-categorical.js';
import { scaling } from './q4-scaling.js';
import { linearVsNetwork } from './q5-linear-vs-network.js';
import { imageInputs } from './q6-image-inputs.js';
import { epochEnd } from './q7-epoch-end.js';
import { dataSize } from './q8-data-size.js';

export type { Experiment, ExploreData, ExploreOptions, ExploreResult, Figure, ImageSplit } from './experiment.js';
export { capacity, batchSize, categorical, scaling, linearVsNetwork, imageInputs, epochEnd, dataSize };

export const QUESTIONS: readonly Experiment<never>[] = [capacity, batchSize, categorical, scaling, linearVsNetwork, imageInputs, epochEnd, dataSize] as unknown as readonly Experiment<never>[];

/** A question by its number (1–8) or name ('capacity', 'batch-size', …). */
export function findQuestion(key: string | number): Experiment<never> {
  const k = String(key).trim().toLowerCase();
  const q = QUESTIONS.find((e) => String(e.id) === k || e.name === k);
  if (!q) throw new Error(`no question '${key}': use 1–8 or one of ${QUESTIONS.map((e) => e.name).join(', ')}`);
  return q;
}
