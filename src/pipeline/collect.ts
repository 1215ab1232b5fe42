import { createHash } from 'node:crypto';
import { ExchangeError, InterruptedError } from '../core/errors.js';
import { UniverseTooSmallError } from '../universe/current-universe.js';
import { isoUtc } from '../core/time-format.js';
import { readCollectStatus, writeCollectStatus, type Shard } from '../store/collect-status.js';
import { runBuild, type BuildRange } from './build.js';
import type { Reach } from './dataset-plans.js';
import type { StoreOutcome } from './outcome.js';
import type { RunDeps, RunSettings } from './run-settings.js';

const DAY = 86_400_000;

/** A universe member as the collector needs it: its market, and its CoinGecko id (`exchange:…` for a fallback member). */
export interface CollectedMember {
  readonly id: string;
  readonly market: string;
}

/** One collect cycle in numbers: what the summary line, `--json`, the status file and `--on-complete` get. */
export interface CycleSummary {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly universe: {
    readonly date: string; readonly createdAt: string; readonly source: string; readonly refreshed: boolean; readonly members: number;
    /** Members missing to the size asked, and why the coins looked at were left out (by reason, a count each). */
    readonly shortfall?: { readonly missing: number; readonly reasons: Readonly<Record<string, number>> };
    /** With `--shard K/N`: this collector's shard and how many of the members are its. */
    readonly shard?: { readonly k: number; readonly n: number; readonly members: number };
  };
  /** Stores already holding the last closed candle, extended, built from nothing, failed. */
  readonly stores: { readonly fresh: number; readonly updated: number; readonly built: number; readonly failed: number };
  readonly rowsAdded: number;
  /** Weight spent per API family. */
  readonly weight: Readonly<Record<string, number>>;
  readonly failures: readonly { readonly dataset?: string; readonly symbol: string; readonly timeframe: string | null; readonly error: string }[];
  /** A cycle that could not run at all (the exchange unreachable, a universe too small): its error. */
  readonly error?: string;
  /** What stopped it: `exchange` (exit 3 when not looping) or `universe` (exit 1). */
  readonly errorKind?: 'exchange' | 'universe';
}

/** Count a cycle's store outcomes. Pure. */
export function summarizeStores(outcomes: readonly StoreOutcome[]): Pick<CycleSummary, 'stores' | 'rowsAdded' | 'failures'> {
  const stores = { fresh: 0, updated: 0, built: 0, failed: 0 };
  let rowsAdded = 0;
  for (const o of outcomes) {
    if (o.status === 'failed') stores.failed++;
    else if (o.status === 'written' && o.rows === (o.appended ?? 0) + (o.prepended ?? 0)) stores.built++;
    else if (o.status === 'written') stores.updated++;
    else stores.fresh++;
    rowsAdded += (o.appended ?? 0) + (o.prepended ?? 0);
  }
  const failures = outcomes.filter((o) => o.status === 'failed').map((o) => ({ dataset: o.dataset ?? 'ohlcv', symbol: o.symbol, timeframe: o.timeframe, error: o.error?.message ?? 'failed' }));
  return { stores, rowsAdded, failures };
}

/**
 * When the next cycle starts: `every` after this one started (at once when the cycle took longer); with
 * `at` (`HH:MM` UTC), the next such time of day after now that is about `every` after this start. Pure.
 */
export function nextCycleAt(startedAt: number, now: number, everyMs: number, at?: { hour: number; minute: number }): number {
  if (!at) return Math.max(now, startedAt + everyMs);
  const day = 86_400_000;
  const todayAt = Math.floor(now / day) * day + (at.hour * 60 + at.minute) * 60_000;
  let next = todayAt > now ? todayAt : todayAt + day;
  while (next < startedAt + everyMs - day / 2) next += day; // every 2 days at 00:15: skip the day in between
  return next;
}

/** The universe a cycle collects for: its summary, and its members' markets and CoinGecko ids. */
export interface CycleUniverse {
  readonly summary: CycleSummary['universe'];
  /** Members: the market, and the CoinGecko id (`exchange:…` for a member of a fallback ranking). */
  readonly members: readonly { readonly id: string; readonly market: string }[];
}

/** What one cycle collects. */
export interface CollectRequest {
  readonly datasets: readonly string[];
  readonly timeframes: readonly string[];
  /** How far candles and mark/premium klines reach back. */
  readonly range: BuildRange;
  /** How far the coingecko-market dataset reaches back, in days. */
  readonly marketDays: number;
  /** This collector's share of the universe when several split it (`--shard K/N`): the members shardOf gives it. */
  readonly shard?: Shard;
}

/**
 * The shard (1..n) that collects a venue's member: from a hash (SHA-256) of the venue and the market, so
 * the split is the same on every machine and every day, whatever the universe's order, and a member keeps
 * its shard (and the shard's checkpoints and cache) while it stays in the universe. Pure.
 */
export function shardOf(venue: string, market: string, n: number): number {
  return (createHash('sha256').update(`${venue} ${market}`).digest().readUInt32BE(0) % n) + 1;
}

