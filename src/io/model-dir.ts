/**
 * Saving a model's files into a directory that may hold other things (a user's notes.txt,
 * data/, a CLI's preprocessing.json): only the model's own files are replaced, nothing else in
 * the directory is touched, and a crash at any instant leaves either the old model or the new
 * one, recoverably. Layout inside `dir` while a save runs:
 *
 *   .deepts-save.lock              who is saving (pid, host); one saver at a time
 *   .deepts-save-<pid>-<n>-<rand>/ the new files, written and fsynced first
 *   .deepts-save.journal           the commit point: written atomically once the new files are
 *                                  complete; lists the files to move in and the stale ones to remove
 *
 * Before the journal exists an interrupted save is rolled back (its temp directory deleted);
 * once it exists the save is rolled forward (the renames are repeated; each is idempotent). The
 * next save or loadModel does this, under the lock, when the process that held it is dead.
 */
import {
  existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, fsyncDir, processAlive, writeFileAtomic, writeNewFileSynced } from './atomic-write.js';

export const SAVE_LOCK = '.deepts-save.lock';
export const SAVE_JOURNAL = '.deepts-save.journal';
const TEMP_PREFIX = '.deepts-save-';
const TEMP_NAME = /^\.deepts-save-(\d+)-\d+-[0-9a-z]+$/;
/** Our other leftovers: writeFileAtomic's temp journals and broken stale locks. */
const LEFTOVER_NAME = /^\.{1,2}deepts-save\.(journal\.tmp|lock\.stale|lock\.new)-(\d+)-/;

/** How long a save (or a load finishing an interrupted save) waits for another live saver. */
export const LOCK_WAIT_MS = 60_000;

/** Fault injection for the crash tests: called before every file-system step of a save. */
let stepHook: ((step: string) => void) | null = null;
export function setSaveStepHookForTesting(hook: ((step: string) => void) | null): void {
  stepHook = hook;
}
function step(name: string): void {
  stepHook?.(name);
}

let counter = 0;

interface LockInfo { pid: number; host: string; started: string }

function readLock(path: string): LockInfo | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') return { pid: parsed.pid, host: parsed.host, started: String(parsed.started ?? '') };
  } catch {
    // unreadable or half-written (a crash inside the lock's own write): judged by its age below
  }
  return null;
}

