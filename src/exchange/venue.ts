import { readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../core/errors.js';
import type { SeriesFrame } from '../core/dataset.js';
import type { Log } from '../core/log.js';
import type { Pager } from '../core/pager.js';
import type { Timeframe } from '../core/timeframe.js';
import type { LiquidationFeed } from '../liquidations/feed.js';
import type { ExchangeClient, MarketInfo } from './exchange-client.js';
import type { WindowLimit } from './weight-scheduler.js';

/** What a venue dataset's fetcher gets for one store: the venue's client, the market, the run's archives. */
export interface VenueSource {
  readonly client: ExchangeClient;
  readonly market: MarketInfo;
  /** The venue's archive reader for this run (what its profile's `archives.open` made), when `--archives` allows. */
  readonly archives?: object;
}

/** How a venue serves one dataset: where its history starts, at which periods, and a pager over it. */
export interface VenueDataset {
  /** The timeframes (periods) it is served at; undefined: the venue's candle timeframes. */
  readonly timeframes?: readonly string[];
  /** The markets it exists for: perpetuals only, or spot markets too. */
  readonly markets: 'perpetual' | 'any';
  /** What the venue sends and how it becomes the store's columns (units, conversions), for `qml-data venues` and the docs. */
  readonly served: string;
  /**
   * The earliest open time the venue still serves at `now` (a rolling window of history, and a floor of
   * its own); undefined: from listing. What a store misses before it is recorded as unrecoverable.
   */
  servedFrom?(now: number, tf: Timeframe): number;
  /** The earliest open the venue's archive holds at `tf` (when a run reads archives); undefined: none. */
  archiveFrom?(tf: Timeframe): number | undefined;
  /** A pager over its rows in [cursor, until): one request a page, rows ascending, limited to the span. */
  pager(src: VenueSource, tf: Timeframe, until: number): Pager<SeriesFrame>;
}

/** What one answer tells the request scheduler. */
export interface BudgetObservation {
  /** The weight the IP has spent in the window, as the venue reports it (a header). */
  readonly reported?: number;
  /** A limit or window the venue published. */
  readonly learn?: Partial<WindowLimit>;
  /** The venue refused for its limit: pause the budget this long (undefined: its window). */
  readonly refused?: { readonly retryAfterMs?: number };
}

/** A venue's request budgets: how its REST requests are counted, and what its answers say of them. */
export interface VenueBudget {
  /** The budgets known up front, by name. */
  readonly limits: Readonly<Record<string, WindowLimit>>;
  /** The rules in a line, for `qml-data venues` and the docs. */
  readonly summary: string;
  /** A budget made on demand (per endpoint and instrument); undefined: the request is not limited. */
  limitOf?(family: string): WindowLimit | undefined;
  /** The budget a request spends, and its weight; undefined: not counted. */
  cost(url: string): { readonly family: string; readonly weight: number } | undefined;
  /** What an answer says: spent weight, a published limit, a refusal (also one served with HTTP 200). */
  observe(a: { readonly status: number; readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly body: string }): BudgetObservation;
}

/** The venue's archives of bulk files, read where a run allows (`--archives auto|only`). */
export interface VenueArchives {
  /** The public host, when no --api-url points elsewhere. */
  readonly realBase: string;
  open(o: { readonly base: string; readonly cacheDir: string; readonly mode: 'auto' | 'only'; readonly log: Log; readonly writeCache: boolean; readonly downloads: number }): object;
}

/**
 * Every fact of one exchange, in one place: `exchange/<venue>/profile.ts`. The pipeline, the store, the
 * datasets, validation, the sink and the CLI ask the profile and never name a venue. A new venue is one
 * folder here (its profile) and one under `sim/` (its dialect): both are found by their folders.
 */
export interface VenueProfile {
  /** The venue's id: the store folder, the footer's `qml.exchange`, `--exchange`. */
  readonly id: string;
  /** How people write it (its brand name). */
  readonly name: string;
  /** The venue a command talks to when none is named (one profile says so). */
  readonly isDefault?: boolean;
  /** Names its stores went by in earlier versions' footers. */
  readonly aliases: readonly string[];
  /** The ccxt class that speaks its REST API (ccxt is imported in one file only: exchange/ccxt-client.ts). */
  readonly ccxtId: string;
  /** Options for that ccxt class (which markets to load). */
  readonly ccxtOptions?: Readonly<Record<string, unknown>>;
  /** Its request budgets; undefined: ccxt's own throttle spaces its requests. */
  readonly budget?: VenueBudget;
  /** A 200 answer that is no whole answer (a cut-off or maintenance page): refused, to be asked again. */
  malformed?(body: string): boolean;
  /** The candle timeframes it serves (ccxt names), shortest first. */
  readonly timeframes: readonly string[];
  /** Candles asked for per request for a market type: the page with the lowest cost per candle. */
  candlesPerPage(marketType: string): number;
  /** The datasets it serves, by dataset name, and how. */
  readonly datasets: Readonly<Record<string, VenueDataset>>;
  /** What a market is, from the venue's own fields (`info`): a standard coin contract or not, and on which coin. */
  marketKind?(info: Readonly<Record<string, unknown>>, type: string): { coinContract: boolean; kind?: string; coin?: { ticker: string; multiplier: number } };
  /** CoinGecko ids whose ticker on this venue is not the coin's symbol (`raydium` → `RAYSOL`), with sources. */
  readonly coinAliases?: Readonly<Record<string, string>>;
  /** Its archives of bulk files, where it has any. */
  readonly archives?: VenueArchives;
  /** Its liquidation stream, where it has one. */
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

/** The venue commands talk to when none is named. */
export function defaultVenue(): VenueProfile {
  return allVenues().find((v) => v.isDefault) ?? allVenues()[0]!;
}

/** How a venue serves a dataset; a usage error naming venue and dataset when it does not. */
export function servedDataset(venue: VenueProfile, dataset: string): VenueDataset {
  const d = venue.datasets[dataset];
  if (!d) {
    const served = Object.keys(venue.datasets);
    throw new UsageError(`--datasets ${dataset}: ${venue.name} does not serve it (${venue.id} serves ${served.join(', ')})`);
  }
  return d;
}
