import { open, readdir, readFile, stat } from 'node:fs/promises';
import type { FileMetaData } from 'hyparquet';
import { requiredColumns, type DatasetDescriptor, type SeriesFrame } from '../core/dataset.js';
import { StoreError, UsageError } from '../core/errors.js';
import type { MasterFrame } from '../core/frame.js';
import { symbolFromDirName } from '../core/symbol.js';
import { lowerBoundTime } from '../core/time-search.js';
import { parseTimeframe } from '../core/timeframe.js';
import { OHLCV } from '../datasets/ohlcv.js';
import { isToolArtifactColumn, type StoreMeta } from './store-meta.js';
import { columnNames, decodeColumns, readFooter, rowRangeFor, storeMetaOf } from './parquet-codec.js';
import { resolveStorePath, storeFileOf } from './store-path.js';
import { childPath, getRemote, headRemote, isRemote, listRemote, statRemote } from './object-store.js';

export interface StoreRef {
  readonly dataset: string;
  /** The venue whose folder holds it; for a store in the legacy layout, its footer's exchange (undefined when unreadable). */
  readonly exchange: string | undefined;
  /** The symbol of a per-symbol store; `all` for a venue's store (liquidations). */
  readonly symbol: string;
  /** The timeframe of a per-timeframe store, the day (`YYYY-MM-DD`) of a daily one, else ''. */
  readonly timeframe: string;
  readonly path: string;
}

export interface LoadedStore<F extends SeriesFrame = MasterFrame> {
  readonly frame: F;
  readonly meta: Partial<StoreMeta>;
  /** Columns the file has beyond the store's own (another tool's additions), which a rewrite would drop. */
  readonly extraColumns: readonly string[];
}

/**
 * Which store a caller expects to find; a file claiming anything else is refused. Keys left out are not
 * checked, and a file without a key (written by another tool or an earlier version) passes on that key.
 */
export interface StoreIdentity {
  readonly dataset?: string;
  readonly exchange?: string;
  /** Other names a store of this exchange carries in footers of earlier versions (its profile's aliases). */
  readonly exchangeAliases?: readonly string[];
  readonly source?: string;
  readonly marketType?: string;
  /** The symbol of a per-symbol store; none for a store of a whole venue (liquidations). */
  readonly symbol?: string;
  readonly timeframe?: string;
}

/** Read a store of dataset `d` (whole, or the row groups overlapping a range), checking its columns and identity. */
export async function readStore<F extends SeriesFrame>(
  d: DatasetDescriptor, path: string, expect: StoreIdentity, range?: { start: number; end: number },
): Promise<LoadedStore<F>> {
  const bytes = await readBytes(path);
  const md = readFooter(bytes, path);
  const { meta, extraColumns, present } = checkedLayout(d, md, path, expect);
  const rows = range ? rowRangeFor(md, range.start, range.end) : { rowStart: 0, rowEnd: Number(md.num_rows) };
  const frame = await decodeFrame<F>(d, bytes, md, present, rows, path);
  return { frame: range ? trim(frame, range.start, range.end) : frame, meta, extraColumns };
}

/** The candle store at `path` (a master store), whole or by range. */
export function readMaster(path: string, expect: StoreIdentity, range?: { start: number; end: number }): Promise<LoadedStore<MasterFrame>> {
  return readStore<MasterFrame>(OHLCV, path, { dataset: OHLCV.name, ...expect }, range);
}

/** A file's columns and identity checked against the dataset: its metadata and the columns to decode. */
export function checkedLayout(d: DatasetDescriptor, md: FileMetaData, path: string, expect: StoreIdentity) {
  const names = columnNames(md);
  const missing = requiredColumns(d).filter((c) => !names.includes(c.name));
  if (missing.length > 0) {
    throw new StoreError(`${path} has another schema (missing column(s) ${missing.map((c) => c.name).join(', ')}); it is not a qml-data ${d.name} store`);
  }
  const meta = storeMetaOf(md);
  checkIdentity(path, meta, expect);
  const own = new Set(d.columns.map((c) => c.name));
  return {
    meta,
    extraColumns: names.filter((n) => !own.has(n) && !isToolArtifactColumn(n)),
    present: d.columns.filter((c) => names.includes(c.name)),
  };
}

