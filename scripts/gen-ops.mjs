#!/usr/bin/env node
// Writes native/ops.generated.h (the C++ op enums and name lists) from the op table in
// src/backend/ops.ts, compiled by `npx tsc -p tsconfig.json`. Run after editing the table;
// test/ops-table.test.ts fails while the committed header is stale.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { renderOpsHeader } = await import(path.join(root, 'dist/src/backend/ops.js'));
const out = path.join(root, 'native/ops.generated.h');
writeFileSync(out, renderOpsHeader());
console.log(`wrote ${path.relative(root, out)}`);
