/**
 * Seeded mutation fuzzing of deepts' file readers (issue 14): IDX (raw and gzip, through
 * loadMnist), CSV (loadTable), PNG and PGM/PPM (decodeImageFile) and model directories
 * (loadModel on a mutated model.json / weights.bin, tfjs and deepts 0.1 formats; and
 * 'model-fields', every field of model.json replaced by each hostile value in turn). Each case
 * starts from a valid file and applies a few mutations chosen by a seeded generator, some
 * generic (bit flips, interesting 32-bit values, truncation, cut and duplicated ranges), some
 * aware of the format (PNG chunks get their CRC fixed so the decoder looks past it; Netpbm and
 * CSV tokens are replaced by extreme numbers; model.json fields by hostile JSON values).
 *
 * A case passes when the reader returns or throws a plain `Error` with a message — never a
 * TypeError/RangeError from deep inside, never a crash or hang — within TIME_BOUND_MS, with the
 * process's peak RSS under MEMORY_BOUND_MB. runFuzzBatch runs in a child process
 * (test/fuzz.test.ts), so the peak is that of the readers alone.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { unzipSync, zipSync } from 'fflate';
import { encodePng } from '../src/io/png.js';
import { crc32 } from '../src/io/png.js';
import { decodeImageFile } from '../src/io/image-file.js';
import { encodeIdx } from '../src/datasets/idx.js';
import { loadMnist, MNIST_FILES } from '../src/datasets/mnist-node.js';
import { loadTable } from '../src/datasets/tabular-node.js';
import { loadModel, saveLegacyModel, saveModel } from '../src/io/model-io.js';
import { Conv2D, Dense, Flatten, Normalization, Sequential, setSeed, tensor } from '../src/index.js';

/** Peak resident memory of the fuzzing process (Node ≈ 60 MB + deepts ≈ 40 MB + the case). */
export const MEMORY_BOUND_MB = 512;
/** Wall time of one case; typical cases take well under 50 ms (a busy 2-core machine is slower). */
export const TIME_BOUND_MS = 3000;

export const FUZZ_TARGETS = ['idx', 'csv', 'png', 'netpbm', 'model', 'model-fields', 'keras'] as const;
export type FuzzTarget = (typeof FUZZ_TARGETS)[number];

/** xorshift32: the same seed gives the same cases on every machine. */
export class FuzzRng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) || 0x9e3779b9;
  }
  next(): number {
    let s = this.s;
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    this.s = s;
    return s / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const INTERESTING_U32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 100000, 0x7fffffff, 0x80000000, 0xffffffff, 46341, 65536 * 3];

/** Generic byte mutations, 1–4 of them. */
export function mutateBytes(input: Uint8Array, rng: FuzzRng): Uint8Array {
  let b = input.slice();
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const at = b.length === 0 ? 0 : rng.int(b.length);
    switch (rng.int(7)) {
      case 0: if (b.length) b[at] = b[at]! ^ (1 << rng.int(8)); break;
      case 1: if (b.length) b[at] = rng.pick([0, 0xff, 0x7f, 0x80, 0x20, 0x0a]); break;
      case 2: if (b.length >= 4) new DataView(b.buffer, b.byteOffset).setUint32(Math.min(at, b.length - 4), rng.pick(INTERESTING_U32)); break;
      case 3: b = b.slice(0, at); break;
      case 4: { const len = rng.int(Math.max(1, b.length - at)); b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + len)]); break; }
      case 5: { const len = Math.min(rng.int(64) + 1, b.length - at); b = Uint8Array.from([...b.subarray(0, at + len), ...b.subarray(at, at + len), ...b.subarray(at + len)]); break; }
      default: { const extra = new Uint8Array(rng.int(32) + 1).map(() => rng.int(256)); b = Uint8Array.from([...b.subarray(0, at), ...extra, ...b.subarray(at)]); }
    }
  }
  return b;
}

// ---- PNG ---------------------------------------------------------------------------------------

function pngSeeds(): Uint8Array[] {
  const image = (w: number, h: number): { width: number; height: number; data: Uint8Array } => ({
    width: w, height: h, data: new Uint8Array(w * h * 4).map((_, i) => (i * 37) & 0xff),
  });
  return [encodePng(image(5, 4)), encodePng(image(28, 28)), encodePng(image(1, 1))];
}