/** Decode rows of the present columns into a frame keyed as the dataset keys them (absent columns NaN). */
export async function decodeFrame<F extends SeriesFrame>(
  d: DatasetDescriptor, file: Uint8Array | AsyncFile, md: FileMetaData, present: readonly { name: string }[],
  rows: { rowStart: number; rowEnd: number }, path: string,
): Promise<F> {
  const n = rows.rowEnd - rows.rowStart;
  const cols = await decodeColumns(file, md, present.map((c) => c.name), rows.rowStart, rows.rowEnd, path, textColumnsOf(d));
  const out: Record<string, Float64Array> = {};
  for (const c of d.columns) out[c.key] = cols[c.name] ?? new Float64Array(n).fill(NaN);
  return out as F;
}

/** The on-disk names of a dataset's text columns. */
export function textColumnsOf(d: DatasetDescriptor): ReadonlySet<string> {
  return new Set(d.columns.filter((c) => c.type === 'text').map((c) => c.name));
}

/** A file read by byte ranges (hyparquet's AsyncBuffer): a footer or one row group without the rest. */
export interface AsyncFile {
  readonly byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

export async function readBytes(path: string): Promise<Uint8Array> {
  if (isRemote(path)) return getRemote(path);
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StoreError(code === 'ENOENT' ? `no store at ${path} (run build first)` : `cannot read ${path}: ${code ?? (e as Error).message}`);
  }
}

/** The footer bytes of a Parquet file and its size, reading only the end of the file. */
export async function readFooterBytes(path: string): Promise<{ footer: Uint8Array; tail: Uint8Array; size: number }> {
  if (isRemote(path)) {
    // one suffix range usually holds the whole footer; a longer one is read again at its length
    const { size } = await statRemote(path);
    let tail = await getRemote(path, { start: -Math.min(size, 65_536) });
    const want = size >= 8 ? Math.min(size, Buffer.from(tail.subarray(tail.length - 8)).readUInt32LE(0) + 8) : size;
    if (want > tail.length) tail = await getRemote(path, { start: -want });
    tail = tail.subarray(tail.length - want);
    return { tail, footer: tail.subarray(0, Math.max(0, want - 8)), size };
  }
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => { throw new StoreError(`cannot read ${path}: ${e.code ?? e.message}`); });
  try {
    const { size } = await fh.stat();
    const end = Buffer.alloc(Math.min(size, 8));
    await fh.read(end, 0, end.length, size - end.length);
    const want = size >= 8 ? Math.min(size, end.readUInt32LE(0) + 8) : size;
    const tail = Buffer.alloc(want);
    await fh.read(tail, 0, want, size - want);
    return { tail, footer: tail.subarray(0, Math.max(0, want - 8)), size };
  } finally {
    await fh.close();
  }
}

/** A store's footer metadata, reading only the end of the file (Parquet keeps its footer there). */
export async function readStoreMeta(path: string): Promise<Partial<StoreMeta>> {
  const { tail } = await readFooterBytes(path);
  return storeMetaOf(readFooter(tail, path));
}

/** An open file read by byte ranges; close it when done. */
export async function openAsyncFile(path: string): Promise<AsyncFile & { close(): Promise<void> }> {
  if (isRemote(path)) {
    const { size } = await statRemote(path);
    return {
      byteLength: size,
      async slice(start: number, end = size) {
        const b = await getRemote(path, { start, end });
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      },
      close: async () => undefined,
    };
  }
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => { throw new StoreError(`cannot read ${path}: ${e.code ?? e.message}`); });
  const { size } = await fh.stat();
  return {
    byteLength: size,
    async slice(start: number, end = size) {
      const buf = Buffer.alloc(end - start);
      await fh.read(buf, 0, buf.length, start);
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    },
    close: () => fh.close(),
  };
}

/** Throws StoreError when a store's footer names another store than the one expected. */
export function checkIdentity(path: string, meta: Partial<StoreMeta>, expect: StoreIdentity): void {
  const clash: string[] = [];
  if (expect.dataset && meta.dataset !== undefined && meta.dataset !== expect.dataset) clash.push(`dataset ${meta.dataset}`);
  if (expect.symbol !== undefined && meta.symbol !== undefined && meta.symbol !== expect.symbol) clash.push(`symbol ${meta.symbol}`);
  if (expect.timeframe && meta.timeframe !== undefined && meta.timeframe !== expect.timeframe) clash.push(`timeframe ${meta.timeframe}`);
  if (expect.exchange && meta.exchange !== undefined && meta.exchange !== expect.exchange && !expect.exchangeAliases?.includes(meta.exchange)) clash.push(`exchange ${meta.exchange}`);
  if (expect.marketType && meta.marketType !== undefined && meta.marketType !== expect.marketType) clash.push(`market type ${meta.marketType}`);
  if (clash.length > 0) {
    const wanted = [expect.exchange, expect.symbol, expect.timeframe].filter(Boolean).join(' ');
    throw new StoreError(`${path} holds ${clash.join(', ')}, not ${wanted}; refusing to mix them`);
  }
  if (expect.source && meta.source !== undefined && meta.source !== expect.source) {
    throw new StoreError(`${path} holds rows from the ${meta.source}, and this run fetches from the ${expect.source}; refusing to mix real and simulated data`);
  }
}

