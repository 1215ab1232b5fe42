import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FaultKind } from './faults.js';
import type { LiquidationStream } from './liquidation-stream.js';
import type { MarketCatalog } from './market-catalog.js';
import type { PageCache } from './page-cache.js';
import type { RateLimitConfig } from './rate-limiter.js';
import type { Route, Router, SimResponse } from './router.js';
import type { SimCoin } from './coingecko/coin-market.js';

/** What a dialect gets from the simulator it runs in: the one market model, the clock, the options. */
export interface DialectContext {
  readonly catalog: MarketCatalog;
  readonly now: () => number;
  readonly seed: number;
  /** Immutable pages already served (keys include the dialect). */
  readonly pageCache: PageCache;
  /** Clock of the rate-limit windows (default: real time). */
  readonly rateClock?: () => number;
  /** Limits of the dialect's budgets, by its own family names, where a test or `sim` changes them. */
  readonly rateLimits?: Readonly<Record<string, Partial<RateLimitConfig>>>;
  /** The simulated CoinGecko market (universe mode), for the dialects that list its coins. */
  readonly coins: readonly SimCoin[];
  /** How often liquidations happen, relative to the default (the bench raises it). */
  readonly liquidationRate?: number;
  /** Options of one dialect (its archives' faults…), by dialect id. */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** What a request costs, and whether it may pass. */
export interface Charge {
  /** The budget it is counted in (the dialect's family names). */
  readonly family: string;
  readonly weight: number;
  /** Headers every answer to it carries (a used-weight header). */
  readonly headers: Record<string, string>;
  /** The venue's refusal when the budget is spent (a 429, a 403 ban, a refusal in an HTTP 200). */
  readonly refusal?: SimResponse & { readonly headers?: Record<string, string> };
}

/** A dialect running in a simulator: its routes, budgets, errors, faults, and stream. */
export interface RunningDialect {
  readonly id: string;
  readonly router: Router;
  /** Whether a request path is this dialect's (its API's path prefixes). */
  owns(path: string): boolean;
  /** Count a request in its budget. */
  charge(path: string, query: URLSearchParams, route: Route | undefined): Charge;
  /** The answer to a path it has no route for, and to a route that threw. */
  notFound(method: string, path: string): SimResponse;
  internalError(message: string): SimResponse;
  /** The market a request names (its id), for faults aimed at one symbol. */
  symbolOf(query: URLSearchParams): string | null;
  /** The venue's own answer for a fault that replaces the answer (a 429, a 500…), or undefined: the generic one. */
  faultReply(kind: FaultKind, retryAfterSeconds: number): (SimResponse & { readonly headers?: Record<string, string> }) | undefined;
  /** A successful answer spoiled as the fault says (rows dropped, shuffled, impossible values), in the venue's shape. */
  mangle(kind: FaultKind, reply: SimResponse, rng: () => number): SimResponse;
  /** A request changed before it is answered (a page reaching back, a market delisted). */
  rewrite(kind: FaultKind, path: string, query: URLSearchParams): void;
  /** Its liquidation stream, and the upgrades it takes. */
  readonly stream?: LiquidationStream & { upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean };
  close(): void;
}

/**
 * One venue's dialect (or another source's: CoinGecko), in its folder `sim/<id>/dialect.ts`: found by its
 * folder, like the venue profiles. A new venue is one profile folder and one dialect folder.
 */
export interface SimDialect {
  readonly id: string;
  /** A venue's dialect (`--exchange` picks among them), or another source's, always served. */
  readonly kind: 'venue' | 'source';
  /** The dialect `sim.liquidations` means when none is named. */
  readonly isDefault?: boolean;
  start(ctx: DialectContext): RunningDialect;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The dialects that have a folder, sorted. */
export function dialectIds(): string[] {
  return readdirSync(here, { withFileTypes: true })
    .filter((d) => d.isDirectory() && (existsSync(join(here, d.name, 'dialect.js')) || existsSync(join(here, d.name, 'dialect.ts'))))
    .map((d) => d.name).sort();
}

const DIALECTS: ReadonlyMap<string, SimDialect> = new Map(await Promise.all(dialectIds().map(async (id) => {
  // the compiled dialect, or its source where the code runs from source (the tests)
  const file = existsSync(join(here, id, 'dialect.js')) ? 'dialect.js' : 'dialect.ts';
  const m = await import(/* @vite-ignore */ pathToFileURL(join(here, id, file)).href) as { dialect: SimDialect };
  if (m.dialect.id !== id) throw new Error(`sim/${id}/dialect: its id is "${m.dialect.id}", not its folder's name`);
  return [id, m.dialect] as const;
})));

/** Every dialect the simulator has. */
export function allDialects(): SimDialect[] {
  return [...DIALECTS.values()];
}