/** What a cycle talks to beyond a build's deps: the universe (reused or refreshed), and the weight spent. */
export interface CycleDeps extends RunDeps {
  readonly universe: () => Promise<CycleUniverse>;
  readonly weightSpent: () => Readonly<Record<string, number>>;
}

/**
 * How far each dataset reaches in a collect: candles, price klines and the futures statistics over the
 * range (`--days`; a statistic never before what the venue serves, its archive included when the run
 * reads archives: the venue profile's `archiveFrom`, else its `servedFrom`); funding from listing;
 * CoinGecko's data over `marketDays` days. Once kept, every series is only extended forward.
 */
export function collectReach(r: CollectRequest): (dataset: string, _tf: unknown, now: number) => Reach | undefined {
  return (dataset, _tf, now) => {
    if (dataset === 'coingecko-market') return { since: Math.floor(now / DAY) * DAY - r.marketDays * DAY };
    if (dataset === 'funding') return {};
    return undefined;
  };
}

/**
 * One collect cycle: the universe (reused or refreshed), then every member's stores of every dataset
 * through the one build path (its foreign-store and unlisted-symbol checks, one pool, one weight budget).
 * An exchange outage or a universe too small fails the cycle (its summary says why), not the process.
 */
export async function runCollectCycle(r: CollectRequest, s: RunSettings, deps: CycleDeps): Promise<{ summary: CycleSummary; outcomes: StoreOutcome[] }> {
  const startedAt = Date.now();
  let universe: CycleUniverse['summary'] = { date: '', createdAt: '', source: '', refreshed: false, members: 0 };
  try {
    const u = await deps.universe();
    universe = u.summary;
    const shard = r.shard;
    const members = shard ? u.members.filter((m) => shardOf(s.exchange, m.market, shard.n) === shard.k) : u.members;
    if (shard) universe = { ...universe, shard: { ...shard, members: members.length } };
    const outcomes = members.length === 0 ? [] : await runBuild({
      symbols: members.map((m) => m.market), timeframes: r.timeframes, datasets: r.datasets, range: r.range, dryRun: false,
      reach: collectReach(r), sourceIds: new Map(members.filter((m) => !m.id.includes(':')).map((m) => [m.market, m.id])),
    }, s, deps);
    return { outcomes, summary: { ...times(startedAt), universe, ...summarizeStores(outcomes), weight: deps.weightSpent() } };
  } catch (e) {
    if (e instanceof InterruptedError || !(e instanceof ExchangeError || e instanceof UniverseTooSmallError)) throw e;
    // an exchange outage fails this cycle, not the process: the next cycle catches up
    deps.log.error({ err: (e as Error).message }, 'the cycle failed');
    const errorKind = e instanceof UniverseTooSmallError ? 'universe' as const : 'exchange' as const;
    return { outcomes: [], summary: { ...times(startedAt), universe, stores: { fresh: 0, updated: 0, built: 0, failed: 0 }, rowsAdded: 0, weight: deps.weightSpent(), failures: [], error: (e as Error).message, errorKind } };
  }
}

function times(startedAt: number): Pick<CycleSummary, 'startedAt' | 'finishedAt' | 'durationMs'> {
  const now = Date.now();
  return { startedAt: new Date(startedAt).toISOString(), finishedAt: new Date(now).toISOString(), durationMs: now - startedAt };
}

/** Cycles a venue's status file keeps (for `report`'s collector section). */
export const KEPT_CYCLES = 90;

/**
 * A venue's status file after a cycle: the universe, the last cycle, the next one, and every store collected,
 * one entry per store (dataset, symbol, timeframe). Returns the path of the last cycle's summary.
 */
export async function keepCollectStatus(dataDir: string, venue: string, s: CycleSummary, outcomes: readonly StoreOutcome[], next: number | undefined, shard?: Shard): Promise<string> {
  const before = await readCollectStatus(dataDir, venue, shard).catch(() => undefined);
  // entries of earlier versions, keyed without their dataset, are not carried over: they were ambiguous
  const kept = Object.entries((before?.['stores'] ?? {}) as Record<string, { dataset?: string }>).filter(([, v]) => v.dataset !== undefined);
  const stores: Record<string, unknown> = Object.fromEntries(kept);
  for (const o of outcomes) {
    const dataset = o.dataset ?? 'ohlcv';
    stores[`${dataset} ${o.symbol} ${o.timeframe ?? ''}`.trim()] = { dataset, symbol: o.symbol, timeframe: o.timeframe, status: o.status, rows: o.rows, last: o.last, error: o.error?.message ?? null, at: s.finishedAt };
  }
  // the recent cycles for the report: each summary with its failures counted, not listed
  const { failures, ...summary } = s;
  const cycles = [...((before?.['cycles'] ?? []) as unknown[]), { ...summary, failed: failures.length }].slice(-KEPT_CYCLES);
  const status = { exchange: venue, ...(shard ? { shard } : {}), universe: s.universe, lastCycle: s, nextCycle: next === undefined ? null : isoUtc(next), stores, cycles };
  return writeCollectStatus(dataDir, venue, status, s, shard);
}
