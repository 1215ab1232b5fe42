import { stat, unlink } from 'node:fs/promises';
import type { DatasetDescriptor, SeriesFrame } from '../core/dataset.js';
import { StoreError } from '../core/errors.js';
import { TOOL_VERSION } from '../core/version.js';
import { removeStaleTemps, writeFileAtomic, writePrefixedFileAtomic } from './atomic-write.js';
import { appendBaseOf, appendedBytes, type AppendBase } from './parquet-append.js';
import { encodeSeries, readFooter } from './parquet-codec.js';
import { bigBuffers } from '../core/buffer-pool.js';
import { partialPath } from './store-path.js';
import { STORE_SCHEMA_VERSION, type StoreMeta, type WriteIdentity } from './store-meta.js';
import { checkedLayout, decodeFrame, openAsyncFile, readFooterBytes, readStore, type LoadedStore, type StoreIdentity } from './store-read.js';
import { rowLoss } from './no-row-loss.js';
import { withStoreLock } from './store-lock.js';
import { appendRemote, getRemote, headRemote, isRemote, localStateDir, MIN_PART, putRemote, splitS3 } from './object-store.js';
import { withRemoteLock, type RemoteLock } from './remote-lock.js';
import { join } from 'node:path';

export type { WriteIdentity } from './store-meta.js';

/** Thrown when a write would remove or change rows the store holds and the user did not ask (`--erase`). */
export class RowLossError extends StoreError {
  override name = 'RowLossError';
}

/** What a store holds, read from its footer and its first and last rows only. */
export interface StoredInfo {
  readonly rows: number;
  /** Time of the first and last row (NaN when the store has no rows). */
  readonly first: number;
  readonly last: number;
  readonly meta: Partial<StoreMeta>;
  /** Columns another tool added, which a rewrite would drop. */
  readonly extraColumns: readonly string[];
}

/** The stored rows from `start` on (the last row group), which an append re-encodes with the new rows. */
export interface StoreTail<F extends SeriesFrame> {
  readonly frame: F;
  readonly start: number;
}

/**
 * A store opened for writing, under its lock: what it held when opened is the reference every write is
 * checked against. The only way to write a store, so no command can bypass the no-row-loss rule.
 */
export interface StoreHandle<F extends SeriesFrame> {
  readonly path: string;
  /** The store when it was opened; undefined when there was none (or `erase` was asked). */
  readonly stored: StoredInfo | undefined;
  /** Every stored row, decoded (once). */
  load(): Promise<LoadedStore<F>>;
  /** The stored time column alone (cheap: times are delta-encoded, a few bytes per row group). */
  times(): Promise<Float64Array>;
  /**
   * The stored last row group, when the file can be appended to without rewriting the rest (written
   * by this version's layout, no foreign columns); undefined when only `replace` can write it.
   */
  tail(): Promise<StoreTail<F> | undefined>;
  /**
   * Atomically replace the store with `frame`. Refused (RowLossError) when a stored row would be dropped
   * or changed, when columns another tool added would be dropped, or when the file changed on disk
   * since it was opened; `erase` (the user's explicit `--erase`) allows all but the last.
   */
  replace(frame: F, id: WriteIdentity): Promise<number>;
  /**
   * Atomically append: `rows` are the rows `tail()` gave, unchanged, then new rows after the stored
   * last one. The stored row groups before the tail are carried over byte for byte.
   */
  extend(rows: F, id: WriteIdentity): Promise<number>;
}

/** The version of a store as opened: a local file's inode, size and time, or an object's ETag. */
type FileStamp = { ino: number; size: number; mtimeMs: number } | { etag: string };

/**
 * Lock the store, clear what a killed writer left, read its footer, and run `fn` with the handle. A store in
 * a bucket (`s3://…`) is locked by a leased lock object and written by conditional requests: a write
 * replaces the object only if it is still the version opened.
 */
export async function withStoreForWrite<F extends SeriesFrame, T>(
  d: DatasetDescriptor, path: string, expect: StoreIdentity, o: { waitMs: number; erase: boolean }, fn: (h: StoreHandle<F>) => Promise<T>,
): Promise<T> {
  const want = { dataset: d.name, ...expect };
  if (isRemote(path)) {
    return withRemoteLock(path, { waitMs: o.waitMs }, async (lock) => {
      const stamp = await stampOf(path);
      const stored = stamp && !o.erase ? await storedInfo(d, path, want) : undefined;
      return fn(new OpenStore<F>(d, path, want, stamp, stored, stamp !== undefined && o.erase, lock));
    });
  }
  return withStoreLock(path, { waitMs: o.waitMs }, async () => {
    await removeStaleTemps(path);
    const stamp = await stampOf(path);
    const stored = stamp && !o.erase ? await storedInfo(d, path, want) : undefined;
    return fn(new OpenStore<F>(d, path, want, stamp, stored, stamp !== undefined && o.erase));
  });
}

