/** A native addon built from another deepts version is refused with a clear line, not misused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNativeBackend, NATIVE_ABI_VERSION } from '../src/backend/native/load.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

test('the built addon speaks the calling convention this code expects', (t) => {
  const native = loadNativeBackend();
  if (!native) return t.skip('native addon not built here');
  assert.equal(native.addon.abiVersion?.(), NATIVE_ABI_VERSION);
});

test('an addon from an older deepts (no abiVersion, or another number) is refused and deepts runs on WASM, saying why', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-abi-'));
  try {
    for (const [name, body] of [['old.cjs', 'module.exports = { info() { return {}; } };'], ['other.cjs', 'module.exports = { abiVersion: () => 99 };']] as const) {
      const fake = join(dir, name);
      writeFileSync(fake, body);
      const r = spawnSync(process.execPath, [CLI, 'info'], { env: { ...process.env, DEEPTS_NATIVE_ADDON: fake, DEEPTS_BACKEND: '' }, encoding: 'utf8', timeout: 60_000 });
      const out = r.stdout + r.stderr;
      assert.match(out, /deepts backend: wasm/, out);
      assert.match(out, name === 'old.cjs' ? new RegExp(`built from an older deepts \\(calling convention 1, this deepts speaks ${NATIVE_ABI_VERSION}\\): rebuild it with \`npx deepts build-native\``) : /built from a newer deepts \(calling convention 99/, out);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
