import { readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { symbolDirName } from '../core/symbol.js';
import { parseTimeframe } from '../core/timeframe.js';

const SUFFIX = '_master.parquet';

/**
 * A timeframe's name on disk. `1m` and `1M` would be one file on a case-insensitive file system (macOS,
 * Windows), so the month is written `1Mo`, as freqtrade does; stores named `1M_…` by earlier versions
 * are still read (see `resolveMasterPath`).
 */
export function timeframeFileName(tf: string): string {
  return tf === '1M' ? '1Mo' : tf;
}

/** The one place a store's path is computed: `<dataDir>/<SYMBOL>/<tf>_master.parquet`. */
export function masterPath(dataDir: string, symbol: string, timeframe: string): string {
  const tf = parseTimeframe(timeframe).name;
  const root = resolve(dataDir);
  const path = join(root, symbolDirName(symbol), `${timeframeFileName(tf)}${SUFFIX}`);
  const rel = relative(root, path);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new UsageError(`symbol "${symbol}" would leave the data folder ${root}`);
  return path;
}

/**
 * masterPath, except that a month store an earlier version wrote as `1M_master.parquet` keeps its name.
 * The folder listing is compared case-sensitively, so `1m_master.parquet` is never taken for it.
 */
export async function resolveMasterPath(dataDir: string, symbol: string, timeframe: string): Promise<string> {
  const path = masterPath(dataDir, symbol, timeframe);
  if (parseTimeframe(timeframe).name !== '1M') return path;
  const dir = join(path, '..');
  const names = await readdir(dir).catch(() => [] as string[]);
  const legacy = `1M${SUFFIX}`;
  return !names.includes(`1Mo${SUFFIX}`) && names.includes(legacy) ? join(dir, legacy) : path;
}

/** The resume checkpoint kept beside a store while a build or update is unfinished. */
export function partialPath(storePath: string): string {
  return storePath.replace(/_master\.parquet$/, '_master.partial.parquet');
}

/** The timeframe of a store file name (`4h_master.parquet` → `4h`, `1Mo_…` or `1M_…` → `1M`), or undefined. */
export function timeframeOfFile(name: string): string | undefined {
  if (!name.endsWith(SUFFIX)) return undefined;
  const tf = name.slice(0, -SUFFIX.length);
  if (tf === '1Mo') return '1M';
  try {
    return parseTimeframe(tf).name;
  } catch {
    return undefined;
  }
}

/** Check a --data-dir: no `..` segments, so a typo or a template cannot point writes outside the tree. */
export function checkDataDir(text: string): string {
  if (text.trim() === '' || text.includes('\0')) throw new UsageError(`--data-dir "${text}" is empty or invalid (expected a folder path)`);
  if (text.split(/[\\/]/).includes('..')) {
    throw new UsageError(`--data-dir "${text}" contains ".." (expected a path that does not climb out of its parent, e.g. data/processed)`);
  }
  return text;
}
