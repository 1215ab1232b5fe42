import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../core/errors.js';
import type { MasterFrame } from '../core/frame.js';
import { symbolFromDirName } from '../core/symbol.js';
import { lowerBoundTime } from '../core/search.js';
import { parseTimeframe } from '../core/timeframe.js';
import { isToolArtifactColumn, REQUIRED_COLUMNS, DISK_COLUMNS, type StoreMeta } from './master-schema.js';
import { columnNames, decodeColumns, readFooter, rowRangeFor, storeMetaOf } from './master-parquet.js';
import { resolveMasterPath, timeframeOfFile } from './master-path.js';

export interface StoreRef {
  readonly symbol: string;
  readonly timeframe: string;
  readonly path: string;
}

export interface LoadedStore {
  readonly frame: MasterFrame;
  readonly meta: Partial<StoreMeta>;
  /** Columns the file has beyond the store's own (another tool's additions), which a rewrite would drop. */
  readonly extraColumns: readonly string[];
}

/**
 * Which store a caller expects to find; a file claiming anything else is refused. Keys left out are not
 * checked, and a file without a key (written by another tool or an earlier version) passes on that key.
 */
export interface StoreIdentity {
  readonly exchange?: string;
  readonly source?: string;
  readonly marketType?: string;
  readonly symbol: string;
  readonly timeframe: string;
}

/** Read a store (whole, or the row groups overlapping a range), checking its columns and identity. */
export async function readMaster(path: string, expect: StoreIdentity, range?: { start: number; end: number }): Promise<LoadedStore> {
  const bytes = await readBytes(path);
  const md = readFooter(bytes, path);
  const names = columnNames(md);
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    throw new StoreError(`${path} has another schema (missing column(s) ${missing.join(', ')}); it is not a qml-data master store`);
  }
  const meta = storeMetaOf(md);
  checkIdentity(path, meta, expect);
  const rows = range ? rowRangeFor(md, range.start, range.end) : { rowStart: 0, rowEnd: Number(md.num_rows) };
  const present = DISK_COLUMNS.filter((c) => names.includes(c));
  const cols = await decodeColumns(bytes, md, present, rows.rowStart, rows.rowEnd, path);
  const frame = toFrame(cols, rows.rowEnd - rows.rowStart);
  const extraColumns = names.filter((n) => !(DISK_COLUMNS as readonly string[]).includes(n) && !isToolArtifactColumn(n));
  return { frame: range ? trim(frame, range.start, range.end) : frame, meta, extraColumns };
}

export async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StoreError(code === 'ENOENT' ? `no store at ${path} (run build first)` : `cannot read ${path}: ${code ?? (e as Error).message}`);
  }
}

/** A store's footer metadata, reading only the end of the file (Parquet keeps its footer there). */
export async function readStoreMeta(path: string): Promise<Partial<StoreMeta>> {
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => { throw new StoreError(`cannot read ${path}: ${e.code ?? e.message}`); });
  try {
    const { size } = await fh.stat();
    const tail = Buffer.alloc(Math.min(size, 8));
    await fh.read(tail, 0, tail.length, size - tail.length);
    const want = size >= 8 ? Math.min(size, tail.readUInt32LE(0) + 8) : size;
    const bytes = Buffer.alloc(want);
    await fh.read(bytes, 0, want, size - want);
    return storeMetaOf(readFooter(bytes, path));
  } finally {
    await fh.close();
  }
}

/** Throws StoreError when a store's footer names another store than the one expected. */
export function checkIdentity(path: string, meta: Partial<StoreMeta>, expect: StoreIdentity): void {
  const clash: string[] = [];
  if (meta.symbol !== undefined && meta.symbol !== expect.symbol) clash.push(`symbol ${meta.symbol}`);
  if (meta.timeframe !== undefined && meta.timeframe !== expect.timeframe) clash.push(`timeframe ${meta.timeframe}`);
  if (expect.exchange && meta.exchange !== undefined && meta.exchange !== expect.exchange) clash.push(`exchange ${meta.exchange}`);
  if (expect.marketType && meta.marketType !== undefined && meta.marketType !== expect.marketType) clash.push(`market type ${meta.marketType}`);
  if (clash.length > 0) {
    throw new StoreError(`${path} holds ${clash.join(', ')}, not ${expect.exchange ?? ''} ${expect.symbol} ${expect.timeframe}; refusing to mix them`.replace('  ', ' '));
  }
  if (expect.source && meta.source !== undefined && meta.source !== expect.source) {
    throw new StoreError(`${path} holds candles from the ${meta.source}, and this run fetches from the ${expect.source}; refusing to mix real and simulated candles`);
  }
}

