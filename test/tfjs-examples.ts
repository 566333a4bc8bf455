/**
 * Running the tfjs examples of examples/tfjs for the tfjs-compatibility tests: as they are
 * (importing deepts/tfjs), and as their "twin" with the import line pointing at
 * @tensorflow/tfjs, so the same file is shown to be real tfjs code.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const examples = join(root, 'examples', 'tfjs');
const IMPORT_LINE = "import * as tf from 'deepts/tfjs';";
const run = promisify(execFile);

/** Runs an example file in a child node and returns its stdout (DEEPTS_QUIET set, env added). */
export async function runExample(file: string, env: Record<string, string>, timeoutMs = 240_000): Promise<string> {
  const { stdout } = await run(process.execPath, [file], { env: { ...process.env, DEEPTS_QUIET: '1', ...env }, cwd: root, timeout: timeoutMs });
  return stdout;
}

/** The example with its import line switched to tfjs, written beside it in dist/ (so it resolves node_modules). */
export function tfjsTwin(name: string): string {
  const text = readFileSync(join(examples, name), 'utf8');
  assert.ok(text.startsWith(`${IMPORT_LINE}\n`), `${name} must start with the deepts/tfjs import line`);
  const dir = join(root, 'dist', 'tfjs-twins');
  mkdirSync(dir, { recursive: true });
  const twin = join(dir, name);
  writeFileSync(twin, text.replace(IMPORT_LINE, "import * as tf from '@tensorflow/tfjs';").replace(/from '\.\/(.*)'/g, `from '${examples}/$1'`));
  return twin;
}
