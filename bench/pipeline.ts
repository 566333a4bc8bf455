/**
 * Pipeline overhead: one training epoch of the lecture autoencoder (60k MNIST images,
 * batch 256, Adamax, MSE; no validation pass) fed from tensors — fit(x, x, {shuffle}) —
 * against the same epoch fed by
 *   Dataset.fromTensorSlices(x).map(x => [x, x]).shuffle(60000).batch(256).prefetch(AUTOTUNE)
 * (the map builds each autoencoder pair). Both feeds train the same model on the same
 * backend, one full epoch (235 steps) each. A round is four epochs in ABBA order (tensor,
 * dataset, dataset, tensor; the next round starts with the dataset), so drift that is linear
 * over a round cancels in its ratio sum(dataset) / sum(tensor). Before every epoch the garbage
 * of the previous one is collected (when node runs with --expose-gc, as bench/run.ts starts it),
 * so each epoch pays for collecting its own garbage and not its predecessor's. Reported: the
 * ratio of the medians over all epochs, and the median of the per-round ratios.
 *
 * Run as a child process: `DEEPTS_BACKEND=native node --expose-gc dist/bench/pipeline.js [rounds]`.
 */
import { readFileSync } from 'node:fs';
import { BATCH, RESULT_MARK, median } from './epoch.js';

/**
 * Seconds the main thread has run on a CPU (Linux schedstat), or NaN elsewhere. The pipeline's
 * work is all on the main thread; process CPU time also counts the native pool's workers, which
 * spin while the main thread does JavaScript, so it counts pipeline time about twice.
 */
function mainThreadSeconds(): number {
  try {
    return Number(readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
  } catch {
    return Number.NaN;
  }
}

export interface PipelineResult {
  /** Rounds of four epochs (two per feed). */
  rounds: number;
  /** Whether garbage was collected before each epoch (node --expose-gc). */
  gcBetweenEpochs?: boolean;
  tensorSeconds: number[];
  datasetSeconds: number[];
  /** Process CPU seconds (all threads) of the same epochs: less disturbed by other processes than wall time. */
  tensorCpuSeconds: number[];
  datasetCpuSeconds: number[];
  /** Main-thread CPU seconds of the same epochs (NaN off Linux): the least disturbed by other processes. */
  tensorMainSeconds: number[];
  datasetMainSeconds: number[];
  tensorMedian: number;
  datasetMedian: number;
  /** datasetMedian / tensorMedian − 1 (wall time). */
  overhead: number;
  /** The same from CPU time. */
  cpuOverhead: number;
  /** Median over rounds of (the round's dataset epochs / its tensor epochs) − 1: wall and CPU. */
  pairedOverhead: number;
  pairedCpuOverhead: number;
  /** Median over rounds of the main-thread CPU ratio − 1. */
  pairedMainOverhead: number;
  backend: string;
}

export async function measurePipeline(rounds: number): Promise<PipelineResult> {
  const deepts = await import('../src/index.js');
  const { Tensor, Dataset, AUTOTUNE, setSeed, getBackend, Adamax, buildAutoencoder } = deepts;
  const mnist = await deepts.loadMnist();
  const x = new Tensor(mnist.train.images, [mnist.train.n, 28, 28]);
  setSeed(42);
  const model = buildAutoencoder();
  model.compile({ optimizer: new Adamax({ learningRate: 0.001 }), loss: 'mse' });
  const ds = Dataset.fromTensorSlices(x).map((img) => [img, img] as [typeof img, typeof img]).shuffle(x.shape[0]!).batch(BATCH).prefetch(AUTOTUNE);

  // Seconds from epoch begin to its end (after the last batch; no validation, no progress bar).
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const collect = (globalThis as { gc?: () => void }).gc;
  const timed = async (feed: 'tensor' | 'dataset'): Promise<[number, number, number]> => {
    collect?.();
    let [begin, end, cpuBegin, cpuEnd, mainBegin, mainEnd] = [0, 0, 0, 0, 0, 0];
    const callbacks = [{
      onEpochBegin: () => { begin = performance.now(); cpuBegin = cpu(); mainBegin = mainThreadSeconds(); },
      onEpochEnd: () => { end = performance.now(); cpuEnd = cpu(); mainEnd = mainThreadSeconds(); },
    }];
    if (feed === 'tensor') await model.fit(x, x, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0, callbacks });
    else await model.fit(ds, { epochs: 1, verbose: 0, callbacks });
    return [(end - begin) / 1000, cpuEnd - cpuBegin, mainEnd - mainBegin];
  };
  await timed('tensor'); // warm-up: JIT, buffer pools
  await timed('dataset');
  const [tensorSeconds, datasetSeconds, tensorCpuSeconds, datasetCpuSeconds, tensorMainSeconds, datasetMainSeconds]: number[][] = [[], [], [], [], [], []];
  const run = async (feed: 'tensor' | 'dataset'): Promise<void> => {
    const [wall, cpuSeconds, mainSeconds] = await timed(feed);
    (feed === 'tensor' ? tensorSeconds : datasetSeconds).push(wall);
    (feed === 'tensor' ? tensorCpuSeconds : datasetCpuSeconds).push(cpuSeconds);
    (feed === 'tensor' ? tensorMainSeconds : datasetMainSeconds).push(mainSeconds);
  };
  for (let r = 0; r < rounds; r++) {
    // ABBA, alternating which feed opens the round.
    const [a, b] = r % 2 === 0 ? (['tensor', 'dataset'] as const) : (['dataset', 'tensor'] as const);
    for (const feed of [a, b, b, a]) await run(feed);
  }
  /** Median over rounds of the round's dataset epochs over its tensor epochs, − 1. */
  const paired = (d: number[], t: number[]): number => median(Array.from({ length: rounds }, (_, r) => (d[2 * r]! + d[2 * r + 1]!) / (t[2 * r]! + t[2 * r + 1]!))) - 1;
  const tensorMedian = median(tensorSeconds!);
  const datasetMedian = median(datasetSeconds!);
  return {
    rounds, gcBetweenEpochs: collect !== undefined, tensorSeconds: tensorSeconds!, datasetSeconds: datasetSeconds!, tensorCpuSeconds: tensorCpuSeconds!, datasetCpuSeconds: datasetCpuSeconds!,
    tensorMainSeconds: tensorMainSeconds!, datasetMainSeconds: datasetMainSeconds!,
    tensorMedian, datasetMedian, overhead: datasetMedian / tensorMedian - 1,
    cpuOverhead: median(datasetCpuSeconds!) / median(tensorCpuSeconds!) - 1,
    pairedOverhead: paired(datasetSeconds!, tensorSeconds!),
    pairedCpuOverhead: paired(datasetCpuSeconds!, tensorCpuSeconds!),
    pairedMainOverhead: paired(datasetMainSeconds!, tensorMainSeconds!),
    backend: getBackend().name,
  };
}

