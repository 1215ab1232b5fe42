import { parseTimeframe } from '../core/timeframe.js';
import { COINGECKO_MARKET } from '../datasets/coingecko-market.js';
import { FUNDING } from '../datasets/funding.js';
import type { ExchangeClient } from '../exchange/exchange-client.js';
import { storePath } from '../store/store-path.js';
import { COINGECKO_MARKET_JOB } from './coingecko-market-job.js';
import { FUNDING_JOB } from './funding-job.js';
import { STATISTICS_JOBS } from './statistics-job.js';
import { PRICE_KLINES_JOBS } from './price-klines-job.js';
import type { StoreOutcome } from './outcome.js';
import { PauseGate, withRetry, type RetryContext } from './retry.js';
import type { RunDeps, RunSettings } from './run-settings.js';
import { runStoreJob, runStores } from './store-job.js';

const DAY = 86_400_000;
/** How far back Binance serves its futures statistics. */
const STATISTICS_WINDOW = 30 * DAY;

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
  readonly universe: { readonly date: string; readonly createdAt: string; readonly source: string; readonly refreshed: boolean; readonly members: number };
  /** Stores already holding the last closed candle, extended, built from nothing, failed. */
  readonly stores: { readonly fresh: number; readonly updated: number; readonly built: number; readonly failed: number };
  readonly rowsAdded: number;
  /** Weight spent per API family. */
  readonly weight: Readonly<Record<string, number>>;
  readonly failures: readonly { readonly symbol: string; readonly timeframe: string | null; readonly error: string }[];
  /** A cycle that could not run at all (the exchange unreachable): its error. */
  readonly error?: string;
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
  const failures = outcomes.filter((o) => o.status === 'failed').map((o) => ({ symbol: o.symbol, timeframe: o.timeframe, error: o.error?.message ?? 'failed' }));
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

/** The coingecko-market dataset of every member CoinGecko knows (a fallback universe's members it does not). */
export async function collectMarketData(members: readonly CollectedMember[], days: number, s: RunSettings, deps: RunDeps, exchange: ExchangeClient): Promise<StoreOutcome[]> {
  const retry: RetryContext = { policy: s.retry, gate: new PauseGate(), log: deps.log, signal: deps.signal };
  const today = Math.floor((await withRetry('fetch exchange time', retry, () => exchange.serverTime())) / DAY) * DAY;
  const known = members.filter((m) => !m.id.includes(':'));
  return runStores(known, s, deps, (m) => runStoreJob({
    spec: COINGECKO_MARKET_JOB, symbol: m.market, sourceId: m.id, tf: parseTimeframe('1d'), path: storePath(s.dataDir, COINGECKO_MARKET, m.market),
    exchange: 'coingecko', window: async () => ({ since: today - days * DAY, until: today }), erase: false, dryRun: false,
  }, s, deps, retry));
}

/** Every member's funding settlements, the whole history from listing (a few requests per symbol). */
export async function collectFunding(members: readonly CollectedMember[], s: RunSettings, deps: RunDeps, exchange: ExchangeClient): Promise<StoreOutcome[]> {
  const retry: RetryContext = { policy: s.retry, gate: new PauseGate(), log: deps.log, signal: deps.signal };
  const now = await withRetry('fetch exchange time', retry, () => exchange.serverTime());
  return runStores(members, s, deps, (m) => runStoreJob({
    // settlements fall on whole hours: the planner steps from the last one by an hour
    spec: FUNDING_JOB, symbol: m.market, tf: parseTimeframe('1h'), path: storePath(s.dataDir, FUNDING, m.market),
    // the whole history from listing once; after that only what follows the last stored settlement
    exchange: s.exchange, window: async (stored) => ({ since: stored ? undefined : 0, until: now + 1 }), erase: false, dryRun: false,
  }, s, deps, retry));
}

/** Every member's futures statistic at `period`: the exchange's 30 days, then whatever follows the last stored row. */
export async function collectStatistic(dataset: string, members: readonly CollectedMember[], period: string, s: RunSettings, deps: RunDeps, exchange: ExchangeClient): Promise<StoreOutcome[]> {
  const spec = STATISTICS_JOBS[dataset]!;
  const retry: RetryContext = { policy: s.retry, gate: new PauseGate(), log: deps.log, signal: deps.signal };
  const now = await withRetry('fetch exchange time', retry, () => exchange.serverTime());
  const tf = parseTimeframe(period);
  // a period opening at the window's edge may already be dropped by the exchange: start one period in
  const servedFrom = Math.ceil((now - STATISTICS_WINDOW) / tf.ms) * tf.ms + tf.ms;
  return runStores(members, s, deps, (m) => runStoreJob({
    spec, symbol: m.market, tf, path: storePath(s.dataDir, spec.dataset, m.market, tf.name),
    exchange: s.exchange, servedFrom, window: async () => ({ since: servedFrom, until: Math.floor(now / tf.ms) * tf.ms }), erase: false, dryRun: false,
  }, s, deps, retry));
}

/** Every member's mark-price or premium-index klines at `period` over the last `days`, extended like candles. */
export async function collectPriceKlines(dataset: string, members: readonly CollectedMember[], period: string, days: number, s: RunSettings, deps: RunDeps, exchange: ExchangeClient): Promise<StoreOutcome[]> {
  const spec = PRICE_KLINES_JOBS[dataset]!;
  const retry: RetryContext = { policy: s.retry, gate: new PauseGate(), log: deps.log, signal: deps.signal };
  const now = await withRetry('fetch exchange time', retry, () => exchange.serverTime());
  const tf = parseTimeframe(period);
  const until = Math.floor(now / tf.ms) * tf.ms;
  return runStores(members, s, deps, (m) => runStoreJob({
    spec, symbol: m.market, tf, path: storePath(s.dataDir, spec.dataset, m.market, tf.name),
    exchange: s.exchange, window: async () => ({ since: Math.ceil((now - days * DAY) / tf.ms) * tf.ms, until }), erase: false, dryRun: false,
  }, s, deps, retry));
}
