/**
 * The fuzz suite (issue 14): seeded mutations of valid IDX, CSV, PNG, PGM/PPM files and model
 * directories (test/fuzz-targets.ts), each target's cases run in a child process so its peak
 * memory is measured alone. Every case must end in a return or a plain Error with a message,
 * within TIME_BOUND_MS, with the child's peak RSS under MEMORY_BOUND_MB.
 *
 * `npm test` runs FUZZ_CASES_IN_TEST cases per target with a fixed seed (a few seconds);
 * `npm run fuzz` runs many more (DEEPTS_FUZZ_CASES, default 2000 per target) from a seed given
 * in DEEPTS_FUZZ_SEED or drawn and printed, so a failure can be replayed. Inputs that broke a
 * rule are kept in $TMPDIR/deepts-fuzz-failures/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FUZZ_TARGETS, MEMORY_BOUND_MB, TIME_BOUND_MS, type BatchSummary, type FuzzTarget } from './fuzz-targets.js';

const FUZZ_CASES_IN_TEST = 40;
const cases = Number(process.env['DEEPTS_FUZZ_CASES'] ?? FUZZ_CASES_IN_TEST);
const seed = Number(process.env['DEEPTS_FUZZ_SEED'] ?? (process.env['DEEPTS_FUZZ_CASES'] ? Math.floor(Math.random() * 1e6) : 1));
/** Cases per child process: each child's peak is then the worst single case plus what a batch keeps alive. */
const BATCH = 500;
const targetsModule = fileURLToPath(new URL('./fuzz-targets.js', import.meta.url));

function runBatch(target: FuzzTarget, first: number, count: number): Promise<BatchSummary> {
  const script = `import { runFuzzBatch } from ${JSON.stringify(targetsModule)};
    const s = await runFuzzBatch(${JSON.stringify(target)}, ${seed}, ${first}, ${count});
    process.stdout.write(JSON.stringify(s));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    // A hang is a failure too: no batch may take longer than every case at its time bound.
    const timer = setTimeout(() => child.kill('SIGKILL'), count * TIME_BOUND_MS + 30_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as BatchSummary);
      else reject(new Error(`fuzz ${target} cases ${first}..${first + count - 1} (seed ${seed}): the child process ended with ${signal ?? `code ${code}`} (a crash or hang): ${err.slice(-2000)}`));
    });
  });
}

for (const target of FUZZ_TARGETS) {
  test(`fuzz ${target}: ${cases} mutated inputs (seed ${seed}) give a clean Error or a result, each under ${TIME_BOUND_MS} ms and ${MEMORY_BOUND_MB} MB peak`, { timeout: cases * TIME_BOUND_MS + 120_000 }, async (t) => {
    const summaries: BatchSummary[] = [];
    for (let first = 0; first < cases; first += BATCH) summaries.push(await runBatch(target, first, Math.min(BATCH, cases - first)));
    const failures = summaries.flatMap((s) => s.failures);
    const outcomes: Record<string, number> = {};
    for (const s of summaries) for (const [k, n] of Object.entries(s.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
    const peak = Math.max(...summaries.map((s) => s.peakMB));
    const maxMs = Math.max(...summaries.map((s) => s.maxMs));
    t.diagnostic(`${target}: ${JSON.stringify(outcomes)}, slowest case ${maxMs.toFixed(0)} ms, peak RSS ${peak.toFixed(0)} MB`);
    assert.equal(summaries.reduce((n, s) => n + s.cases, 0) >= Math.min(cases, 1), true);
    assert.deepEqual(failures.map((f) => `case ${f.index}: ${f.rule}${f.message ? ` (${f.kind}: ${f.message})` : ''}`), [],
      `inputs kept in ${summaries[0]?.failureDir}; replay with DEEPTS_FUZZ_SEED=${seed}`);
    // The mutations must reach past the first check: some inputs parse, most are refused.
    if (cases >= FUZZ_CASES_IN_TEST) assert.ok((outcomes['Error'] ?? 0) > 0, `${target}: no case was refused: the mutations do nothing`);
  });
}
