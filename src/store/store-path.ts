import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { DatasetDescriptor } from '../core/dataset.js';
import { childPath, isRemote } from './object-store.js';
import { UsageError } from '../core/errors.js';
import { symbolDirName } from '../core/symbol.js';
import { parseTimeframe } from '../core/timeframe.js';
import { OHLCV } from '../datasets/ohlcv.js';

/**
 * A timeframe's name on disk. `1m` and `1M` would be one file on a case-insensitive file system (macOS,
 * Windows), so the month is written `1Mo`, as freqtrade does; stores named `1M_…` by earlier versions
 * are still read (see `resolveStorePath`).
 */
export function timeframeFileName(tf: string): string {
  return tf === '1M' ? '1Mo' : tf;
}

/** A venue's folder name: its id, lower case letters and digits (never a path of its own). */
export function checkVenue(venue: string): string {
  if (!/^[a-z0-9]{1,40}$/.test(venue)) throw new UsageError(`exchange "${venue}" is not a venue id (expected lower-case letters and digits)`);
  return venue;
}

function inside(root: string, path: string, what: string): string {
  const rel = relative(root, path);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new UsageError(`${what} would leave the data folder ${root}`);
  return path;
}

/**
 * The one place a store's path is computed: `<dataDir>/<venue>/<SYMBOL>/<file name of the dataset>`, so the
 * same symbol on two venues has two stores side by side.
 */
export function storePath(dataDir: string, venue: string, d: DatasetDescriptor, symbol: string, timeframe?: string): string {
  const tf = d.perTimeframe ? timeframeFileName(parseTimeframe(timeframe ?? '').name) : undefined;
  // in a bucket: the same layout under the prefix (symbol folder names hold [A-Z0-9_] only)
  if (isRemote(dataDir)) return childPath(dataDir, checkVenue(venue), symbolDirName(symbol), d.fileName(tf));
  const root = resolve(dataDir);
  return inside(root, join(root, checkVenue(venue), symbolDirName(symbol), d.fileName(tf)), `symbol "${symbol}"`);
}

/** A venue's store of one UTC day (liquidations): `<dataDir>/<venue>/<dataset>/<YYYY-MM-DD>.parquet`. */
export function dayStorePath(dataDir: string, venue: string, d: DatasetDescriptor, day: number): string {
  const root = resolve(dataDir);
  return join(root, checkVenue(venue), d.name, d.fileName(dayLabel(day)));
}

/** `YYYY-MM-DD` of a UTC midnight. */
export function dayLabel(day: number): string {
  return new Date(day).toISOString().slice(0, 10);
}

/** Where stores were kept before venues had folders: `<dataDir>/<SYMBOL>/…`, `<dataDir>/<dataset>/<day>.parquet`. */
export function legacyStorePath(dataDir: string, d: DatasetDescriptor, symbol: string, timeframe?: string): string {
  const root = resolve(dataDir);
  const tf = d.perTimeframe ? timeframeFileName(parseTimeframe(timeframe ?? '').name) : undefined;
  return inside(root, join(root, symbolDirName(symbol), d.fileName(tf)), `symbol "${symbol}"`);
}

export function legacyDayStorePath(dataDir: string, d: DatasetDescriptor, day: number): string {
  return join(resolve(dataDir), d.name, d.fileName(dayLabel(day)));
}

/**
 * A store kept where earlier versions wrote it (before venues had folders) goes on being used there, as
 * long as the venue's folder has none: its footer's exchange must be the venue (or one of `aliases`, the
 * names it went by). `qml-data migrate-layout` moves such stores into their venue's folder.
 */