function toFrame(c: Record<string, Float64Array>, n: number): MasterFrame {
  return { time: c.time!, open: c.Open!, high: c.High!, low: c.Low!, close: c.Close!, volume: c.Volume!, atr: c.ATR ?? new Float64Array(n).fill(NaN) };
}

function trim(f: MasterFrame, start: number, end: number): MasterFrame {
  const a = lowerBoundTime(f.time, start);
  const b = lowerBoundTime(f.time, end);
  if (a === 0 && b === f.time.length) return f;
  return { time: f.time.slice(a, b), open: f.open.slice(a, b), high: f.high.slice(a, b), low: f.low.slice(a, b),
    close: f.close.slice(a, b), volume: f.volume.slice(a, b), atr: f.atr.slice(a, b) };
}

/**
 * Whatever of `wanted` a file has (default: every store column), for validation and listing, which report
 * missing columns rather than fail on them.
 */
export async function readStoreColumns(
  path: string, wanted: readonly string[] = DISK_COLUMNS,
): Promise<{ columns: Record<string, Float64Array>; meta: Partial<StoreMeta>; extraColumns: string[] }> {
  const bytes = await readBytes(path);
  const md = readFooter(bytes, path);
  const names = columnNames(md);
  const present = wanted.filter((c) => names.includes(c));
  const columns = await decodeColumns(bytes, md, present, 0, Number(md.num_rows), path);
  const extraColumns = names.filter((n) => !(DISK_COLUMNS as readonly string[]).includes(n) && !isToolArtifactColumn(n));
  return { columns, meta: storeMetaOf(md), extraColumns };
}

export interface LoadMasterOptions {
  readonly symbol: string;
  readonly timeframe: string;
  /** Inclusive lower bound on open time (epoch ms or Date). */
  readonly start?: number | Date;
  /** Exclusive upper bound on open time. */
  readonly end?: number | Date;
  readonly dataDir?: string;
}

/**
 * Library API: a store's columns for [start, end). Row groups whose time statistics lie outside the
 * range are not decoded.
 */
export async function loadMaster(o: LoadMasterOptions): Promise<MasterFrame> {
  const tf = parseTimeframe(o.timeframe).name;
  const path = await resolveMasterPath(o.dataDir ?? 'data/processed', o.symbol, tf);
  const start = o.start === undefined ? -Infinity : Number(o.start);
  const end = o.end === undefined ? Infinity : Number(o.end);
  const { frame } = await readMaster(path, { symbol: o.symbol.toUpperCase(), timeframe: tf }, { start, end });
  return frame;
}

/** Every store under the data folder, sorted by symbol then timeframe. */
export async function listStores(dataDir: string): Promise<StoreRef[]> {
  const dirs = await readdir(dataDir, { withFileTypes: true }).catch(() => []);
  const out: StoreRef[] = [];
  for (const d of dirs) {
    const symbol = d.isDirectory() ? symbolFromDirName(d.name) : undefined;
    if (!symbol) continue;
    const names = await readdir(join(dataDir, d.name));
    for (const name of names) {
      const timeframe = timeframeOfFile(name);
      // A month store under both names: the current one (1Mo) is the store, the legacy one is left alone.
      if (timeframe === '1M' && name.startsWith('1M_') && names.includes('1Mo_master.parquet')) continue;
      if (timeframe) out.push({ symbol, timeframe, path: join(dataDir, d.name, name) });
    }
  }
  return out.sort((a, b) => a.symbol.localeCompare(b.symbol) || a.timeframe.localeCompare(b.timeframe));
}

export async function storeExists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