/** A lock whose holder is provably gone: same host and the process is dead, or unreadable and old. */
function lockIsStale(path: string, info: LockInfo | null): boolean {
  if (info) return info.host === hostname() && info.pid !== process.pid && !processAlive(info.pid);
  try {
    return Date.now() - statSync(path).mtimeMs > 10_000;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Creates the lock file with its whole content at once: written and synced under a temp name,
 * then hard-linked to the lock's name (fails with EEXIST when taken). A kill can then never
 * leave an empty or half-written lock, which no one could prove stale for 10 s; at worst it
 * leaves the temp file, a leftover the next save or load removes. Without hard links (some
 * file systems), the lock is created in place.
 */
function createLockFile(dir: string, path: string, content: string): void {
  const staged = join(dir, `${SAVE_LOCK}.new-${process.pid}-${(counter += 1)}`);
  writeNewFileSynced(staged, Buffer.from(content));
  try {
    linkSync(staged, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOENT') throw Object.assign(new Error('lock taken'), { code: 'EEXIST' });
    writeNewFileSynced(path, Buffer.from(content));
  } finally {
    rmSync(staged, { force: true });
  }
}

/**
 * Takes `dir`'s save lock, waiting up to `waitMs` for a live holder; breaks a lock whose process
 * is dead. Returns the release function.
 */
export async function acquireSaveLock(dir: string, waitMs = LOCK_WAIT_MS): Promise<() => void> {
  const path = join(dir, SAVE_LOCK);
  const deadline = Date.now() + waitMs;
  const me = JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() });
  for (;;) {
    step('lock');
    try {
      createLockFile(dir, path, me);
      return () => {
        step('unlock');
        rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot save model in ${dir}: cannot create the lock file ${SAVE_LOCK}: ${describe(e)}`);
    }
    const holder = readLock(path);
    if (lockIsStale(path, holder)) {
      // Renaming is atomic: of two processes breaking the same stale lock, one wins, the other retries.
      const aside = join(dir, `${SAVE_LOCK}.stale-${process.pid}-${(counter += 1)}`);
      try {
        renameSync(path, aside);
        rmSync(aside, { force: true });
      } catch {
        // someone else broke it first
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? `process ${holder.pid} on ${holder.host} (since ${holder.started})` : 'another process';
      throw new Error(`cannot save model in ${dir}: ${who} is saving a model there (lock file ${join(dir, SAVE_LOCK)}); waited ${Math.round(waitMs / 1000)} s. If no save is running, delete the lock file`);
    }
    await sleep(25 + Math.random() * 50);
  }
}

interface Journal { temp: string; install: string[]; remove: string[] }

function checkFlatName(name: unknown, what: string, journalPath: string): string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[\\/]/.test(name)) {
    throw new Error(`cannot finish the interrupted save recorded in ${journalPath}: ${what} ${JSON.stringify(name)} is not a file name inside the directory (the journal was edited or damaged; delete it to keep the current files)`);
  }
  return name;
}

function readJournal(dir: string): Journal | null {
  const path = join(dir, SAVE_JOURNAL);
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot finish the interrupted save recorded in ${path}: ${describe(e)} (delete the journal to keep the current files)`);
  }
  const j = parsed as Partial<Journal>;
  if (!Array.isArray(j.install) || !Array.isArray(j.remove)) {
    throw new Error(`cannot finish the interrupted save recorded in ${path}: install and remove must be lists of file names`);
  }
  const temp = checkFlatName(j.temp, 'temp', path);
  if (!TEMP_NAME.test(temp)) {
    throw new Error(`cannot finish the interrupted save recorded in ${path}: temp ${JSON.stringify(temp)} is not a deepts save directory name (the journal was edited or damaged; delete it to keep the current files)`);
  }
  return { temp, install: j.install.map((n) => checkFlatName(n, 'file', path)), remove: j.remove.map((n) => checkFlatName(n, 'file', path)) };
}

/** Moves the journal's files into place, removes the stale ones, then drops the journal and the temp directory. Idempotent. */
function applyJournal(dir: string, j: Journal): void {
  const temp = join(dir, j.temp);
  for (const name of j.install) {
    const from = join(temp, name);
    if (existsSync(from)) {
      step(`install:${name}`);
      renameSync(from, join(dir, name));
    }
  }
  for (const name of j.remove) {
    step(`remove:${name}`);
    rmSync(join(dir, name), { force: true });
  }
  fsyncDir(dir);
  step('journal-done');
  rmSync(join(dir, SAVE_JOURNAL), { force: true });
  fsyncDir(dir);
  step('cleanup');
  rmSync(temp, { recursive: true, force: true });
}

/**
 * With the lock held: finishes a committed save (journal present) and removes leftovers of
 * interrupted ones. A temp directory is removed only when it has our name pattern, is a real
 * directory holding only regular files, and no journal refers to it; holding the lock proves no
 * live saver is writing it. Returns what it did, for loadModel's messages.
 */
export function recoverInterruptedSave(dir: string): { rolledForward: boolean; removed: string[] } {
  const journal = readJournal(dir);
  if (journal) applyJournal(dir, journal);
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (TEMP_NAME.test(name)) {
      const st = lstatSync(path);
      if (!st.isDirectory()) continue;
      const ours = readdirSync(path).every((f) => lstatSync(join(path, f)).isFile());
      if (!ours) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(name);
    } else if (isDeadLeftover(name) && isFileNow(path)) {
      rmSync(path, { force: true });
      removed.push(name);
    }
  }
  return { rolledForward: journal !== null, removed };
}

/**
 * A leftover to remove: a temp journal or broken lock, or a staged lock file whose process is
 * gone (a live process may be between staging its lock file and linking it: not ours to take).
 */
function isDeadLeftover(name: string): boolean {
  const m = LEFTOVER_NAME.exec(name);
  if (!m) return false;
  const pid = Number(m[2]);
  return m[1] !== 'lock.new' || pid === process.pid || !processAlive(pid);
}

/** Whether `path` is a regular file now (false if it vanished meanwhile: another process's staging). */
function isFileNow(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** Entries of `dir` that are not our own save machinery. */
function userEntries(dir: string): string[] {
  return readdirSync(dir).filter((n) => n !== SAVE_LOCK && n !== SAVE_JOURNAL && !TEMP_NAME.test(n) && !LEFTOVER_NAME.test(n));
}

/**
 * Whether `dir` needs recovery work: a journal, a lock whose process is dead, or (with no lock)
 * temp directories and other leftovers. A live saver's lock without a journal means the current
 * files are still the previous model's, complete: nothing to do.
 */
export function hasInterruptedSave(dir: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  if (names.includes(SAVE_JOURNAL)) return true;
  if (names.includes(SAVE_LOCK)) {
    const path = join(dir, SAVE_LOCK);
    return lockIsStale(path, readLock(path));
  }
  return names.some((n) => TEMP_NAME.test(n) || isDeadLeftover(n));
}

export interface ModelFilesWrite {
  /** The model's files by flat name (model.json, weights.bin, ...). */
  files: Readonly<Record<string, Uint8Array | string>>;
  /**
   * Decides, with the lock held and after recovery, whether the directory's current content
   * may be written over, and which old files of ours (not in `files`) to remove. It sees the
   * entries of the directory that are not save machinery.
   */
  plan(entries: readonly string[]): { remove: readonly string[] };
}

/**
 * Writes a model's files into `dir` (created if missing) as described at the top of this file.
 * Files in `dir` other than the model's own and those `plan` lists are never touched.
 */
export async function writeModelFiles(dir: string, write: ModelFilesWrite): Promise<void> {
  const names = Object.keys(write.files);
  for (const name of names) checkFlatName(name, 'file', dir);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`cannot save model in ${dir}: a file (not a directory) already exists there`);
  let created = false;
  if (!existsSync(dir)) {
    step('mkdir');
    mkdirSync(dir, { recursive: true });
    created = true;
  }
  const release = await acquireSaveLock(dir);
  let temp: string | undefined;
  try {
    recoverInterruptedSave(dir);
    const { remove } = write.plan(userEntries(dir));
    temp = `${TEMP_PREFIX}${process.pid}-${(counter += 1)}-${Math.floor(Math.random() * 0x7fffffff).toString(36)}`;
    const tempPath = join(dir, temp);
    try {
      step('temp');
      mkdirSync(tempPath);
      for (const [name, data] of Object.entries(write.files)) {
        step(`write:${name}`);
        writeNewFileSynced(join(tempPath, name), typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      }
      fsyncDir(tempPath);
    } catch (e) {
      rmSync(tempPath, { recursive: true, force: true });
      throw new Error(`cannot save model in ${dir}: ${describe(e)} (the previous files are unchanged)`);
    }
    // model.json last, so a reader that ignores the journal sees the old manifest until the weights are in.
    const install = [...names.filter((n) => n !== 'model.json'), ...names.filter((n) => n === 'model.json')];
    const journal: Journal = { temp, install, remove: remove.filter((n) => !names.includes(n)) };
    step('journal');
    try {
      writeFileAtomic(join(dir, SAVE_JOURNAL), JSON.stringify(journal));
    } catch (e) {
      rmSync(tempPath, { recursive: true, force: true });
      throw new Error(`cannot save model in ${dir}: ${describe(e)} (the previous files are unchanged)`);
    }
    try {
      applyJournal(dir, journal);
    } catch (e) {
      throw new Error(`cannot save model in ${dir}: ${describe(e)} while moving the new files into place; the save is recorded in ${SAVE_JOURNAL} and the next save or loadModel finishes it`);
    }
  } finally {
    release();
    if (created && temp === undefined) {
      // A save that failed before writing anything does not leave an empty directory behind.
      try {
        if (readdirSync(dir).length === 0) rmdirSync(dir);
      } catch {
        // not ours to worry about
      }
    }
  }
}
