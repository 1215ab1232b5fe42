import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonFile } from './json-file.js';

/**
 * Rate limits an exchange published (`exchangeInfo.rateLimits`, the weight header's window), kept in
 * `<dataDir>/.qml-limits.json` by API origin. A run that starts while another is spending the budget
 * knows the real limit before its first request instead of assuming the documented one; the used
 * weight itself needs no file, every response carries it.
 */
export interface LearnedLimit {
  readonly limit: number;
  readonly windowMs: number;
}

type LimitsFile = Record<string, Record<string, LearnedLimit>>;

const FILE = '.qml-limits.json';

/** The limits learned for an API origin and venue (`exchange#<venue>`, `http://127.0.0.1:8787#<venue>`), by family; none when unknown. */
export async function readLearnedLimits(dataDir: string, origin: string): Promise<Record<string, LearnedLimit>> {
  return (await readAll(dataDir))[origin] ?? {};
}

/**
 * Record a family's limit for an origin (atomic; concurrent runs write the same facts). Only into a data
 * folder that exists: a run that writes nothing (a dry run) creates no folder for it.
 */
export async function saveLearnedLimit(dataDir: string, origin: string, family: string, limit: LearnedLimit): Promise<void> {
  if (!(await stat(dataDir).then((s) => s.isDirectory(), () => false))) return;
  const all = await readAll(dataDir);
  const known = all[origin]?.[family];
  if (known && known.limit === limit.limit && known.windowMs === limit.windowMs) return;
  all[origin] = { ...all[origin], [family]: { limit: limit.limit, windowMs: limit.windowMs } };
  await writeJsonFile(join(dataDir, FILE), all);
}

async function readAll(dataDir: string): Promise<LimitsFile> {
  try {
    const parsed = JSON.parse(await readFile(join(dataDir, FILE), 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as LimitsFile : {};
  } catch {
    return {}; // none yet, or unreadable: the documented limits apply until the exchange says otherwise
  }
}