async function legacyOr(path: string, legacy: string, venue: string, aliases: readonly string[]): Promise<string> {
  if (await exists(path) || !(await exists(legacy))) return path;
  const exchange = (await readFooterExchange(legacy)) ?? venue;
  return exchange === venue || aliases.includes(exchange) ? legacy : path;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** The `qml.exchange` a Parquet footer records, reading only the end of the file; undefined when it cannot say. */
export async function readFooterExchange(path: string): Promise<string | undefined> {
  const { readStoreMeta } = await import('./store-read.js');
  return readStoreMeta(path).then((m) => m.exchange, () => undefined);
}

/** The candle (master) store of a symbol and timeframe: `<dataDir>/<venue>/<SYMBOL>/<tf>_master.parquet`. */
export function masterPath(dataDir: string, venue: string, symbol: string, timeframe: string): string {
  return storePath(dataDir, venue, OHLCV, symbol, timeframe);
}

/**
 * storePath, except that a store an earlier version wrote keeps its place: one in the legacy layout (see
 * legacyOr), and a month store written as `1M_…`. The folder listing is compared case-sensitively, so
 * `1m_master.parquet` is never taken for it.
 */
export async function resolveStorePath(dataDir: string, venue: string, d: DatasetDescriptor, symbol: string, timeframe?: string, aliases: readonly string[] = []): Promise<string> {
  // a bucket holds this version's layout only (no earlier layout was ever written there)
  if (isRemote(dataDir)) return storePath(dataDir, venue, d, symbol, timeframe);
  const path = await legacyOr(storePath(dataDir, venue, d, symbol, timeframe), legacyStorePath(dataDir, d, symbol, timeframe), venue, aliases);
  if (!d.perTimeframe || parseTimeframe(timeframe ?? '').name !== '1M') return path;
  const dir = join(path, '..');
  const names = await readdir(dir).catch(() => [] as string[]);
  const legacy = d.fileName('1M');
  return !names.includes(d.fileName('1Mo')) && names.includes(legacy) ? join(dir, legacy) : path;
}

/** dayStorePath, or the day's store in the legacy layout when only that one exists (see legacyOr). */
export function resolveDayStorePath(dataDir: string, venue: string, d: DatasetDescriptor, day: number, aliases: readonly string[] = []): Promise<string> {
  return legacyOr(dayStorePath(dataDir, venue, d, day), legacyDayStorePath(dataDir, d, day), venue, aliases);
}

export function resolveMasterPath(dataDir: string, venue: string, symbol: string, timeframe: string): Promise<string> {
  return resolveStorePath(dataDir, venue, OHLCV, symbol, timeframe);
}

/** The resume checkpoint kept beside a store while a job is unfinished: `<name>.partial.parquet`. */
export function partialPath(storePath: string): string {
  return storePath.replace(/\.parquet$/, '.partial.parquet');
}

/**
 * Which dataset and timeframe a file name in a symbol folder is the store of, or undefined. A month
 * store under both names: the current one (`1Mo`) is the store, the legacy one (`1M`) is left alone.
 */
export function storeFileOf(name: string, siblings: readonly string[], datasets: readonly DatasetDescriptor[]): { dataset: string; timeframe: string } | undefined {
  for (const d of datasets) {
    if (d.scope === 'venue') continue;
    if (!d.perTimeframe) {
      if (name === d.fileName(undefined)) return { dataset: d.name, timeframe: '' };
      continue;
    }
    const tf = timeframeOfFile(d, name);
    if (tf === undefined) continue;
    if (tf === '1M' && name === d.fileName('1M') && siblings.includes(d.fileName('1Mo'))) return undefined;
    return { dataset: d.name, timeframe: tf };
  }
  return undefined;
}

/** The timeframe of a per-timeframe store's file name (`4h_master.parquet` → `4h`, `1Mo_…`/`1M_…` → `1M`), or undefined. */
export function timeframeOfFile(d: DatasetDescriptor, name: string): string | undefined {
  const [head, tail] = d.fileName('\u0000').split('\u0000') as [string, string];
  if (!name.startsWith(head) || !name.endsWith(tail) || name.length <= head.length + tail.length) return undefined;
  const tf = name.slice(head.length, name.length - tail.length);
  if (tf === '1Mo') return '1M';
  try {
    return parseTimeframe(tf).name === tf ? tf : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Check a --data-dir. Any path of the user's is theirs to give, `../data` included; what must never
 * leave the folder is a store, and `storePath` refuses a symbol that would.
 */
export function checkDataDir(text: string): string {
  if (text.trim() === '' || text.includes('\0')) throw new UsageError(`--data-dir "${text}" is empty or invalid (expected a folder path)`);
  if (/^[a-z0-9]+:\/\//i.test(text) && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\0]*)?$/.test(text)) {
    throw new UsageError(`--data-dir "${text}" is not a folder path or an S3 location (expected a path, or s3://bucket/prefix)`);
  }
  return text;
}