/** Recomputes every chunk's CRC, so mutated chunk data reaches the decoder. */
function fixPngCrcs(b: Uint8Array): Uint8Array {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 8;
  while (pos + 12 <= b.length) {
    const len = view.getUint32(pos);
    if (pos + 12 + len > b.length) break;
    view.setUint32(pos + 8 + len, crc32(b, pos + 4, pos + 8 + len));
    pos += 12 + len;
  }
  return b;
}

function mutatePng(seed: Uint8Array, rng: FuzzRng): Uint8Array {
  const b = seed.slice();
  const view = new DataView(b.buffer);
  switch (rng.int(4)) {
    case 0: // IHDR fields: width, height, bit depth, colour type, interlace
      view.setUint32(16, rng.pick([0, 1, 10000, 46341, 0x7fffffff, 0xffffffff]));
      view.setUint32(20, rng.pick([0, 1, 10000, 46341, 0x7fffffff, 0xffffffff]));
      b[24] = rng.pick([1, 2, 4, 8, 16, 3, 0]);
      b[25] = rng.pick([0, 2, 3, 4, 6, 1, 7]);
      b[28] = rng.pick([0, 1, 2]);
      return fixPngCrcs(b);
    case 1: return fixPngCrcs(mutateBytes(b, rng));
    default: return mutateBytes(b, rng);
  }
}

// ---- Netpbm ------------------------------------------------------------------------------------

function netpbmSeeds(): Uint8Array[] {
  const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
  const binary = (header: string, n: number): Uint8Array => Uint8Array.from([...ascii(header), ...new Uint8Array(n).map((_, i) => (i * 53) & 0xff)]);
  return [
    ascii('P2\n# a comment\n4 3\n255\n0 10 20 30\n40 50 60 70\n80 90 100 255\n'),
    ascii('P3\n2 2\n65535\n0 0 0  65535 0 0\n0 65535 0  0 0 65535\n'),
    binary('P5\n8 8\n255\n', 64),
    binary('P6\n4 4\n65535\n', 4 * 4 * 3 * 2),
  ];
}

const EXTREME_NUMBERS = ['0', '-1', '65536', '99999999999', '1e9', '4294967296', '100000', '-0', '2147483648', 'NaN', '18446744073709551616'];

function mutateNetpbm(seed: Uint8Array, rng: FuzzRng): Uint8Array {
  if (rng.int(2) === 0) return mutateBytes(seed, rng);
  // Replace one of the header's numbers (width, height, maxval) by an extreme one.
  const text = new TextDecoder('latin1').decode(seed);
  const header = /^(P\d)(\s+(?:#[^\n]*\n\s*)?)(\d+)(\s+)(\d+)(\s+)(\d+)/.exec(text);
  if (!header) return mutateBytes(seed, rng);
  const parts = header.slice(1);
  parts[rng.pick([2, 4, 6])] = rng.pick(EXTREME_NUMBERS);
  const out = parts.join('') + text.slice(header[0].length);
  return Uint8Array.from(out, (c) => c.charCodeAt(0) & 0xff);
}

// ---- CSV ---------------------------------------------------------------------------------------

const CSV_SEED = 'x,y,name,"quoted, header"\n1,2.5,alpha,"a ""b"""\n3,-4e2,beta,\n5,6,,"multi\nline"\n7,8,gamma,z\n';
const CSV_TOKENS = ['"', '""', '\n', '\r\n', ',', ';', 'Infinity', '-Infinity', 'NaN', '1e309', '-1e309', '\u0000', '\uFEFF', 'x'.repeat(5000), '1'.repeat(400), '\r', '\t'];

function mutateCsv(rng: FuzzRng): Uint8Array {
  const seed = new TextEncoder().encode(CSV_SEED);
  if (rng.int(3) === 0) return mutateBytes(seed, rng);
  let text = CSV_SEED;
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const at = rng.int(text.length + 1);
    const token = rng.pick(CSV_TOKENS);
    text = rng.int(2) === 0 ? text.slice(0, at) + token + text.slice(at) : text.slice(0, at) + token + text.slice(at + 1);
  }
  if (rng.int(8) === 0) text = text + text.split('\n').slice(1).join('\n').repeat(50); // many rows
  return new TextEncoder().encode(text);
}

// ---- IDX ---------------------------------------------------------------------------------------

function idxFiles(): Record<string, Uint8Array> {
  const images = (n: number): Uint8Array => encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: new Uint8Array(n * 784).map((_, i) => i & 0xff) });
  const labels = (n: number): Uint8Array => encodeIdx({ dtype: 'uint8', shape: [n], data: new Uint8Array(n).map((_, i) => i % 10) });
  return { [MNIST_FILES.trainImages]: images(6), [MNIST_FILES.trainLabels]: labels(6), [MNIST_FILES.testImages]: images(3), [MNIST_FILES.testLabels]: labels(3) };
}

