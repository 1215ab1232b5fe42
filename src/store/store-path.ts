import { readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { DatasetDescriptor } from '../core/dataset.js';
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

/** The one place a store's path is computed: `<dataDir>/<SYMBOL>/<file name of the dataset>`. */
export function storePath(dataDir: string, d: DatasetDescriptor, symbol: string, timeframe?: string): string {
  const tf = d.perTimeframe ? timeframeFileName(parseTimeframe(timeframe ?? '').name) : undefined;
  const root = resolve(dataDir);
  const path = join(root, symbolDirName(symbol), d.fileName(tf));
  const rel = relative(root, path);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new UsageError(`symbol "${symbol}" would leave the data folder ${root}`);
  return path;
}

/** The candle (master) store of a symbol and timeframe: `<dataDir>/<SYMBOL>/<tf>_master.parquet`. */
export function masterPath(dataDir: string, symbol: string, timeframe: string): string {
  return storePath(dataDir, OHLCV, symbol, timeframe);
}

/**
 * storePath, except that a month store an earlier version wrote as `1M_…` keeps its name. The folder
 * listing is compared case-sensitively, so `1m_master.parquet` is never taken for it.
 */
export async function resolveStorePath(dataDir: string, d: DatasetDescriptor, symbol: string, timeframe?: string): Promise<string> {
  const path = storePath(dataDir, d, symbol, timeframe);
  if (!d.perTimeframe || parseTimeframe(timeframe ?? '').name !== '1M') return path;
  const dir = join(path, '..');
  const names = await readdir(dir).catch(() => [] as string[]);
  const legacy = d.fileName('1M');
  return !names.includes(d.fileName('1Mo')) && names.includes(legacy) ? join(dir, legacy) : path;
}

export function resolveMasterPath(dataDir: string, symbol: string, timeframe: string): Promise<string> {
  return resolveStorePath(dataDir, OHLCV, symbol, timeframe);
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
  return text;
}
