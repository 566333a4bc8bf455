/**
 * The op table (src/backend/ops.ts) is the one source of the ops' codes: the committed C++
 * header generated from it must be current, and what the table says each backward pass reads
 * must be what the reference derivative actually reads.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { unaryDerivative } from '../src/backend/js/math.js';
import { OUTPUT_DIFFERENTIABLE, UNARY_OPS, UNARY_OP_TABLE, renderOpsHeader } from '../src/backend/ops.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

test('native/ops.generated.h is what scripts/gen-ops.mjs makes of the op table (run it after editing src/backend/ops.ts)', () => {
  const committed = readFileSync(join(root, 'native/ops.generated.h'), 'utf8');
  assert.equal(committed, renderOpsHeader(), 'native/ops.generated.h is stale: run `npx tsc -p tsconfig.json && node scripts/gen-ops.mjs`');
});

test('each unary op\'s backward pass reads exactly the operands the table lists', () => {
  const xs = [-2.5, -0.7, 0.3, 1.9, 4.2];
  for (const op of UNARY_OPS) {
    const reads = UNARY_OP_TABLE[op].reads;
    const domainX = (x: number): number => (['log', 'sqrt', 'rsqrt', 'log1p'].includes(op) ? Math.abs(x) + 0.1 : x);
    for (const x0 of xs) {
      const x = domainX(x0), y = Math.tanh(x) + 0.5;  // any y: only whether it is read matters
      const d = unaryDerivative(op, x, y, 0.2);
      const withoutX = unaryDerivative(op, NaN, y, 0.2), withoutY = unaryDerivative(op, x, NaN, 0.2);
      if (!reads.includes('x')) assert.ok(Object.is(withoutX, d), `${op}: the table says the derivative does not read x, but it does`);
      if (!reads.includes('y')) assert.ok(Object.is(withoutY, d), `${op}: the table says the derivative does not read y, but it does`);
    }
    // And it does read what it lists: the derivative changes with that operand alone.
    const ys = [-0.4, 0.2, 0.5, 0.9];
    const varies = (values: number[]): boolean => new Set(values).size > 1;
    if (reads.includes('x')) assert.ok(varies(xs.map((x) => unaryDerivative(op, domainX(x), 0.37, 0.2))), `${op} is listed as reading x`);
    if (reads.includes('y')) assert.ok(varies(ys.map((y) => unaryDerivative(op, domainX(-0.7), y, 0.2))), `${op} is listed as reading y`);
  }
});

test('output-differentiable activations need only y', () => {
  for (const op of OUTPUT_DIFFERENTIABLE) assert.ok(!UNARY_OP_TABLE[op].reads.includes('x'), op);
});