class OpenStore<F extends SeriesFrame> implements StoreHandle<F> {
  private loaded?: Promise<LoadedStore<F>>;
  private base?: { tail: StoreTail<F>; append: AppendBase };

  constructor(
    private readonly d: DatasetDescriptor, readonly path: string, private readonly expect: StoreIdentity,
    private readonly stamp: FileStamp | undefined, readonly stored: StoredInfo | undefined,
    /** An existing file is being replaced on the user's word (`--erase`): its rows may change. */
    private readonly erasing = false,
    /** The lock of a store in a bucket (its lease may be lost). */
    private readonly remoteLock?: RemoteLock,
  ) {}

  /** Write the store's new bytes: atomically on disk; in a bucket only over the version opened (or where none was). */
  private async put(bytes: Uint8Array, keep?: number): Promise<void> {
    await this.putBytes(bytes, keep);
    // written: the encoder's buffer goes back to the pool (after a failed write it is left to the collector)
    bigBuffers.give(bytes, bytes.byteOffset + bytes.byteLength);
  }

  private async putBytes(bytes: Uint8Array, keep?: number): Promise<void> {
    if (!isRemote(this.path)) {
      await (keep === undefined ? writeFileAtomic(this.path, bytes) : writePrefixedFileAtomic(this.path, keep, bytes));
      return;
    }
    this.remoteLock?.check();
    const etag = this.stamp && 'etag' in this.stamp ? this.stamp.etag : undefined;
    // an append to a large store copies its kept bytes inside the gateway; a small one is put whole
    if (keep !== undefined && keep >= MIN_PART && etag !== undefined) {
      await appendRemote(this.path, keep, bytes, etag);
      return;
    }
    const body = keep === undefined ? bytes : concatBytes(await getRemote(this.path, { start: 0, end: keep }), bytes);
    await putRemote(this.path, body, etag !== undefined ? { ifMatch: etag } : { ifAbsent: true });
  }

  /** The footer's record of the last time stored rows were replaced: now when erasing, else carried over. */
  private lineage(): Pick<StoreMeta, 'rewrittenAt'> {
    const at = this.erasing ? new Date().toISOString() : this.stored?.meta.rewrittenAt;
    return at === undefined ? {} : { rewrittenAt: at };
  }

  load(): Promise<LoadedStore<F>> {
    if (!this.stored) return Promise.resolve({ frame: emptyOf<F>(this.d), meta: {}, extraColumns: [] });
    return (this.loaded ??= readStore<F>(this.d, this.path, this.expect));
  }

  async times(): Promise<Float64Array> {
    if (!this.stored) return new Float64Array(0);
    if (this.loaded) return (await this.loaded).frame.time;
    const { tail } = await readFooterBytes(this.path);
    const md = readFooter(tail, this.path);
    const file = await openAsyncFile(this.path);
    try {
      const frame = await decodeFrame(this.d, file, md, [{ name: this.d.columns[0]!.name }], { rowStart: 0, rowEnd: this.stored.rows }, this.path);
      return frame.time;
    } finally {
      await file.close();
    }
  }

  async tail(): Promise<StoreTail<F> | undefined> {
    if (!this.stored || this.stored.rows === 0 || this.stored.extraColumns.length > 0) return undefined;
    const { footer, tail } = await readFooterBytes(this.path);
    const append = appendBaseOf(this.d, footer);
    if (typeof append === 'string') return undefined;
    const md = readFooter(tail, this.path);
    const file = await openAsyncFile(this.path);
    try {
      const frame = await decodeFrame<F>(this.d, file, md, this.d.columns, { rowStart: append.carriedRows, rowEnd: this.stored.rows }, this.path);
      this.base = { tail: { frame, start: append.carriedRows }, append };
      return this.base.tail;
    } finally {
      await file.close();
    }
  }

  async replace(frame: F, id: WriteIdentity): Promise<number> {
    await this.checkUnchanged();
    if (this.stored) {
      const why = rowLoss(this.d, (await this.load()).frame, frame);
      if (why) throw new RowLossError(`refusing to write ${this.path}: ${why} (pass --erase to replace the store)`);
      if (this.stored.extraColumns.length > 0) {
        throw new RowLossError(`refusing to write ${this.path}: its column(s) ${this.stored.extraColumns.join(', ')} would be dropped (pass --erase to rewrite it without them)`);
      }
    }
    const bytes = encodeSeries(this.d, frame, storeMeta(this.d, { ...id, ...this.lineage() }));
    await this.put(bytes);
    return bytes.byteLength;
  }

