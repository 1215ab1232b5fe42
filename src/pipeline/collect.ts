import { parseTimeframe } from '../core/timeframe.js';
import type { ExchangeClient } from '../exchange/exchange-client.js';
import { storePath } from '../store/store-path.js';
import { plannedJob, type PlannedJob } from './dataset-plans.js';
import { rangeStart, type BuildRange } from './build.js';
import type { StoreOutcome } from './outcome.js';
import { PauseGate, withRetry, type RetryContext } from './retry.js';
import type { RunDeps, RunSettings } from './run-settings.js';
import { runStoreJob, runStores } from './store-job.js';

const DAY = 86_400_000;
/** How far back Binance serves its futures statistics. */

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

/** What every dataset of one collect cycle shares: settings, deps, one retry context, the exchange's clock (asked once). */
export interface CycleContext {
  readonly s: RunSettings;
  readonly deps: RunDeps;
  readonly retry: RetryContext;
  /** Now, by the exchange's clock. */
  readonly now: number;
}

export async function cycleContext(s: RunSettings, deps: RunDeps, exchange: ExchangeClient): Promise<CycleContext> {
  const retry: RetryContext = { policy: s.retry, gate: new PauseGate(), log: deps.log, signal: deps.signal };
  return { s, deps, retry, now: await withRetry('fetch exchange time', retry, () => exchange.serverTime()) };
}

/** One dataset's store job for every member, through the run's pool. */
function runForMembers(c: CycleContext, members: readonly CollectedMember[], job: PlannedJob, sourceId?: (m: CollectedMember) => string): Promise<StoreOutcome[]> {
  const tf = job.spec.dataset.perTimeframe ? job.tf.name : undefined;
  return runStores(members, c.s, c.deps, (m) => runStoreJob({
    ...job, symbol: m.market, path: storePath(c.s.dataDir, job.spec.dataset, m.market, tf), erase: false, dryRun: false,
    ...(sourceId ? { sourceId: sourceId(m) } : {}),
  }, c.s, c.deps, c.retry));
}

/** The coingecko-market dataset of every member CoinGecko knows (a fallback universe's members it does not). */
export function collectMarketData(c: CycleContext, members: readonly CollectedMember[], days: number): Promise<StoreOutcome[]> {
  const today = Math.floor(c.now / DAY) * DAY;
  const job = plannedJob('coingecko-market', parseTimeframe('1d'), 'coingecko', async () => c.now, { since: today - days * DAY });
  return runForMembers(c, members.filter((m) => !m.id.includes(':')), job, (m) => m.id);
}

/** Every member's funding settlements: the whole history from listing once, then what follows the last stored one. */
export function collectFunding(c: CycleContext, members: readonly CollectedMember[]): Promise<StoreOutcome[]> {
  return runForMembers(c, members, plannedJob('funding', parseTimeframe('1h'), c.s.exchange, async () => c.now, {}));
}

/** Every member's futures statistic at `period`: the exchange's 30 days, then whatever follows the last stored row. */
export function collectStatistic(c: CycleContext, dataset: string, members: readonly CollectedMember[], period: string): Promise<StoreOutcome[]> {
  return runForMembers(c, members, plannedJob(dataset, parseTimeframe(period), c.s.exchange, async () => c.now, {}));
}

/** Every member's mark-price or premium-index klines at `period` over the collect's range, extended like candles. */
export function collectPriceKlines(c: CycleContext, dataset: string, members: readonly CollectedMember[], period: string, range: BuildRange): Promise<StoreOutcome[]> {
  const tf = parseTimeframe(period);
  const since = rangeStart(range, Math.min(range.until ?? c.now, c.now));
  return runForMembers(c, members, plannedJob(dataset, tf, c.s.exchange, async () => c.now, { since: Math.ceil(since / tf.ms) * tf.ms, until: range.until }));
}
