/** The end every command shares: write its pictures into --out and say what was written. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writePng } from '../io/png.js';
import type { Raster } from '../viz/raster.js';

/** Makes `outDir` and writes each picture as `<name>` (a file name ending in .png); returns the paths in order. */
export function writePictures(outDir: string, pictures: Readonly<Record<string, Raster>>): string[] {
  mkdirSync(outDir, { recursive: true });
  return Object.entries(pictures).map(([name, picture]) => {
    const path = join(outDir, name);
    writePng(path, picture);
    return path;
  });
}

/** "Wrote a", "Wrote a and b", "Wrote a, b and c". */
export function wroteLine(paths: readonly string[]): string {
  if (paths.length <= 1) return `Wrote ${paths[0] ?? 'nothing'}`;
  return `Wrote ${paths.slice(0, -1).join(', ')} and ${paths[paths.length - 1]}`;
}
