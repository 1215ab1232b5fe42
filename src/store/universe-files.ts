import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../core/errors.js';
import { writeJsonFile } from './json-file.js';
import { checkVenue } from './store-path.js';

/**
 * A venue's universe on disk: `<dataDir>/<venue>/universe/current.json` (the one in force, replaced
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
  const own = join(dataDir, checkVenue(venue), DIR);
  if (await readDocument(join(own, CURRENT)).catch(() => undefined)) return own;
  const legacy = await readDocument(join(dataDir, DIR, CURRENT)).catch(() => undefined);
  return legacy && names.includes(String(legacy['exchange'])) ? join(dataDir, DIR) : own;
}

/** The universe in force for a venue (`names`: its id and aliases), or undefined. */
export async function readCurrentUniverse(dataDir: string, venue: string, names: readonly string[] = [venue]): Promise<UniverseDocument | undefined> {
  return readDocument(join(await folderOf(dataDir, venue, names), CURRENT));
}

/** A venue's snapshot of a date (`YYYY-MM-DD`), or undefined when none was taken that day. */
export async function readUniverseSnapshot(dataDir: string, venue: string, date: string, names: readonly string[] = [venue]): Promise<UniverseDocument | undefined> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  return readDocument(join(await folderOf(dataDir, venue, names), `${date}.json`));
}

/** Dates of a venue's snapshots kept, oldest first. */
export async function universeSnapshotDates(dataDir: string, venue: string, names: readonly string[] = [venue]): Promise<string[]> {
  const names2 = await readdir(await folderOf(dataDir, venue, names)).catch(() => [] as string[]);
  return names2.filter((n) => /^\d{4}-\d{2}-\d{2}\.json$/.test(n)).map((n) => n.slice(0, 10)).sort();
}

/** Keep a venue's refresh: its dated snapshot first, then the current universe (each write atomic), in the venue's folder. */
export async function writeUniverse(dataDir: string, venue: string, doc: UniverseDocument): Promise<void> {
  const dir = join(dataDir, checkVenue(venue), DIR);
  await writeJsonFile(join(dir, `${doc.date}.json`), doc);
  await writeJsonFile(join(dir, CURRENT), doc);
}

async function readDocument(path: string): Promise<UniverseDocument | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as UniverseDocument;
  } catch {
    throw new StoreError(`${path} is not valid JSON; remove it and run universe refresh`);
  }
}
