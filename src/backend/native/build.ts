/**
 * `deepts build-native`: builds the native addon after installation, for installs where npm
 * did not run deepts' install script (newer npm asks before running dependencies' scripts).
 * Runs exactly the build of `npm install` (scripts/install.mjs).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface BuildResult {
  ok: boolean;
  message: string;
  log: string | null;
}
interface InstallScript {
  buildNativeAddon(options: { verbose?: boolean }): Promise<BuildResult>;
}

/** The folder holding deepts' package.json (works from src/ and from dist/src/). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, 'binding.gyp')) && existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error('deepts: cannot find the package folder (binding.gyp) above ' + fileURLToPath(import.meta.url));
}

/**
 * Builds build/Release/deepts_native.node with node-gyp and the local Node headers.
 * Resolves to true on success; prints one line either way (the compiler output too when verbose).
 */
export async function buildNative(options: { verbose?: boolean } = {}): Promise<boolean> {
  const script = path.join(packageRoot(), 'scripts', 'install.mjs');
  const mod = (await import(pathToFileURL(script).href)) as InstallScript;
  const r = await mod.buildNativeAddon({ verbose: options.verbose ?? false });
  if (r.ok) console.log(`deepts: native backend ${r.message}. It is used from the next start on.`);
  else console.log(`deepts: native backend not built: ${r.message}${r.log ? ` (details: ${r.log})` : ''}.`);
  return r.ok;
}
