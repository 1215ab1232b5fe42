import { isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { symbolDirName } from '../core/symbol.js';
import { parseTimeframe } from '../core/timeframe.js';

const SUFFIX = '_master.parquet';

/** The one place a store's path is computed: `<dataDir>/<SYMBOL>/<tf>_master.parquet`. */
export function masterPath(dataDir: string, symbol: string, timeframe: string): string {
  const tf = parseTimeframe(timeframe).name;
  const root = resolve(dataDir);
  const path = join(root, symbolDirName(symbol), `${tf}${SUFFIX}`);
  const rel = relative(root, path);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new UsageError(`symbol "${symbol}" would leave the data folder ${root}`);
  return path;
}

/** The resume checkpoint kept beside a store while a build or update is unfinished. */
export function partialPath(storePath: string): string {
  return storePath.replace(/_master\.parquet$/, '_master.partial.parquet');
}

/** The timeframe of a store file name (`4h_master.parquet` → `4h`), or undefined if not a store. */
export function timeframeOfFile(name: string): string | undefined {
  if (!name.endsWith(SUFFIX)) return undefined;
  const tf = name.slice(0, -SUFFIX.length);
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
