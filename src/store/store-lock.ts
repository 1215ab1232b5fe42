import { hostname } from 'node:os';
import { link, mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { StoreError } from '../core/errors.js';
import { storeWriteError } from './atomic-write.js';
import { createDocument } from './documents.js';

export interface LockOptions {
  /** How long to wait for another run holding the lock; 0 fails at once. */
  readonly waitMs: number;
  readonly pollMs?: number;
}

interface LockOwner { pid: number; host: string; startedAt: string }

const UNREADABLE_LOCK_MS = 10_000;

/**
 * Run `fn` holding the store's lock file (`<store>.lock`, created exclusively). A lock left by a
 * process that no longer runs on this host is stale and is cleared; a live one is waited for, then
 * reported with its owner.
 */
export async function withStoreLock<T>(storePath: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const lockPath = `${storePath}.lock`;
  await acquire(lockPath, storePath, opts);
  await removeDeadLockTemps(lockPath);
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

async function acquire(lockPath: string, storePath: string, opts: LockOptions): Promise<void> {
  const deadline = Date.now() + opts.waitMs;
  await mkdir(dirname(lockPath), { recursive: true }).catch((e) => { throw storeWriteError(e, storePath); });
  for (;;) {
    if (await tryCreate(lockPath, storePath)) return;
    const owner = await readOwner(lockPath);
    if ((owner && isStale(owner)) || (!owner && await isUnreadableAndOld(lockPath))) {
      await clearStale(lockPath, owner);
      continue;
    }
    if (Date.now() >= deadline) throw lockedError(storePath, lockPath, owner);
    await delay(opts.pollMs ?? 100);
  }
}

/** Create the lock with its owner already inside (createDocument: none or a whole one, whatever the moment of a kill). */
function tryCreate(lockPath: string, storePath: string): Promise<boolean> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  return createDocument(lockPath, new TextEncoder().encode(JSON.stringify(owner)), { sync: false, names: storePath });
}

/** A lock file nobody can read (left by an older version, or a damaged disk) counts as stale after a while. */
async function isUnreadableAndOld(lockPath: string): Promise<boolean> {
  const st = await stat(lockPath).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs > UNREADABLE_LOCK_MS;
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const o = JSON.parse(await readFile(lockPath, 'utf8')) as LockOwner;
    return typeof o.pid === 'number' ? o : undefined;
  } catch {
    return undefined; // vanished or half-written: try again
  }
}

/** A lock's owner was a process of this machine that no longer runs (another host's processes cannot be seen: never). */
export function isStale(o: { readonly pid: number; readonly host: string }): boolean {
  if (o.host !== hostname()) return false; // cannot see other hosts' processes: never steal
  return isDead(o.pid);
}

function isDead(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * The private files of lock attempts whose process was killed (`<lock>.<pid>.<hex>.tmp`,
 * `<lock>.stale.<pid>`), removed by the next holder. Only dead processes' files: a live one may be
 * between its write and its link.
 */
async function removeDeadLockTemps(lockPath: string): Promise<void> {
  const base = basename(lockPath);
  const names = await readdir(dirname(lockPath)).catch(() => [] as string[]);
  const dead = names.filter((n) => {
    const m = n.startsWith(`${base}.`) ? /^(?:(\d+)\.[0-9a-f]+\.tmp|stale\.(\d+))$/.exec(n.slice(base.length + 1)) : null;
    return m !== null && isDead(Number(m[1] ?? m[2]));
  });
  await Promise.all(dead.map((n) => unlink(join(dirname(lockPath), n)).catch(() => undefined)));
}

/** Move the stale lock aside, and put it back if it turned out to be a fresh one taken meanwhile. */
async function clearStale(lockPath: string, seen: LockOwner | undefined): Promise<void> {
  const aside = `${lockPath}.stale.${process.pid}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return;
  }
  const moved = await readOwner(aside);
  if (moved && (moved.pid !== seen?.pid || moved.startedAt !== seen?.startedAt)) {
    await link(aside, lockPath).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

function lockedError(storePath: string, lockPath: string, o: LockOwner | undefined): StoreError {
  const who = o ? `process ${o.pid} on ${o.host} since ${o.startedAt}` : 'another process';
  return new StoreError(`${storePath} is being written by ${who}; wait for it to finish (or remove ${lockPath} if that process is gone)`);
}

/** Whether a live process (on this host, or any process on another host) holds the store's lock. */
export async function heldByLiveRun(storePath: string): Promise<boolean> {
  const lockPath = `${storePath}.lock`;
  const exists = await stat(lockPath).then(() => true, () => false);
  if (!exists) return false;
  const owner = await readOwner(lockPath);
  if (!owner) return !(await isUnreadableAndOld(lockPath));
  return !isStale(owner);
}
