import { UsageError } from '../core/errors.js';
import { isoUtc } from '../core/time-format.js';
import { floorOpen, isAligned, nextOpen, parseTimeframe, type Timeframe } from '../core/timeframe.js';
import type { MarketInfo } from '../exchange/exchange-client.js';
import { masterPath } from '../store/master-path.js';
import { removeCheckpoint, takeCheckpoint, type PartialTag } from './checkpoint.js';
import { extendMaster } from './extend-master.js';
import { lockedJob, writeMaster } from './master-job.js';
import { failedOutcome, mapPool, outcomeOf, type StoreOutcome } from './outcome.js';
import { PauseGate, withRetry, type RetryContext } from './retry.js';
import type { RunDeps, RunSettings } from './run-settings.js';

/** How far back a build reaches: exactly one of the forms, resolved against the exchange's clock. */
export type BuildRange =
  | { readonly kind: 'years'; readonly years: number; readonly until?: number }
  | { readonly kind: 'days'; readonly days: number; readonly until?: number }
  | { readonly kind: 'since'; readonly since: number; readonly until?: number };

export interface BuildOptions {
  readonly symbols: readonly string[];
  readonly timeframes: readonly string[];
  readonly range: BuildRange;
  /** Fetch only the last 30 days, run everything, write nothing. */
  readonly dryRun: boolean;
}

const DAY = 86_400_000;
const DRY_RUN_DAYS = 30;

/** Fetch, clean, add ATR and write a master store for every symbol × timeframe. */
export async function runBuild(o: BuildOptions, s: RunSettings, deps: RunDeps): Promise<StoreOutcome[]> {
  const tfs = o.timeframes.map(parseTimeframe);
  const retry: RetryContext = { policy: s.retry, gate: new PauseGate(), log: deps.log, signal: deps.signal };
  const markets = await lookUpMarkets(o.symbols, deps, retry);
  const now = await withRetry('fetch exchange time', retry, () => deps.client.serverTime());
  const jobs = markets.flatMap((market) => tfs.map((tf) => ({ market, tf, span: buildSpan(o, tf, now) })));
  return mapPool(jobs, s.concurrency, (j) => buildOne(j.market, j.tf, j.span, o.dryRun, s, deps, retry));
}

async function lookUpMarkets(symbols: readonly string[], deps: RunDeps, retry: RetryContext): Promise<MarketInfo[]> {
  const out: MarketInfo[] = [];
  for (const symbol of symbols) out.push(await withRetry(`look up ${symbol}`, retry, () => deps.client.market(symbol)));
  return out;
}

interface Span { since: number; until: number }

/** [since, until) in open times: since aligned up, until never past the last closed candle. */
export function buildSpan(o: BuildOptions, tf: Timeframe, now: number): Span {
  const r = o.range;
  const closedEnd = floorOpen(tf, now);
  if (r.until !== undefined && r.until > now) throw new UsageError(`--until ${isoUtc(r.until)} is in the future (exchange time is ${isoUtc(now)})`);
  const until = Math.min(r.until ?? Infinity, closedEnd);
  let since: number;
  if (o.dryRun) since = now - DRY_RUN_DAYS * DAY;
  else if (r.kind === 'since') since = r.since;
  else if (r.kind === 'days') since = now - r.days * DAY;
  else since = yearsBefore(now, r.years);
  if (r.kind === 'since' && r.since > now) throw new UsageError(`--since ${isoUtc(r.since)} is in the future (exchange time is ${isoUtc(now)})`);
  return { since: isAligned(tf, since) ? since : nextOpen(tf, floorOpen(tf, since)), until };
}

function yearsBefore(t: number, years: number): number {
  const d = new Date(t);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.getTime();
}

async function buildOne(
  market: MarketInfo, tf: Timeframe, span: Span, dryRun: boolean, s: RunSettings, deps: RunDeps, retry: RetryContext,
): Promise<StoreOutcome> {
  const path = masterPath(s.dataDir, market.symbol, tf.name);
  const base = { symbol: market.symbol, timeframe: tf.name, path };
  const target = { path, exchange: s.exchange, symbol: market.symbol, timeframe: tf.name, atrPeriod: s.atrPeriod };
  const tag: PartialTag | undefined = dryRun ? undefined : { job: 'build', since: span.since };
  try {
    const job = async (): Promise<StoreOutcome> => {
      const resumed = tag ? await takeCheckpoint(target, tag, deps.log) : undefined;
      const since = resumed ? nextOpen(tf, resumed.time[resumed.time.length - 1]!) : span.since;
      const { frame, report, fetched } = await extendMaster({
        client: deps.client, market, tf, base: resumed, since, until: span.until, target, tag,
        checkpointMs: s.checkpointMs, retry, log: deps.log, onProgress: deps.onProgress,
      });
      const extra = { fetched, clean: report, ...(resumed ? { resumed: resumed.time.length } : {}) };
      if (dryRun) return outcomeOf({ ...base, status: 'dry-run' }, frame, tf, extra);
      if (frame.time.length === 0) return outcomeOf({ ...base, status: 'empty' }, frame, tf, extra);
      const bytes = await writeMaster(target, frame);
      await removeCheckpoint(path);
      deps.log.info({ symbol: market.symbol, timeframe: tf.name, rows: frame.time.length, path }, 'store written');
      return outcomeOf({ ...base, status: 'written' }, frame, tf, { ...extra, bytes });
    };
    return dryRun ? await job() : await lockedJob(path, s.lockWaitMs, job);
  } catch (e) {
    deps.log.warn({ symbol: market.symbol, timeframe: tf.name, err: (e as Error).message }, 'store failed');
    return failedOutcome(base, e);
  }
}
