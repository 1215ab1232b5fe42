import { StoreError, UsageError } from '../core/errors.js';
import { isoUtc } from '../core/time-format.js';
import { floorOpen, isAligned, nextOpen, parseTimeframe, type Timeframe } from '../core/timeframe.js';
import { resolveStorePath } from '../store/store-path.js';
import { exchangeNames, venueProfile } from '../exchange/venue.js';
import { datasetsNamed, recordOf } from '../datasets/registry.js';
import { plannedJob, type Reach } from './dataset-plans.js';
import { checkIdentity, readStoreMeta, type StoreIdentity } from '../store/store-read.js';
import { failedOutcome, type StoreOutcome } from './outcome.js';
import { PauseGate, withRetry, type RetryContext } from '../core/retry.js';
import type { RunDeps, RunSettings } from './run-settings.js';
import { runStoreJob, runStores } from './store-job.js';

/** How far back a build reaches: exactly one of the forms, resolved against the exchange's clock. */
export type BuildRange =
  | { readonly kind: 'years'; readonly years: number; readonly until?: number }
  | { readonly kind: 'days'; readonly days: number; readonly until?: number }
  | { readonly kind: 'since'; readonly since: number; readonly until?: number };

export interface BuildOptions {
  readonly symbols: readonly string[];
  readonly timeframes: readonly string[];
  /** Datasets to build (default: candles, `ohlcv`). Per-timeframe ones once per timeframe, funding once per symbol. */
  readonly datasets?: readonly string[];
  readonly range: BuildRange;
  /** Fetch the range, run everything, write nothing. */
  readonly dryRun: boolean;
  /** Replace existing stores instead of extending them. */
  readonly erase?: boolean;
  /**
   * How far each dataset reaches, when not the range (collect: funding from listing, the statistics'
   * window, CoinGecko's days); undefined: the range.
   */
  readonly reach?: (dataset: string, tf: Timeframe, now: number) => Reach | undefined;
  /** Symbol → its id at another source (the CoinGecko coin id), for datasets that come from there. */
  readonly sourceIds?: ReadonlyMap<string, string>;
}

const DAY = 86_400_000;

/**
 * Fetch, clean, derive (candles: ATR) and write a store for every dataset × symbol × timeframe. An
 * existing store is extended: only what is missing before its first and after its last row is fetched.
 */
export async function runBuild(o: BuildOptions, s: RunSettings, deps: RunDeps): Promise<StoreOutcome[]> {
  // `all`: every dataset the venue serves (CoinGecko's only when named: it follows the universe)
  const names = o.datasets ?? ['ohlcv'];
  const datasets = names.includes('all') ? datasetsNamed(['all']).filter((d) => venueProfile(s.exchange).datasets[d.name] || (o.sourceIds && recordOf(d.name)?.source === 'coingecko')) : datasetsNamed(names);
  if (!o.sourceIds && datasets.some((d) => d.name === 'coingecko-market')) throw new UsageError('--datasets coingecko-market: CoinGecko market data is kept for the universe\'s members by `collect --datasets coingecko-market`');
  // a dataset from another source is built for the symbols that source knows (CoinGecko: not a fallback member)
  const symbolsOf = (d: (typeof datasets)[number]) => (d.name === 'coingecko-market' ? o.symbols.filter((x) => o.sourceIds?.has(x)) : o.symbols);
  const wanted = datasets.flatMap((d) => symbolsOf(d).flatMap((symbol) => (d.perTimeframe ? o.timeframes : [undefined]).map((tf) => ({ d, symbol, tf }))));
  const retry: RetryContext = { policy: s.retry, gate: new PauseGate(), log: deps.log, signal: deps.signal };
  // the exchange's clock, asked once and only when a store wants its window (after its checks)
  let clock: Promise<number> | undefined;
  const now = () => (clock ??= withRetry('fetch exchange time', retry, () => deps.clientFor(s.exchange).serverTime()));
  // every plan first: a timeframe a dataset is not served at is a usage error before anything is fetched
  const targets = await Promise.all(wanted.map(async ({ d, symbol, tf }) => {
    const grid = tf === undefined ? parseTimeframe('1h') : parseTimeframe(tf);
    const job = plannedJob(d.name, grid, s.exchange, now, (t) => o.reach?.(d.name, grid, t) ?? { since: buildSpan(o, grid, t).since, until: o.range.until }, deps.archives?.has(s.exchange) ?? false);
    const path = await resolveStorePath(s.dataDir, job.exchange, d, symbol, grid.name);
    const identity = { dataset: d.name, exchange: job.exchange, exchangeAliases: exchangeNames(job.exchange), source: s.source, symbol, timeframe: d.perTimeframe ? grid.name : undefined };
    const foreign = o.erase || o.dryRun ? undefined : await foreignStore(path, identity);
    return { dataset: d.name, symbol, tf: job.tf, path, foreign, job };
  }));
  const open = targets.filter((t) => !t.foreign);
  const outcomeBase = (t: (typeof targets)[number]) => ({ dataset: t.dataset, exchange: t.job.exchange, symbol: t.symbol, timeframe: t.tf.name, path: t.path });
  if (open.length === 0) return targets.map((t) => failedOutcome(outcomeBase(t), t.foreign));
  const unlisted = await findUnlisted([...new Set(open.map((t) => t.symbol))], deps, s, retry);
  // a range the exchange's clock makes impossible (--until in the future) is a usage error before anything is fetched
  const at = await now();
  for (const t of open) if (!o.reach?.(t.dataset, t.tf, at)) buildSpan(o, t.tf, at);
  return runStores(targets, s, deps, async (t) => {
    const failure = t.foreign ?? unlisted.get(t.symbol);
    if (failure) return failedOutcome(outcomeBase(t), failure);
    const sourceId = t.job.exchange === s.exchange ? undefined : o.sourceIds?.get(t.symbol);
    return runStoreJob({ ...t.job, symbol: t.symbol, path: t.path, erase: o.erase ?? false, dryRun: o.dryRun, ...(sourceId ? { sourceId } : {}) }, s, deps, retry);
  });
}