function mutateIdx(seed: Uint8Array, rng: FuzzRng): Uint8Array {
  const b = seed.slice();
  if (rng.int(3) === 0 && b.length >= 8) {
    // Header: magic's dtype / rank byte, or one dimension.
    const view = new DataView(b.buffer);
    if (rng.int(2) === 0) b[rng.pick([2, 3])] = rng.pick([0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x00, 0xff, 0x01, 0x04, 0x40]);
    else view.setUint32(4 + 4 * rng.int(Math.max(1, Math.min(3, b[3]!))), rng.pick(INTERESTING_U32));
    return b;
  }
  return mutateBytes(b, rng);
}

// ---- model directories -------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const HOSTILE_JSON: Json[] = [null, -1, 0, 1.5, 1e308, 2 ** 31, 2 ** 53, 'x', '', [], {}, [100000, 100000], [-1], true, [[1]], { a: 1 }, 'float64', 'Dense', [null], -1e308];

/** Paths to every node of a JSON document (object keys and array indices). */
function jsonPaths(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(v)) v.forEach((e, i) => { out.push([...prefix, i]); jsonPaths(e, [...prefix, i], out); });
  else if (v !== null && typeof v === 'object') for (const [k, e] of Object.entries(v)) { out.push([...prefix, k]); jsonPaths(e, [...prefix, k], out); }
  return out;
}

