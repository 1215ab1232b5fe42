import { stat, unlink } from 'node:fs/promises';
import { StoreError } from '../core/errors.js';
import type { MasterFrame } from '../core/frame.js';
import { TOOL_VERSION } from '../core/version.js';
import { removeStaleTemps, writeFileAtomic } from './atomic-write.js';
import { encodeMaster } from './master-parquet.js';
import { partialPath } from './master-path.js';
import { STORE_SCHEMA_VERSION, type StoreMeta } from './master-schema.js';
import { readMaster, type LoadedStore, type StoreIdentity } from './master-store.js';
import { rowLoss } from './no-row-loss.js';
import { withStoreLock } from './store-lock.js';

/** What a written store records about itself, beyond the tool and schema versions and the write time. */
export type WriteIdentity = Pick<StoreMeta, 'exchange' | 'source' | 'marketType' | 'symbol' | 'timeframe' | 'atrPeriod'>;

/** Thrown when a write would remove or change rows the store holds and the user did not ask (`--erase`). */
export class RowLossError extends StoreError {
  override name = 'RowLossError';
}

/**
 * A store opened for writing, under its lock: what it held when opened is the reference every replace
 * is checked against. The only way to replace a store, so no command can bypass the no-row-loss rule.
 */
export interface StoreHandle {
  readonly path: string;
  /** The store as it was when opened; undefined when there was none (or `erase` was asked). */
  readonly stored: LoadedStore | undefined;
  /**
   * Atomically replace the store with `frame`. Refused (RowLossError) when a stored row would be dropped
   * or changed, when columns another tool added would be dropped, or when the file changed on disk
   * since it was opened; `erase` (the user's explicit `--erase`) allows all but the last.
   */
  replace(frame: MasterFrame, id: WriteIdentity): Promise<number>;
}

interface FileStamp { ino: number; size: number; mtimeMs: number }

/** Lock the store, clear what a killed writer left, read what it holds, and run `fn` with the handle. */
export async function withStoreForWrite<T>(
  path: string, expect: StoreIdentity, o: { waitMs: number; erase: boolean }, fn: (h: StoreHandle) => Promise<T>,
): Promise<T> {
  return withStoreLock(path, { waitMs: o.waitMs }, async () => {
    await removeStaleTemps(path);
    const stamp = await stampOf(path);
    const stored = stamp && !o.erase ? await readMaster(path, expect) : undefined;
    return fn({ path, stored, replace: (frame, id) => replaceChecked(path, stamp, stored, frame, id) });
  });
}

async function replaceChecked(path: string, stamp: FileStamp | undefined, stored: LoadedStore | undefined, frame: MasterFrame, id: WriteIdentity): Promise<number> {
  const now = await stampOf(path);
  if (!sameStamp(stamp, now)) throw new StoreError(`${path} was changed by another program while this run worked on it; run the command again`);
  if (stored) refuseLoss(path, stored, frame);
  const bytes = encodeMaster(frame, storeMeta(id));
  await writeFileAtomic(path, bytes);
  return bytes.byteLength;
}

function refuseLoss(path: string, stored: LoadedStore, frame: MasterFrame): void {
  const why = rowLoss(stored.frame, frame);
  if (why) throw new RowLossError(`refusing to write ${path}: ${why} (pass --erase to replace the store)`);
  if (stored.extraColumns.length > 0) {
    throw new RowLossError(`refusing to write ${path}: its column(s) ${stored.extraColumns.join(', ')} would be dropped (pass --erase to rewrite it without them)`);
  }
}

function storeMeta(id: WriteIdentity, partial?: string): StoreMeta {
  return { toolVersion: TOOL_VERSION, schemaVersion: STORE_SCHEMA_VERSION, ...id, updatedAt: new Date().toISOString(), partial };
}

async function stampOf(path: string): Promise<FileStamp | undefined> {
  const st = await stat(path).catch(() => undefined);
  return st && { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
}

function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs);
}

/** Write the resume checkpoint beside a store (its rows are fetched candles, not yet the store). */
export async function writeCheckpointFile(storePath: string, frame: MasterFrame, id: WriteIdentity, tag: string): Promise<void> {
  await writeFileAtomic(partialPath(storePath), encodeMaster(frame, storeMeta(id, tag)));
}

/** The checkpoint beside a store; undefined when there is none, the StoreError when it is unreadable or foreign. */
export async function readCheckpointFile(storePath: string, expect: StoreIdentity): Promise<LoadedStore | StoreError | undefined> {
  const path = partialPath(storePath);
  if (!(await stampOf(path))) return undefined;
  return readMaster(path, expect).catch((e: unknown) => {
    if (e instanceof StoreError) return e;
    throw e;
  });
}

export async function removeCheckpointFile(storePath: string): Promise<void> {
  await unlink(partialPath(storePath)).catch(() => undefined);
}
