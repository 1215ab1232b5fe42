import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../core/errors.js';
import { writeJsonFile } from './json-file.js';

/**
 * The universe on disk: `<dataDir>/universe/current.json` (the one in force, replaced atomically) and a
 * dated snapshot per refresh, `<dataDir>/universe/<YYYY-MM-DD>.json`, kept for `universe diff`.
 */
const DIR = 'universe';
const CURRENT = 'current.json';

/** A JSON document the universe module defines; the store only keeps it. */
export type UniverseDocument = { readonly date: string } & Record<string, unknown>;

export async function readCurrentUniverse(dataDir: string): Promise<UniverseDocument | undefined> {
  return readDocument(join(dataDir, DIR, CURRENT));
}

/** The snapshot of a date (`YYYY-MM-DD`), or undefined when none was taken that day. */
export async function readUniverseSnapshot(dataDir: string, date: string): Promise<UniverseDocument | undefined> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  return readDocument(join(dataDir, DIR, `${date}.json`));
}

/** Dates of the snapshots kept, oldest first. */
export async function universeSnapshotDates(dataDir: string): Promise<string[]> {
  const names = await readdir(join(dataDir, DIR)).catch(() => [] as string[]);
  return names.filter((n) => /^\d{4}-\d{2}-\d{2}\.json$/.test(n)).map((n) => n.slice(0, 10)).sort();
}

/** Keep a refresh: its dated snapshot first, then the current universe (each write atomic). */
export async function writeUniverse(dataDir: string, doc: UniverseDocument): Promise<void> {
  await writeJsonFile(join(dataDir, DIR, `${doc.date}.json`), doc);
  await writeJsonFile(join(dataDir, DIR, CURRENT), doc);
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
