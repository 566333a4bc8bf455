/**
 * The architecture rules, checked on the source: dependencies go one way
 * (tensor → backend → autograd → nn → train → models → data/datasets →
 * stats/viz/io → tasks → explore → cli/lab), the browser-safe core imports no Node built-ins,
 * and nothing outside src/cli imports from src/cli (commands are shells over the library).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

const LAYERS = ['tensor', 'backend', 'autograd', 'nn', 'train', 'models', 'data', 'datasets', 'stats', 'viz', 'io', 'tasks', 'explore', 'cli', 'lab', 'tfjs'];
/**
 * Folders on the same level may not import each other either, except data ← datasets (datasets builds Tables).
 * cli, lab and tfjs (the deepts/tfjs compatibility entry) are front ends on the same level: none imports another.
 */
const rank = (folder: string): number => {
  const i = LAYERS.indexOf(folder);
  if (i < 0) return -1;
  if (folder === 'datasets') return 6.5;
  if (['stats', 'viz', 'io'].includes(folder)) return 8;
  if (folder === 'lab' || folder === 'tfjs') return LAYERS.indexOf('cli');
  return i;
};

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}

const folderOf = (file: string): string => relative(src, file).split('/')[0]!;

test('lower layers never import higher ones', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(src)) {
    const from = folderOf(file);
    if (!LAYERS.includes(from)) continue;
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const to = relative(src, target).split('/')[0]!;
      if (!LAYERS.includes(to) || to === from) continue;
      if (rank(to) > rank(from) || (rank(to) === rank(from) && to !== from)) violations.push(`${relative(root, file)} imports ${spec} (${from} → ${to})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the browser-safe core imports no Node built-ins, directly or indirectly', () => {
  const seen = new Set<string>();
  const offenders: string[] = [];
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of importsOf(file)) {
      if (spec.startsWith('node:') || ['fs', 'path', 'os', 'zlib', 'child_process', 'module', 'url', 'worker_threads'].includes(spec)) {
        offenders.push(`${relative(root, file)} imports ${spec}`);
      } else if (spec.startsWith('.')) {
        visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    }
  };
  visit(join(src, 'core.ts'));
  assert.ok(seen.size > 20, `core reaches ${seen.size} files`);
  assert.deepEqual(offenders, []);
});

test('nothing outside src/cli imports from src/cli: tests, bench, examples and lab use the library', () => {
  const cli = join(src, 'cli');
  const offenders: string[] = [];
  const files = ['src', 'test', 'bench', 'examples', 'tools', 'lab'].flatMap((d) => sourceFiles(join(root, d)));
  assert.ok(files.length > 100, `scanned ${files.length} files`);
  for (const file of files) {
    if (file.startsWith(cli + '/')) continue;
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (target === cli || target.startsWith(cli + '/')) offenders.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});
