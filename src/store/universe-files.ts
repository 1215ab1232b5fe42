import { documentNames } from './documents.js';
import { createJsonFile, readJsonFile, writeJsonFile } from './json-file.js';
import { childPath } from './object-store.js';
import { checkVenue } from './store-path.js';

/**
 * A venue's universe in its data folder (on disk or in a bucket): `<dataDir>/<venue>/universe/current.json` (the one in force, replaced
 * atomically) and a dated snapshot per refresh, `<dataDir>/<venue>/universe/<YYYY-MM-DD>.json`, kept for
 * `universe diff`. A universe an earlier version kept at `<dataDir>/universe/` is read there while the
 * venue has none of its own, when it is that venue's (its `exchange`, or one of the venue's `aliases`).
 */
const DIR = 'universe';
const CURRENT = 'current.json';

/** A JSON document the universe module defines; the store only keeps it. */
export type UniverseDocument = { readonly date: string } & Record<string, unknown>;

/** The folder of a venue's universe: its own, or the legacy one when only that one holds the venue's. */
async function folderOf(dataDir: string, venue: string, names: readonly string[]): Promise<string> {
  const own = childPath(dataDir, checkVenue(venue), DIR);
  if (await readDocument(childPath(own, CURRENT)).catch(() => undefined)) return own;
  const legacy = await readDocument(childPath(dataDir, DIR, CURRENT)).catch(() => undefined);
  return legacy && names.includes(String(legacy['exchange'])) ? childPath(dataDir, DIR) : own;
}

/** The universe in force for a venue (`names`: its id and aliases), or undefined. */
export async function readCurrentUniverse(dataDir: string, venue: string, names: readonly string[] = [venue]): Promise<UniverseDocument | undefined> {
  return readDocument(childPath(await folderOf(dataDir, venue, names), CURRENT));
}

/** A venue's snapshot of a date (`YYYY-MM-DD`), or undefined when none was taken that day. */
export async function readUniverseSnapshot(dataDir: string, venue: string, date: string, names: readonly string[] = [venue]): Promise<UniverseDocument | undefined> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  return readDocument(childPath(await folderOf(dataDir, venue, names), `${date}.json`));
}

/** Dates of a venue's snapshots kept, oldest first. */
export async function universeSnapshotDates(dataDir: string, venue: string, names: readonly string[] = [venue]): Promise<string[]> {
  const names2 = await documentNames(await folderOf(dataDir, venue, names));
  return names2.filter((n) => /^\d{4}-\d{2}-\d{2}\.json$/.test(n)).map((n) => n.slice(0, 10)).sort();
}

/**
 * Keep a venue's refresh: its dated snapshot first, then the current universe (each write atomic), in the
 * venue's folder. With `shared` (several collectors, one folder) the day's snapshot is only created, never
 * replaced: a collector that finds another's snapshot of the day adopts it, so every shard splits the same
 * members. Returns the universe kept.
 */
export async function writeUniverse<D extends UniverseDocument>(dataDir: string, venue: string, doc: D, o: { shared?: boolean } = {}): Promise<D> {
  const dir = childPath(dataDir, checkVenue(venue), DIR);
  const dated = childPath(dir, `${doc.date}.json`);
  if (!o.shared) await writeJsonFile(dated, doc);
  else if (!(await createJsonFile(dated, doc))) {
    const kept = await readDocument(dated);
    if (kept) return kept as D;
  }
  await writeJsonFile(childPath(dir, CURRENT), doc);
  return doc;
}

function readDocument(path: string): Promise<UniverseDocument | undefined> {
  return readJsonFile<UniverseDocument>(path, 'remove it and run universe refresh');
}