function trim<F extends SeriesFrame>(f: F, start: number, end: number): F {
  const a = lowerBoundTime(f.time, start);
  const b = lowerBoundTime(f.time, end);
  if (a === 0 && b === f.time.length) return f;
  const out: Record<string, Float64Array> = {};
  for (const [k, col] of Object.entries(f)) out[k] = col.slice(a, b);
  return out as F;
}

/**
 * Whatever of the dataset's columns a file has (or of `keys`), keyed as in memory, for validation and
 * listing, which report missing columns rather than fail on them.
 */
export async function readStoreColumns(
  d: DatasetDescriptor, path: string, keys?: readonly string[],
): Promise<{ columns: Partial<Record<string, Float64Array>>; meta: Partial<StoreMeta>; extraColumns: string[] }> {
  const bytes = await readBytes(path);
  const md = readFooter(bytes, path);
  const names = columnNames(md);
  const present = d.columns.filter((c) => names.includes(c.name) && (!keys || keys.includes(c.key)));
  const decoded = await decodeColumns(bytes, md, present.map((c) => c.name), 0, Number(md.num_rows), path, textColumnsOf(d));
  const columns = Object.fromEntries(present.map((c) => [c.key, decoded[c.name]!]));
  const own = new Set(d.columns.map((c) => c.name));
  return { columns, meta: storeMetaOf(md), extraColumns: names.filter((n) => !own.has(n) && !isToolArtifactColumn(n)) };
}

export interface LoadMasterOptions {
  readonly symbol: string;
  readonly timeframe: string;
  /** The venue's id; optional when only one venue's folder holds the store. */
  readonly exchange?: string;
  /** Inclusive lower bound on open time (epoch ms or Date). */
  readonly start?: number | Date;
  /** Exclusive upper bound on open time. */
  readonly end?: number | Date;
  readonly dataDir?: string;
}

/**
 * Library API: a candle store's columns for [start, end). Row groups whose time statistics lie outside
 * the range are not decoded.
 */
export async function loadMaster(o: LoadMasterOptions): Promise<MasterFrame> {
  const tf = parseTimeframe(o.timeframe).name;
  const dataDir = o.dataDir ?? 'data/processed';
  const symbol = o.symbol.toUpperCase();
  let path: string;
  if (o.exchange) path = await resolveStorePath(dataDir, o.exchange, OHLCV, symbol, tf);
  else {
    const held = (await listStores(dataDir, [OHLCV])).filter((r) => r.symbol === symbol && r.timeframe === tf);
    if (held.length > 1) throw new UsageError(`${symbol} ${tf} is kept for several exchanges (${held.map((r) => r.exchange).join(', ')}): say which one (exchange)`);
    if (held.length === 0) throw new StoreError(`no ${symbol} ${tf} store in ${dataDir} (run build first)`);
    path = held[0]!.path;
  }
  const start = o.start === undefined ? -Infinity : Number(o.start);
  const end = o.end === undefined ? Infinity : Number(o.end);
  const { frame } = await readMaster(path, { symbol, timeframe: tf, ...(o.exchange ? { exchange: o.exchange } : {}) }, { start, end });
  return frame;
}

/**
 * Every store of the given datasets under the data folder: in each venue's folder (`<venue>/<SYMBOL>/…`,
 * `<venue>/<dataset>/<day>.parquet`) and in the legacy layout earlier versions wrote (`<SYMBOL>/…`,
 * `<dataset>/<day>.parquet` at the top, their venue read from the footer). Only `venue`'s (its legacy stores by
 * its id or `aliases` in their footer), when given.
 * Sorted by venue, symbol, dataset, then timeframe duration or day.
 */
