/**
 * The examples and the README use only the package's public entry points, and the examples
 * compile against the declarations the package ships (dist/src/*.d.ts, the "types" of its
 * exports) with their imports pointing at 'deepts' as a user's would. The Keras-fidelity
 * examples (functional API, subclassing, custom training loop) also run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, { types?: string }> };
const entryOf = (spec: string): string => (spec === '.' ? pkg.name : `${pkg.name}/${spec.replace(/^\.\//, '')}`);
const publicEntries = Object.keys(pkg.exports).map(entryOf);
/** The source file behind each public entry point, as examples in this repository import it. */
const sourceEntries = new Map(Object.entries(pkg.exports).flatMap(([spec, e]) => {
  const types = e.types?.replace(/^\.\/dist\//, '../').replace(/\.d\.ts$/, '.js');
  return types ? [[types, entryOf(spec)] as const] : [];
}));

const importsOf = (text: string): string[] => [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2]!);

test('examples import only the public entry points (and Node built-ins)', () => {
  const offenders: string[] = [];
  for (const f of examples) {
    for (const spec of importsOf(readFileSync(join(root, 'examples', f), 'utf8'))) {
      if (spec.startsWith('node:') || sourceEntries.has(spec)) continue;
      offenders.push(`${f}: ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test("the README's code imports only the public entry points", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```(?:ts|js|typescript|javascript)\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length >= 4, 'the README has code examples');
  const specs = blocks.flatMap(importsOf).filter((s) => !s.startsWith('node:'));
  assert.deepEqual(specs.filter((s) => !publicEntries.includes(s)), []);
});

test('the examples compile against the shipped declarations, imported as a user would', () => {
  const dir = join(root, 'dist', 'public-api-check');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = examples.map((f) => {
    let text = readFileSync(join(root, 'examples', f), 'utf8');
    for (const [src, entry] of sourceEntries) text = text.split(`'${src}'`).join(`'${entry}'`);
    const p = join(dir, f);
    writeFileSync(p, text);
    return p;
  });
  const paths = Object.fromEntries(Object.entries(pkg.exports).flatMap(([spec, e]) => (e.types ? [[entryOf(spec), [join(root, e.types)]]] : [])));
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true, noEmit: true, skipLibCheck: true, types: ['node'], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], paths,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n') + (d.file ? ` (${d.file.fileName.replace(dir, 'examples')})` : ''));
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(diagnostics, []);
});

const run = promisify(execFile);

test('the Keras-fidelity examples run: functional API, subclassed model, custom training loop', async () => {
  const [functional, subclassed, custom] = await Promise.all(['functional-api', 'subclassed-model', 'custom-training-loop'].map((name) =>
    run(process.execPath, [join(root, 'dist', 'examples', `${name}.js`)], { env: { ...process.env, DEEPTS_BACKEND: process.env['DEEPTS_BACKEND'] ?? '' } })));
  assert.match(functional.stdout, /Connected to/);
  assert.match(functional.stdout, /saved and loaded: predictions identical: true/);
  assert.match(subclassed.stdout, /Model: "mlp"/);
  const [, first, last] = /training loss ([\d.]+) → ([\d.]+)/.exec(subclassed.stdout)!;
  assert.ok(Number(last) < Number(first) / 2, subclassed.stdout);
  const [, a, b] = /trainStep in fit: loss ([\d.]+) → ([\d.]+)/.exec(custom.stdout)!;
  assert.ok(Number(b) < Number(a) / 10, custom.stdout);
  assert.match(custom.stdout, /epoch 100: loss 0\.0\d+/);
});