function mutateJson(doc: Json, rng: FuzzRng): Json {
  const copy = JSON.parse(JSON.stringify(doc)) as Json;
  const rounds = 1 + rng.int(3);
  for (let r = 0; r < rounds; r++) {
    const paths = jsonPaths(copy);
    if (paths.length === 0) break;
    const path = rng.pick(paths);
    let parent = copy as { [k: string]: Json } | Json[];
    for (const p of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[p] as { [k: string]: Json };
    const key = path[path.length - 1]!;
    const action = rng.int(4);
    if (action === 0 && !Array.isArray(parent)) delete (parent as Record<string, Json>)[key as string];
    else if (action === 1 && Array.isArray(parent)) parent.push(JSON.parse(JSON.stringify(parent[key as number] ?? null)) as Json);
    else (parent as Record<string | number, Json>)[key] = JSON.parse(JSON.stringify(rng.pick(HOSTILE_JSON))) as Json;
  }
  return copy;
}

interface ModelSeed { files: Record<string, Uint8Array> }

async function modelSeeds(dir: string): Promise<ModelSeed[]> {
  setSeed(3);
  const dense = new Sequential([new Normalization({ inputShape: [3], mean: [1, 2, 3], variance: [1, 4, 9] }), new Dense(4, { activation: 'relu' }), new Dense(2, { activation: 'softmax' })]);
  dense.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await dense.fit(tensor([[1, 2, 3], [3, 2, 1]]), tensor([[1, 0], [0, 1]]), { epochs: 1, verbose: 0 });
  const conv = new Sequential([new Conv2D(2, 3, { inputShape: [6, 6, 1] }), new Flatten(), new Dense(3)]);
  const seeds: ModelSeed[] = [];
  const read = async (save: (d: string) => Promise<void>): Promise<void> => {
    const d = join(dir, `seed-${seeds.length}`);
    await save(d);
    const { readdirSync, readFileSync } = await import('node:fs');
    seeds.push({ files: Object.fromEntries(readdirSync(d).map((f) => [f, new Uint8Array(readFileSync(join(d, f)))])) });
  };
  await read((d) => saveModel(dense, d));
  await read((d) => saveModel(conv, d));
  await read((d) => saveLegacyModel(dense, d));
  return seeds;
}

/**
 * The systematic counterpart of mutateModel: every field of every seed's model.json replaced
 * by every hostile value (or deleted), one at a time; case i takes the combination at a stride
 * through that list, so a bounded run samples all of it and a long run covers it.
 */
function fieldCase(seeds: readonly ModelSeed[], index: number): Record<string, Uint8Array> {
  const docs = seeds.map((s) => JSON.parse(new TextDecoder().decode(s.files['model.json'])) as Json);
  const combos: [number, (string | number)[], number][] = [];
  docs.forEach((doc, s) => { for (const path of jsonPaths(doc)) for (let v = 0; v <= HOSTILE_JSON.length; v++) combos.push([s, path, v]); });
  const [s, path, v] = combos[(index * 7919) % combos.length]!;
  const copy = JSON.parse(JSON.stringify(docs[s]!)) as Json;
  let parent = copy as Record<string | number, Json>;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, Json>;
  const key = path[path.length - 1]!;
  if (v === HOSTILE_JSON.length) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else {
    parent[key] = JSON.parse(JSON.stringify(HOSTILE_JSON[v]!)) as Json;
  }
  return { ...seeds[s]!.files, 'model.json': new TextEncoder().encode(JSON.stringify(copy)) };
}

function mutateModel(seed: ModelSeed, rng: FuzzRng): Record<string, Uint8Array> {
  const files = { ...seed.files };
  const choice = rng.int(6);
  if (choice <= 3) {
    const doc = JSON.parse(new TextDecoder().decode(files['model.json'])) as Json;
    files['model.json'] = new TextEncoder().encode(JSON.stringify(mutateJson(doc, rng)));
  } else if (choice === 4) {
    files['model.json'] = mutateBytes(files['model.json']!, rng);
  } else {
    const name = rng.pick(Object.keys(files).filter((f) => f !== 'model.json'));
    files[name] = mutateBytes(files[name]!, rng);
  }
  return files;
}

async function kerasSeeds(dir: string): Promise<Uint8Array[]> {
  setSeed(4);
  const { readFileSync } = await import('node:fs');
  const model = new Sequential([new Dense(4, { inputShape: [3], activation: 'relu' }), new Dense(2)]);
  const path = join(dir, 'seed.keras');
  await saveModel(model, path);
  return [new Uint8Array(readFileSync(path))];
}

function mutateArchiveMember(archive: Uint8Array, rng: FuzzRng): Uint8Array {
  const files = unzipSync(archive);
  const name = rng.pick(Object.keys(files));
  if (name.endsWith('.json') && rng.int(2) === 0) {
    try {
      const doc = JSON.parse(new TextDecoder().decode(files[name])) as Json;
      files[name] = new TextEncoder().encode(JSON.stringify(mutateJson(doc, rng)));
      return zipSync(files);
    } catch {
      // fall through to bytes
    }
  }
  files[name] = mutateBytes(files[name]!, rng) as Uint8Array<ArrayBuffer>;
  return zipSync(files);
}

// ---- the batch runner (inside the child process) -----------------------------------------------

export interface CaseResult { index: number; kind: string; message: string; ms: number; peakMB: number }
export interface BatchSummary {
  target: FuzzTarget;
  cases: number;
  outcomes: Record<string, number>;
  maxMs: number;
  peakMB: number;
  /** Cases that broke a rule; their inputs are written to `failureDir`. */
  failures: (CaseResult & { rule: string })[];
  failureDir: string;
}

const peakMB = (): number => process.resourceUsage().maxRSS / 1024;

/** Runs cases [first, first + count) of `target` from `seed`; returns what happened. */
export async function runFuzzBatch(target: FuzzTarget, seed: number, first: number, count: number): Promise<BatchSummary> {
  const work = mkdtempSync(join(tmpdir(), `deepts-fuzz-${target}-`));
  const failureDir = join(tmpdir(), 'deepts-fuzz-failures');
  const summary: BatchSummary = { target, cases: 0, outcomes: {}, maxMs: 0, peakMB: 0, failures: [], failureDir };
  const silence = console.log;
  console.log = () => {}; // loadTable and friends report dropped rows; not the fuzzer's business
  try {
    const png = pngSeeds(), netpbm = netpbmSeeds(), idx = idxFiles();
    const models = target === 'model' || target === 'model-fields' ? await modelSeeds(work) : [];
    const keras = target === 'keras' ? await kerasSeeds(work) : [];
    for (let index = first; index < first + count; index++) {
      const rng = new FuzzRng(seed * 1_000_003 + index);
      const caseDir = join(work, `case-${index}`);
      mkdirSync(caseDir);
      let inputs: Record<string, Uint8Array>;
      let run: () => Promise<unknown>;
      switch (target) {
        case 'png': {
          const bytes = mutatePng(rng.pick(png), rng);
          inputs = { 'picture.png': bytes };
          run = async () => decodeImageFile(bytes, 'picture.png');
          break;
        }
        case 'netpbm': {
          const bytes = mutateNetpbm(rng.pick(netpbm), rng);
          inputs = { 'picture.pgm': bytes };
          run = async () => decodeImageFile(bytes, 'picture.pgm');
          break;
        }
        case 'csv': {
          inputs = { 'data.csv': mutateCsv(rng) };
          run = async () => loadTable(join(caseDir, 'data.csv'));
          break;
        }
        case 'idx': {
          inputs = { ...idx };
          const name = rng.pick(Object.keys(idx));
          const gz = rng.int(2) === 0;
          const mutated = mutateIdx(gz && rng.int(2) === 0 ? gzipSync(idx[name]!) : idx[name]!, rng);
          delete inputs[name];
          inputs[gz ? `${name}.gz` : name] = gz && mutated[0] !== 0x1f ? gzipSync(mutated) : mutated;
          run = () => loadMnist({ dir: caseDir });
          break;
        }
        case 'model': {
          inputs = mutateModel(rng.pick(models), rng);
          run = () => loadModel(caseDir);
          break;
        }
        case 'keras': {
          const seedFile = rng.pick(keras);
          // Half the cases mutate a member of the archive (config.json, the h5 weights) and re-zip it.
          const bytes = rng.int(2) === 0 ? mutateBytes(seedFile, rng) : mutateArchiveMember(seedFile, rng);
          inputs = { 'model.keras': bytes };
          run = () => loadModel(join(caseDir, 'model.keras'));
          break;
        }
        case 'model-fields': {
          inputs = fieldCase(models, index);
          run = () => loadModel(caseDir);
          break;
        }
      }
      for (const [name, bytes] of Object.entries(inputs)) writeFileSync(join(caseDir, name), bytes);
      const t0 = performance.now();
      let kind = 'ok', message = '';
      try {
        await run();
      } catch (e) {
        kind = (e as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof e;
        message = e instanceof Error ? e.message : String(e);
      }
      const ms = performance.now() - t0;
      const peak = peakMB();
      summary.cases += 1;
      summary.outcomes[kind] = (summary.outcomes[kind] ?? 0) + 1;
      summary.maxMs = Math.max(summary.maxMs, ms);
      summary.peakMB = Math.max(summary.peakMB, peak);
      const rule = kind !== 'ok' && kind !== 'Error' ? `threw ${kind}, not a plain Error`
        : kind === 'Error' && message.trim() === '' ? 'threw an Error without a message'
          : ms > TIME_BOUND_MS ? `took ${ms.toFixed(0)} ms > ${TIME_BOUND_MS}`
            : peak > MEMORY_BOUND_MB ? `peak RSS ${peak.toFixed(0)} MB > ${MEMORY_BOUND_MB}` : '';
      if (rule) {
        summary.failures.push({ index, kind, message: message.slice(0, 300), ms, peakMB: peak, rule });
        const keep = join(failureDir, `${target}-seed${seed}-case${index}`);
        mkdirSync(keep, { recursive: true });
        for (const [name, bytes] of Object.entries(inputs)) writeFileSync(join(keep, name), bytes);
        if (summary.failures.length >= 20) break;
      }
      rmSync(caseDir, { recursive: true, force: true });
    }
  } finally {
    console.log = silence;
    rmSync(work, { recursive: true, force: true });
  }
  return summary;
}
