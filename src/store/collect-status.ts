import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../core/errors.js';
import { writeJsonFile } from './json-file.js';
import { checkVenue } from './store-path.js';

/**
 * What `qml-data status` prints, kept by `collect` for each venue in `<dataDir>/<venue>/collect-status.json`
 * after every cycle: the last cycle's summary, when the next one starts, the universe, and per store its
 * last row and last error. The last cycle's summary is also `<dataDir>/<venue>/collect-last-cycle.json`.
 * A status an earlier version kept at `<dataDir>/collect-status.json` is read there (`venue` undefined).
 */
export const STATUS_FILE = 'collect-status.json';
export const LAST_CYCLE_FILE = 'collect-last-cycle.json';

export async function writeCollectStatus(dataDir: string, venue: string, status: object, lastCycle: object): Promise<string> {
  const cyclePath = join(dataDir, checkVenue(venue), LAST_CYCLE_FILE);
  await writeJsonFile(cyclePath, lastCycle);
  await writeJsonFile(join(dataDir, venue, STATUS_FILE), status);
  return cyclePath;
}

export async function readCollectStatus(dataDir: string, venue?: string): Promise<Record<string, unknown> | undefined> {
  const path = venue === undefined ? join(dataDir, STATUS_FILE) : join(dataDir, checkVenue(venue), STATUS_FILE);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError(`${path} cannot be read (${(e as Error).message}); the next collect cycle rewrites it`);
  }
}
