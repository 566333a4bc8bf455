/**
 * Crash-safe writes: a reader (or a later run after a crash) sees either the old content
 * or the complete new content at the target path, never a half-written file or directory.
 * Method: write everything under a temporary name in the same directory (same file system,
 * so rename is atomic), fsync it, then rename into place.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';

let counter = 0;

function tempName(target: string, tag: string): string {
  counter += 1;
  const random = Math.floor(Math.random() * 0x7fffffff).toString(36);
  return join(dirname(target), `.${basename(target)}.${tag}-${process.pid}-${counter}-${random}`);
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Write and fsync a brand-new file (fails if it exists). */
export function writeNewFileSynced(path: string, data: Uint8Array | string): void {
  const bytes = toBytes(data);
  const fd = openSync(path, 'wx');
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a directory so a rename inside it survives power loss (not supported on every platform). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open directories for fsync; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** An error's message (or the thrown value as text). */
export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Atomically replace (or create) the file at `path` with `data`. The parent directory must exist. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const parent = dirname(path);
  if (!existsSync(parent)) throw new Error(`cannot write ${path}: directory ${parent} does not exist`);
  const temp = tempName(path, 'tmp');
  try {
    writeNewFileSynced(temp, data);
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw new Error(`cannot write ${path}: ${describe(e)}`);
  }
  fsyncDir(parent);
}

/** Checks a relative file name for writeDirAtomic: no absolute paths, no '..', no empty parts. */
function checkEntryName(dir: string, name: string): string {
  const norm = normalize(name);
  if (name === '' || isAbsolute(name) || norm.split(sep).some((part) => part === '..' || part === '') || norm === '.') {
    throw new Error(`cannot write directory ${dir}: file name "${name}" must be a relative path inside it`);
  }
  return norm;
}

/**
 * Atomically replace (or create) directory `dir` so it holds exactly `files`
 * (relative names; '/' creates sub-directories). Steps: write all files into a temporary
 * sibling directory and fsync them; rename the existing `dir` aside; rename the new one into
 * place; delete the old one. If anything fails before the swap, `dir` is untouched; a crash
 * between the two renames leaves no `dir` for a moment: the next writeDirAtomic or loadModel of
 * that path completes the swap or rolls it back (recoverLegacySwap). It replaces the whole
 * directory; model saves use writeModelFiles (model-dir.ts), which keeps other files.
 */
export function writeDirAtomic(dir: string, files: Readonly<Record<string, Uint8Array | string>>): void {
  const target = normalize(dir).replace(/[\\/]+$/, '');
  recoverLegacySwap(target);
  const parent = dirname(target);
  if (!existsSync(parent)) mkdirSync(parent, { recursive: true });
  if (existsSync(target) && !statSync(target).isDirectory()) {
    throw new Error(`cannot write directory ${dir}: a file (not a directory) already exists there`);
  }
  const entries = Object.entries(files).map(([name, data]) => [checkEntryName(dir, name), data] as const);
  const temp = tempName(target, 'tmp');
  try {
    mkdirSync(temp);
    const made = new Set<string>([temp]);
    for (const [name, data] of entries) {
      const path = join(temp, name);
      const sub = dirname(path);
      if (!made.has(sub)) {
        mkdirSync(sub, { recursive: true });
        made.add(sub);
      }
      writeNewFileSynced(path, data);
    }
    for (const sub of made) fsyncDir(sub);
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    throw new Error(`cannot write directory ${dir}: ${describe(e)}`);
  }

  let aside: string | undefined;
  try {
    if (existsSync(target)) {
      aside = tempName(target, 'old');
      renameSync(target, aside);
    }
    renameSync(temp, target);
  } catch (e) {
    // Put the previous version back so a failed save never loses the old directory.
    if (aside && !existsSync(target)) {
      try {
        renameSync(aside, target);
        aside = undefined;
      } catch {
        // leave it aside; the message below says where it is
      }
    }
    rmSync(temp, { recursive: true, force: true });
    const where = aside ? ` (previous version kept at ${aside})` : '';
    throw new Error(`cannot write directory ${dir}: ${describe(e)}${where}`);
  }
  fsyncDir(parent);
  if (aside) rmSync(aside, { recursive: true, force: true });
}

/** True when a process with this id exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * writeDirAtomic (and deepts' model saves before 0.2) swaps the whole directory through two renames in its parent
 * (`.<name>.tmp-<pid>-…` → `<name>`, old `<name>` → `.<name>.old-<pid>-…`). A crash between
 * them left no `<name>`. If `<name>` is missing, this completes the swap (new version complete
 * and the old one aside: rename the new one in) or rolls it back (old one only); leftovers of
 * dead processes are removed once `<name>` exists (this also clears writeFileAtomic's temp files of
 * dead processes). Returns true when it restored `<name>`.
 */
export function recoverLegacySwap(target: string): boolean {
  const parent = dirname(target);
  const base = basename(target);
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^\\.${escaped}\\.(tmp|old)-(\\d+)-(\\d+)-[0-9a-z]+$`);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return false;
  }
  const found = names.flatMap((name) => {
    const m = pattern.exec(name);
    if (!m) return [];
    const pid = Number(m[2]);
    if (pid === process.pid || processAlive(pid)) return [];
    return [{ name, kind: m[1] as 'tmp' | 'old', pid, n: Number(m[3]) }];
  });
  if (found.length === 0) return false;
  let restored = false;
  if (!existsSync(target)) {
    // The swap renames the old directory aside (counter n + 1) only after the new one (n) is complete.
    const old = found.filter((f) => f.kind === 'old').sort((a, b) => b.n - a.n)[0];
    if (old) {
      const complete = found.find((f) => f.kind === 'tmp' && f.pid === old.pid && f.n === old.n - 1);
      renameSync(join(parent, (complete ?? old).name), target);
      restored = true;
    }
  }
  if (existsSync(target)) {
    for (const f of found) rmSync(join(parent, f.name), { recursive: true, force: true });
  }
  return restored;
}
