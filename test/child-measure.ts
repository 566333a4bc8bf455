/**
 * Runs a snippet in a fresh Node process and reports what it threw, how long it took and the
 * process's peak resident memory: the only honest way to bound a parser's peak memory (a
 * number taken inside the test runner includes everything else the runner holds).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** dist/src, for imports in the child's snippet. */
export const distSrc = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'src');

export interface ChildResult {
  /** The thrown error's constructor name and message, or 'ok' and '' when nothing was thrown. */
  kind: string;
  message: string;
  /** Time of the body alone, without Node's start-up. */
  ms: number;
  /** Peak resident set size of the whole child process, MB. */
  peakMB: number;
}

/** `body` is the inside of an async function; `imports` are ES import lines (may use distSrc). */
export function measureInChild(imports: string, body: string, timeoutMs = 60_000): ChildResult {
  const script = `${imports}
    const t0 = performance.now();
    let kind = 'ok', message = '';
    try { await (async () => { ${body} })(); } catch (e) { kind = e?.constructor?.name ?? typeof e; message = String(e?.message ?? e); }
    const ms = performance.now() - t0;
    process.stdout.write(JSON.stringify({ kind, message, ms, peakMB: process.resourceUsage().maxRSS / 1024 }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 20 });
  return JSON.parse(out) as ChildResult;
}
