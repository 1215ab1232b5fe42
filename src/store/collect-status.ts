import { documentNames } from './documents.js';
import { readJsonFile, writeJsonFile } from './json-file.js';
import { childPath, localStateDir } from './object-store.js';
import { checkVenue } from './store-path.js';

/**
 * What `qml-data status` prints, kept by `collect` for each venue in `<dataDir>/<venue>/collect-status.json`
 * after every cycle: the last cycle's summary, when the next one starts, the universe, and per store its
 * last row and last error. A collector that runs one shard of several (`--shard 2/3`) keeps its own,
 * `collect-status-shard-2-of-3.json`, beside the others' (in a local folder or a bucket alike).
 * The last cycle's summary, what `--on-complete` reads, is `collect-last-cycle.json` (with the shard's
 * suffix) in the venue's folder of this machine's state (the data folder itself when it is local).
 * A status an earlier version kept at `<dataDir>/collect-status.json` is read there (`venue` undefined).
 */
export const STATUS_FILE = 'collect-status.json';
export const LAST_CYCLE_FILE = 'collect-last-cycle.json';

/** One of N collectors sharing a data folder: shard `k` of `n` (1-based). */
export interface Shard { readonly k: number; readonly n: number }

const SHARD_FILE = /^collect-status-shard-(\d+)-of-(\d+)\.json$/;

/** A file name with a shard's suffix (`collect-status.json` → `collect-status-shard-2-of-3.json`); unchanged without one. */
export function suffixed(name: string, shard: Shard | undefined): string {
  return shard ? name.replace(/\.json$/, `-shard-${shard.k}-of-${shard.n}.json`) : name;
}

/** Keep a venue's status (in the data folder) and its last cycle's summary (on this machine); returns the summary's path. */
export async function writeCollectStatus(dataDir: string, venue: string, status: object, lastCycle: object, shard?: Shard): Promise<string> {
  const cyclePath = childPath(localStateDir(dataDir), checkVenue(venue), suffixed(LAST_CYCLE_FILE, shard));
  await writeJsonFile(cyclePath, lastCycle);
  await writeJsonFile(childPath(dataDir, venue, suffixed(STATUS_FILE, shard)), status);
  return cyclePath;
}

/** A venue's status, or one shard's; undefined when none was kept. */
export async function readCollectStatus(dataDir: string, venue?: string, shard?: Shard): Promise<Record<string, unknown> | undefined> {
  const path = venue === undefined ? childPath(dataDir, STATUS_FILE) : childPath(dataDir, checkVenue(venue), suffixed(STATUS_FILE, shard));
  return readJsonFile<Record<string, unknown>>(path, 'the next collect cycle rewrites it');
}

/** Every status kept for a venue: the unsharded collector's and each shard's, shards in order. */
export async function readCollectStatuses(dataDir: string, venue: string): Promise<{ shard?: Shard; status: Record<string, unknown> }[]> {
  const names = await documentNames(childPath(dataDir, checkVenue(venue)));
  const shards = names.map((n) => SHARD_FILE.exec(n)).filter((m) => m !== null).map((m) => ({ k: Number(m[1]), n: Number(m[2]) }))
    .sort((a, b) => a.n - b.n || a.k - b.k);
  const out: { shard?: Shard; status: Record<string, unknown> }[] = [];
  for (const shard of [undefined, ...shards]) {
    const status = await readCollectStatus(dataDir, venue, shard);
    if (status) out.push({ ...(shard ? { shard } : {}), status });
  }
  return out;
}