/**
 * A store that belongs to another exchange or source, read from its footer before anything is fetched;
 * undefined when there is no store or it is this run's (an unreadable one is left to its job to report).
 */
async function foreignStore(path: string, expect: StoreIdentity): Promise<StoreError | undefined> {
  const meta = await readStoreMeta(path).catch(() => undefined); // none, or unreadable
  if (!meta) return undefined;
  try {
    checkIdentity(path, meta, expect);
    return undefined;
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
}

/**
 * Symbols the exchange does not list. One named alone is a usage error before anything is fetched;
 * among several, it fails its own stores and the others go on.
 */
async function findUnlisted(symbols: readonly string[], deps: RunDeps, s: RunSettings, retry: RetryContext): Promise<Map<string, Error>> {
  const out = new Map<string, Error>();
  for (const symbol of symbols) {
    try {
      await withRetry(`look up ${symbol}`, retry, () => deps.clientFor(s.exchange).market(symbol));
    } catch (e) {
      if (!(e instanceof UsageError) || symbols.length === 1) throw e;
      out.set(symbol, e);
    }
  }
  return out;
}

interface Span { since: number; until: number }

/** [since, until) in open times: since aligned up, until never past the last closed candle. */
export function buildSpan(o: BuildOptions, tf: Timeframe, now: number): Span {
  const r = o.range;
  const closedEnd = floorOpen(tf, now);
  if (r.until !== undefined && r.until > now) throw new UsageError(`--until ${isoUtc(r.until)} is in the future (exchange time is ${isoUtc(now)})`);
  if (r.kind === 'since' && r.since > now) throw new UsageError(`--since ${isoUtc(r.since)} is in the future (exchange time is ${isoUtc(now)})`);
  const until = Math.min(r.until ?? Infinity, closedEnd);
  const since = rangeStart(r, r.until ?? now);
  if (!(since >= 0)) throw new UsageError(`${rangeFlag(r)} reaches back before 1970 (expected a start after 1970-01-01; exchanges' candle history begins in 2017)`);
  return { since: isAligned(tf, since) ? since : nextOpen(tf, floorOpen(tf, since)), until };
}

/** Where a range starts, counting back from `end` (its --until, or now). */
export function rangeStart(r: BuildRange, end: number): number {
  return r.kind === 'since' ? r.since : r.kind === 'days' ? end - r.days * DAY : yearsBefore(end, r.years);
}

function rangeFlag(r: BuildRange): string {
  return r.kind === 'years' ? `--years ${r.years}` : r.kind === 'days' ? `--days ${r.days}` : `--since ${isoUtc(r.since)}`;
}

function yearsBefore(t: number, years: number): number {
  const d = new Date(t);
  d.setUTCFullYear(d.getUTCFullYear() - Math.trunc(years));
  return d.getTime() - (years % 1) * 365.25 * DAY;
}
