/**
 * What every experiment of `deepts explore` is: a question from the lecture, a run that
 * measures, and a conclusion written from the measured numbers (a pure function of them,
 * so the words change when the numbers do). Browser-safe: data comes in through
 * `ExploreData` (the CLI reads files, a page fetches), pictures go out as Rasters.
 */
import type { Table } from '../data/table.js';
import type { Raster } from '../viz/raster.js';

export interface ImageSplit {
  /** n × 784 pixels in [0, 1], row-major. */
  images: Float32Array;
  /** n labels in 0..9. */
  labels: Int32Array;
  n: number;
}

export interface ExploreData {
  mnist(): Promise<{ train: ImageSplit; test: ImageSplit }>;
  table(name: 'california' | 'cars'): Promise<Table>;
}

export interface ExploreOptions {
  data: ExploreData;
  /** Small settings that finish in seconds (demos, tests); default false: the settings the README shows. */
  quick?: boolean;
  seed?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface Figure {
  /** File name without extension, e.g. 'capacity'. */
  file: string;
  title: string;
  picture: Raster;
}

export interface ExploreResult<N> {
  numbers: N;
  conclusion: string;
  figures: Figure[];
}

export interface Experiment<N = unknown> {
  id: number;
  /** Short name usable on the command line: `deepts explore capacity`. */
  name: string;
  /** The learners' question, as the lecture lists it. */
  question: string;
  run(options: ExploreOptions): Promise<ExploreResult<N>>;
  /** The plain-language answer, computed from the numbers alone. */
  conclude(numbers: N): string;
}

/** Builds an experiment whose run returns numbers and figures, with the conclusion attached. */
export function experiment<N>(e: Omit<Experiment<N>, 'run'> & { measure(o: Required<ExploreOptions>): Promise<{ numbers: N; figures: Figure[] }> }): Experiment<N> {
  return {
    id: e.id, name: e.name, question: e.question, conclude: e.conclude,
    async run(o) {
      const { numbers, figures } = await e.measure({ data: o.data, quick: o.quick ?? false, seed: o.seed ?? 42, log: o.log ?? (() => {}) });
      return { numbers, figures, conclusion: e.conclude(numbers) };
    },
  };
}

/** 3 significant digits, no exponent for everyday magnitudes. */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}

export function percent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)} %`;
}

export const now = (): number => performance.now();