export async function listStores(dataDir: string, datasets: readonly DatasetDescriptor[] = [OHLCV], venue?: string, aliases: readonly string[] = []): Promise<StoreRef[]> {
  const top = await entriesOf(dataDir);
  const out: StoreRef[] = [];
  const perSymbol = datasets.filter((d) => d.scope !== 'venue');
  const daily = datasets.filter((d) => d.scope === 'venue' && d.partition === 'day');
  const scan = async (folder: string, exchange: string | undefined) => {
    for (const dir of await entriesOf(folder)) {
      if (!dir.isDirectory()) continue;
      const symbol = symbolFromDirName(dir.name);
      const names = symbol || daily.some((d) => d.name === dir.name) ? (await entriesOf(childPath(folder, dir.name))).filter((e) => !e.isDirectory()).map((e) => e.name) : [];
      for (const name of names) {
        const path = childPath(folder, dir.name, name);
        if (symbol) {
          const file = storeFileOf(name, names, perSymbol);
          if (file) out.push({ dataset: file.dataset, exchange: exchange ?? await footerExchange(path), symbol, timeframe: file.timeframe, path });
        } else if (/^\d{4}-\d{2}-\d{2}\.parquet$/.test(name)) {
          out.push({ dataset: dir.name, exchange: exchange ?? await footerExchange(path), symbol: 'all', timeframe: name.slice(0, 10), path });
        }
      }
    }
  };
  for (const dir of top) {
    if (dir.isDirectory() && /^[a-z0-9]+$/.test(dir.name) && !daily.some((d) => d.name === dir.name) && (!venue || dir.name === venue)) await scan(childPath(dataDir, dir.name), dir.name);
  }
  const before = out.length;
  await scan(dataDir, undefined);
  // legacy stores of another venue (by their footer) are left out when one venue is asked for
  if (venue) out.splice(before, out.length - before, ...out.slice(before).filter((r) => r.exchange === undefined || r.exchange === venue || aliases.includes(r.exchange)));
  return out.sort(compareStores);
}

/** A folder's entries, on disk or below an `s3://` prefix (none when it does not exist; an S3 error says why). */
async function entriesOf(folder: string): Promise<{ name: string; isDirectory(): boolean }[]> {
  if (!isRemote(folder)) return readdir(folder, { withFileTypes: true }).catch(() => []);
  const { dirs, files } = await listRemote(folder);
  return [...dirs.map((name) => ({ name, isDirectory: () => true })), ...files.map((f) => ({ name: f.name, isDirectory: () => false }))];
}

/** A store file's size in bytes, on disk or in a bucket. */
export async function storeFileSize(path: string): Promise<number> {
  return isRemote(path) ? (await statRemote(path)).size : (await stat(path)).size;
}

/** Whether a store file exists, on disk or in a bucket. */
export async function storeExists(path: string): Promise<boolean> {
  return isRemote(path) ? (await headRemote(path)) !== undefined : stat(path).then(() => true, () => false);
}

/** The order stores are listed in: venue, symbol, dataset, then timeframe duration or day. */
export function compareStores(a: StoreRef, b: StoreRef): number {
  return (a.exchange ?? '').localeCompare(b.exchange ?? '') || a.symbol.localeCompare(b.symbol) || a.dataset.localeCompare(b.dataset)
    || durationOf(a.timeframe) - durationOf(b.timeframe) || a.timeframe.localeCompare(b.timeframe);
}

async function footerExchange(path: string): Promise<string | undefined> {
  return readStoreMeta(path).then((m) => m.exchange, () => undefined);
}

function durationOf(tf: string): number {
  try {
    return parseTimeframe(tf).ms;
  } catch {
    return 0;
  }
}


/**
 * A store one row group at a time (in time order), so a reader of a 2.6 M-row store holds one group of
 * 50,000 rows in memory, not the file: what `export` streams from.
 */
export async function* readStoreChunks<F extends SeriesFrame>(d: DatasetDescriptor, path: string, expect: StoreIdentity): AsyncGenerator<F> {
  const { tail } = await readFooterBytes(path);
  const md = readFooter(tail, path);
  const { present } = checkedLayout(d, md, path, expect);
  const file = await openAsyncFile(path);
  try {
    let start = 0;
    for (const g of md.row_groups) {
      const end = start + Number(g.num_rows);
      if (end > start) yield await decodeFrame<F>(d, file, md, present, { rowStart: start, rowEnd: end }, path);
      start = end;
    }
  } finally {
    await file.close();
  }
}
