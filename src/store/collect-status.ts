import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../core/errors.js';
import { writeJsonFile } from './json-file.js';

/**
 * What `qml-data status` prints, kept by `collect` in `<dataDir>/collect-status.json` after every
 * cycle: the last cycle's summary, when the next one starts, the universe, and per store its last
 * candle and last error. The last cycle's summary is also `<dataDir>/collect-last-cycle.json`, whose
 * path `--on-complete` commands get.
 */
export const STATUS_FILE = 'collect-status.json';
export const LAST_CYCLE_FILE = 'collect-last-cycle.json';

export async function writeCollectStatus(dataDir: string, status: object, lastCycle: object): Promise<string> {
  const cyclePath = join(dataDir, LAST_CYCLE_FILE);
  await writeJsonFile(cyclePath, lastCycle);
  await writeJsonFile(join(dataDir, STATUS_FILE), status);
  return cyclePath;
}

export async function readCollectStatus(dataDir: string): Promise<Record<string, unknown> | undefined> {
  const path = join(dataDir, STATUS_FILE);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError(`${path} cannot be read (${(e as Error).message}); the next collect cycle rewrites it`);
  }
}
