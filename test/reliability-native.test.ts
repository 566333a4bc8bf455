/**
 * Regression tests for issue 14 (defects 3 and 4): the native addon's argument checks never
 * let a wrapped size product through (those calls segfaulted), an empty shape with 2^32 rows
 * returns at once (it spun for > 20 s), and a thread pool that cannot start its threads falls
 * back instead of aborting. Each call runs in a child process, so a crash fails the test
 * instead of killing the runner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadNativeBackend } from '../src/backend/native/load.js';

const skip = loadNativeBackend() ? false : 'native addon not built';
const loadJs = fileURLToPath(new URL('../src/backend/native/load.js', import.meta.url));

/** Runs `call` (an expression using `addon`) in a child; returns its exit status, signal and output. */
function callAddon(call: string): { status: number | null; signal: string | null; out: string; ms: number } {
  const code = `const m = await import(${JSON.stringify(loadJs)}); const addon = m.loadNativeBackend().addon;
    const t0 = performance.now();
    try { ${call}; console.log('RETURNED'); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }
    console.log('MS ' + (performance.now() - t0));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20_000 });
  const ms = Number(/MS ([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
  return { status: r.status, signal: r.signal, out: r.stdout + r.stderr, ms };
}

const f = (n: number): string => `new Float32Array(${n})`;
const big = 2 ** 32;
const overflowing: [string, string, RegExp][] = [
  ['softmax 2^32 × 2^32 on 4 elements', `addon.softmax(${f(4)}, ${f(4)}, ${big}, ${big}, false)`, /softmax x: the dimensions multiply to more than 2\^48 elements/],
  ['matmul m·k wraps', `addon.matmul(${f(4)}, ${f(4)}, ${f(4)}, ${big}, 1, ${big}, false, false, false)`, /matmul a: the dimensions multiply to more than 2\^48/],
  ['biasAct rows·cols wraps', `addon.biasAct(${f(4)}, ${f(4)}, 0, 0, ${f(4)}, ${big}, ${big})`, /biasAct x: the dimensions multiply/],
  ['biasActBackward rows·cols wraps', `addon.biasActBackward(${f(4)}, ${f(4)}, 0, 0, ${f(4)}, ${f(4)}, ${big}, ${big})`, /biasActBackward y: the dimensions multiply/],
  ['reduce wraps', `addon.reduce(0, ${f(4)}, ${f(4)}, ${big}, ${big}, 1)`, /reduce x: the dimensions multiply/],
  ['gather wraps', `addon.gather(${f(4)}, ${f(4)}, new Int32Array(1), ${big}, ${big}, 1)`, /gather x: the dimensions multiply/],
  ['binary shape wraps', `addon.binary(0, ${f(4)}, [1, 1], ${f(4)}, [1, 1], ${f(4)}, [${big}, ${big}])`, /binary: the shape and strides reach more than 2\^48/],
  ['binary fractional stride', `addon.binary(0, ${f(4)}, [0.5], ${f(4)}, [1], ${f(4)}, [4])`, /binary: shape and strides must be integers/],
  ['slice shape wraps', `addon.slice(${f(4)}, ${f(4)}, [${big}, ${big}], [0, 0], [1, 1])`, /slice: the shape multiplies to more than 2\^48/],
  ['negative rows', `addon.softmax(${f(4)}, ${f(4)}, -1, 4, false)`, /rows must be a non-negative integer \(at most 2\^48\)/],
  ['fractional cols', `addon.softmax(${f(4)}, ${f(4)}, 1, 2.5, false)`, /cols must be a non-negative integer \(at most 2\^48\)/],
  ['NaN size', `addon.matmul(${f(4)}, ${f(4)}, ${f(4)}, NaN, 1, 1, false, false, false)`, /m must be a non-negative integer \(at most 2\^48\)/],
  ['huge size', `addon.matmul(${f(4)}, ${f(4)}, ${f(4)}, 1e300, 1, 1, false, false, false)`, /m must be a non-negative integer \(at most 2\^48\)/],
];

test('issue 14.3: wrapped size products are rejected with an error, never run (these segfaulted)', { skip }, () => {
  for (const [what, call, expected] of overflowing) {
    const r = callAddon(call);
    assert.equal(r.signal, null, `${what}: killed by ${r.signal}\n${r.out}`);
    assert.equal(r.status, 0, `${what}: exit ${r.status}\n${r.out}`);
    assert.match(r.out, expected, what);
  }
});

test('issue 14.3: 2^32 rows of 0 columns return at once (they spun for > 20 s)', { skip }, () => {
  for (const call of [
    `addon.softmax(${f(0)}, ${f(0)}, ${big}, 0, false)`,
    `addon.biasAct(${f(0)}, null, 0, 0, ${f(0)}, ${big}, 0)`,
    `addon.biasActBackward(${f(0)}, ${f(0)}, 0, 0, ${f(0)}, null, ${big}, 0)`,
    `addon.reduce(0, ${f(0)}, ${f(0)}, ${big}, 4, 0)`,
  ]) {
    const r = callAddon(call);
    assert.equal(r.status, 0, `${call}: exit ${r.status} ${r.signal}\n${r.out}`);
    assert.match(r.out, /RETURNED/, call);
    assert.ok(r.ms < 1000, `${call}: ${r.ms} ms`);
  }
});

test('issue 14.4: DEEPTS_NUM_THREADS=100000 is capped with one clear line instead of SIGABRT', { skip }, () => {
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const r = spawnSync(process.execPath, [main, 'info'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, DEEPTS_NUM_THREADS: '100000' } });
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.includes('DEEPTS_NUM_THREADS'));
  assert.deepEqual(lines, ['deepts: DEEPTS_NUM_THREADS=100000 is above the limit of 256; using 256']);
  assert.match(r.stdout, /threads=256/);
});