export function formatPipeline(r: PipelineResult | { error: string }): string {
  if ('error' in r) return `Pipeline overhead: failed: ${r.error}`;
  const pct = (v: number): string => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)} %`;
  return [
    `Pipeline overhead (lecture autoencoder, one training epoch, deepts-${r.backend}, ${r.rounds} rounds of 4 epochs in ABBA order${r.gcBetweenEpochs ? ', garbage collected before each epoch' : ''}):`,
    `  fed from tensors      ${r.tensorMedian.toFixed(2)} s wall, ${median(r.tensorCpuSeconds).toFixed(2)} s CPU, ${median(r.tensorMainSeconds).toFixed(2)} s main thread`,
    `  fed by a Dataset      ${r.datasetMedian.toFixed(2)} s wall, ${median(r.datasetCpuSeconds).toFixed(2)} s CPU, ${median(r.datasetMainSeconds).toFixed(2)} s main thread`,
    `  (fromTensorSlices → map → shuffle(60000) → batch(256) → prefetch(AUTOTUNE))`,
    `  overhead              ${pct(r.overhead)} wall, ${pct(r.cpuOverhead)} CPU (ratio of the medians of ${r.tensorSeconds.length} epochs each; target: within 5 %)`,
    `  overhead, per round   ${pct(r.pairedOverhead)} wall, ${pct(r.pairedCpuOverhead)} CPU, ${pct(r.pairedMainOverhead)} main-thread CPU (median of the ${r.rounds} rounds' ratios)`,
  ].join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const rounds = Number(process.argv[2] ?? 7);
  const result = await measurePipeline(Number.isInteger(rounds) && rounds > 0 ? rounds : 7);
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}
