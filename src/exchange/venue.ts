import { readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../core/errors.js';
import type { LiquidationFeed } from '../liquidations/feed.js';

/**
 * Every fact of one exchange, in one place: `exchange/<venue>/profile.ts`. The pipeline, the store, the
 * datasets, validation, the sink and the CLI ask the profile and never name a venue. A new venue is one
 * folder here (its profile) and one under `sim/` (its dialect): both are found by their folders.
 */
export interface VenueProfile {
  /** The venue's id: the store folder, the footer's `qml.exchange`, `--exchange`. */
  readonly id: string;
  /** Names its stores went by in earlier versions' footers. */
  readonly aliases: readonly string[];
  /** The ccxt class that speaks its REST API (ccxt is imported in one file only: exchange/ccxt-client.ts). */
  readonly ccxtId: string;
  /** Options for that ccxt class (which markets to load). */
  readonly ccxtOptions?: Readonly<Record<string, unknown>>;
  /** The venue's liquidation stream, where it has one. */
  readonly liquidations?: LiquidationFeed;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The venues that have a profile folder, sorted. */
export function venueIds(): string[] {
  return readdirSync(here, { withFileTypes: true })
    .filter((d) => d.isDirectory() && (existsSync(join(here, d.name, 'profile.js')) || existsSync(join(here, d.name, 'profile.ts'))))
    .map((d) => d.name).sort();
}

// every profile, loaded once when this module is (profiles are plain data and small functions: no ccxt)
const PROFILES: ReadonlyMap<string, VenueProfile> = new Map(await Promise.all(venueIds().map(async (id) => {
  // the compiled profile, or its source where the code runs from source (the tests)
  const file = existsSync(join(here, id, 'profile.js')) ? 'profile.js' : 'profile.ts';
  const m = await import(/* @vite-ignore */ pathToFileURL(join(here, id, file)).href) as { profile: VenueProfile };
  if (m.profile.id !== id) throw new Error(`exchange/${id}/profile: its id is "${m.profile.id}", not its folder's name`);
  return [id, m.profile] as const;
})));

/** Every venue's profile, by id. */
export function allVenues(): VenueProfile[] {
  return [...PROFILES.values()];
}

/** A venue's profile; a venue without one is a usage error naming the venues there are. */
export function venueProfile(id: string): VenueProfile {
  const p = PROFILES.get(id);
  if (!p) throw new UsageError(`unknown exchange "${id}" (expected one of ${[...PROFILES.keys()].join(', ')})`);
  return p;
}

/** The venue a name means: its id, or a name its stores went by (an alias); another name (a source: `coingecko`) as it is. */
export function canonicalExchange(name: string): string {
  for (const p of PROFILES.values()) if (p.id === name || p.aliases.includes(name)) return p.id;
  return name;
}

/** The names a store of this venue (or source) may carry in its footer: its id and its aliases. */
export function exchangeNames(id: string): string[] {
  return [id, ...(PROFILES.get(id)?.aliases ?? [])];
}