  async extend(rows: F, id: WriteIdentity): Promise<number> {
    const base = this.base;
    if (!base || !this.stored) throw new Error('extend() needs the tail() of a stored file');
    await this.checkUnchanged();
    const kept = base.tail.frame.time.length;
    const why = rowLoss(this.d, base.tail.frame, rows);
    if (why) throw new RowLossError(`refusing to write ${this.path}: ${why} (pass --erase to replace the store)`);
    if (rows.time.length > kept && !(rows.time[kept]! > this.stored.last)) throw new Error(`extend() got a row at ${rows.time[kept]} inside the stored rows`);
    const bytes = appendedBytes(this.d, base.append, rows, storeMeta(this.d, { ...id, ...this.lineage() }));
    await this.put(bytes, base.append.carryEnd);
    return base.append.carryEnd + bytes.byteLength;
  }

  private async checkUnchanged(): Promise<void> {
    this.remoteLock?.check();
    if (!sameStamp(this.stamp, await stampOf(this.path))) {
      throw new StoreError(`${this.path} was changed by another program while this run worked on it; run the command again`);
    }
  }
}

/** Rows, first and last time, identity and columns of a store, from its footer and two decoded rows. */
async function storedInfo(d: DatasetDescriptor, path: string, expect: StoreIdentity): Promise<StoredInfo> {
  const { tail } = await readFooterBytes(path);
  const md = readFooter(tail, path);
  const { meta, extraColumns } = checkedLayout(d, md, path, expect);
  const rows = Number(md.num_rows);
  if (rows === 0) return { rows, first: NaN, last: NaN, meta, extraColumns };
  const file = await openAsyncFile(path);
  try {
    const time = [{ name: d.columns[0]!.name }];
    const first = await decodeFrame(d, file, md, time, { rowStart: 0, rowEnd: 1 }, path);
    const last = await decodeFrame(d, file, md, time, { rowStart: rows - 1, rowEnd: rows }, path);
    return { rows, first: first.time[0]!, last: last.time[0]!, meta, extraColumns };
  } finally {
    await file.close();
  }
}

function emptyOf<F extends SeriesFrame>(d: DatasetDescriptor): F {
  return Object.fromEntries(d.columns.map((c) => [c.key, new Float64Array(0)])) as F;
}

function storeMeta(d: DatasetDescriptor, id: WriteIdentity & Pick<StoreMeta, 'rewrittenAt'>, partial?: string): StoreMeta {
  return { toolVersion: TOOL_VERSION, schemaVersion: STORE_SCHEMA_VERSION, ...id, dataset: d.name, updatedAt: new Date().toISOString(), partial };
}

async function stampOf(path: string): Promise<FileStamp | undefined> {
  if (isRemote(path)) {
    const head = await headRemote(path);
    return head && { etag: head.etag };
  }
  const st = await stat(path).catch(() => undefined);
  return st && { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
}

function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if ('etag' in a || 'etag' in b) return 'etag' in a && 'etag' in b && a.etag === b.etag;
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Where a store's resume checkpoint lives: beside it on disk; for a store in a bucket, in the local state folder. */
function checkpointPath(storePath: string): string {
  if (!isRemote(storePath)) return partialPath(storePath);
  const { bucket, key } = splitS3(storePath);
  return partialPath(join(localStateDir(`s3://${bucket}`), ...key.split('/')));
}

/** Write the resume checkpoint beside a store (its rows are fetched rows, not yet the store). */
export async function writeCheckpointFile(d: DatasetDescriptor, storePath: string, frame: SeriesFrame, id: WriteIdentity, tag: string): Promise<void> {
  const bytes = encodeSeries(d, frame, storeMeta(d, id, tag));
  await writeFileAtomic(checkpointPath(storePath), bytes);
  bigBuffers.give(bytes, bytes.byteOffset + bytes.byteLength);
}

/** The checkpoint beside a store; undefined when there is none, the StoreError when it is unreadable or foreign. */
export async function readCheckpointFile<F extends SeriesFrame>(
  d: DatasetDescriptor, storePath: string, expect: StoreIdentity,
): Promise<LoadedStore<F> | StoreError | undefined> {
  const path = checkpointPath(storePath);
  if (!(await stampOf(path))) return undefined;
  return readStore<F>(d, path, { dataset: d.name, ...expect }).catch((e: unknown) => {
    if (e instanceof StoreError) return e;
    throw e;
  });
}

export async function removeCheckpointFile(storePath: string): Promise<void> {
  await unlink(checkpointPath(storePath)).catch(() => undefined);
}
