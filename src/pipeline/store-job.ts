import { StoreError } from '../core/errors.js';
import { candleColumns, concatFrames, pickRows, type CandleFrame, type MasterFrame } from '../core/frame.js';
import { lowerBoundTime } from '../core/search.js';
import { cleanCandles } from '../clean/clean-candles.js';
import { wilderAtr } from '../indicators/wilder-atr.js';
import type { Timeframe } from '../core/timeframe.js';
import type { ExchangeClient, MarketInfo } from '../exchange/exchange-client.js';
import type { LoadedStore, StoreIdentity } from '../store/master-store.js';
import { withStoreForWrite, type StoreHandle, type WriteIdentity } from '../store/store-writer.js';
import { CheckpointClock, removeCheckpoint, saveCheckpoint, summaryOf, takeCheckpoint, type Checkpoint, type StoreSummaryTag } from './checkpoint.js';
import { fetchHistory } from './fetch-history.js';
import { mergeIntervals, planFetch, type Interval } from './fetch-plan.js';
import { failedOutcome, outcomeOf, type StoreOutcome } from './outcome.js';
import { withRetry, type RetryContext } from './retry.js';
import type { RunDeps, RunSettings } from './run-settings.js';

/** One store's job, as build and update describe it. */
export interface StoreJob {
  readonly symbol: string;
  readonly tf: Timeframe;
  readonly path: string;
  /** The exchange to fetch from (update: the one the store records). */
  readonly exchange: string;
  /** The span wanted, asked only once the store has passed its checks (update asks the exchange's clock). */
  readonly window: () => Promise<{ readonly since?: number; readonly until: number }>;
  /** Replace the store instead of extending it (`--erase`). */
  readonly erase: boolean;
  /** Fetch and compute, write nothing, take no lock. */
  readonly dryRun: boolean;
  /** Fail when there is no store with rows (update extends stores, it never starts one). */
  readonly mustExist?: boolean;
}

/**
 * The one per-store job of build and update: lock → read the store (identity checked) → resume →
 * plan what is missing before and after it → fetch → clean + ATR → write through the no-row-loss
 * check → report. A failure becomes this store's outcome; the run carries on with the others.
 */
export async function runStoreJob(job: StoreJob, s: RunSettings, deps: RunDeps, retry: RetryContext): Promise<StoreOutcome> {
  const base = { symbol: job.symbol, timeframe: job.tf.name, path: job.path };
  const expect: StoreIdentity = { exchange: job.exchange, source: s.source, symbol: job.symbol, timeframe: job.tf.name };
  try {
    if (job.dryRun) return await dryRun(job, s, deps, retry);
    return await withStoreForWrite(job.path, expect, { waitMs: s.lockWaitMs, erase: job.erase }, (h) => extendStore(job, h, expect, s, deps, retry));
  } catch (e) {
    deps.log.warn({ symbol: job.symbol, timeframe: job.tf.name, err: (e as Error).message }, 'store failed');
    return failedOutcome(base, e);
  }
}

async function extendStore(job: StoreJob, h: StoreHandle, expect: StoreIdentity, s: RunSettings, deps: RunDeps, retry: RetryContext): Promise<StoreOutcome> {
  const base = { symbol: job.symbol, timeframe: job.tf.name, path: job.path };
  const stored = h.stored && h.stored.frame.time.length > 0 ? h.stored : undefined;
  if (job.mustExist && !stored) throw new StoreError(`${job.path} is empty (run build to refill it)`);
  const atrPeriod = stored?.meta.atrPeriod ?? s.atrPeriod;
  const resumed = await takeCheckpoint(job.path, expect, stored, atrPeriod, deps.log);
  const { since, until } = await job.window();
  const span = summaryOf(stored?.frame);
  const plan = planFetch({ tf: job.tf, stored: span ?? undefined, since, until, covered: resumed?.covered });
  const storedFrame = stored?.frame ?? emptyMaster();
  if (plan.length === 0 && !resumed) return outcomeOf({ ...base, status: stored ? 'up-to-date' : 'empty' }, storedFrame, job.tf);
  const client = deps.clientFor(job.exchange);
  const market = await lookUp(client, job.symbol, retry);
  checkMarketType(job.path, stored, market);
  const id: WriteIdentity = { exchange: job.exchange, source: s.source, marketType: market.type, symbol: job.symbol, timeframe: job.tf.name, atrPeriod };
  const fetched = await fetchPlan(job, client, market, plan, { id, base: span, resumed }, s, deps, retry);
  const newRows = resumed ? concatFrames([resumed.rows, fetched]) : fetched;
  if (newRows.time.length === 0) {
    await removeCheckpoint(job.path);
    return outcomeOf({ ...base, status: stored ? 'no-new-candles' : 'empty' }, storedFrame, job.tf, { fetched: 0 });
  }
  const { frame, report } = makeMaster(stored?.frame, newRows, atrPeriod);
  const bytes = await h.replace(frame, id);
  await removeCheckpoint(job.path);
  const added = addedAround(stored?.frame, frame);
  deps.log.info({ symbol: job.symbol, timeframe: job.tf.name, ...added, path: job.path }, 'store written');
  return outcomeOf({ ...base, status: 'written' }, frame, job.tf, {
    fetched: fetched.time.length, clean: report, bytes, ...added, ...(resumed ? { resumed: resumed.rows.time.length } : {}),
  });
}

async function dryRun(job: StoreJob, s: RunSettings, deps: RunDeps, retry: RetryContext): Promise<StoreOutcome> {
  const { since, until } = await job.window();
  const client = deps.clientFor(job.exchange);
  const market = await lookUp(client, job.symbol, retry);
  const plan = planFetch({ tf: job.tf, since, until });
  const fetched = await fetchPlan(job, client, market, plan, undefined, s, deps, retry);
  const { frame, report } = makeMaster(undefined, fetched, s.atrPeriod);
  return outcomeOf({ symbol: job.symbol, timeframe: job.tf.name, path: job.path, status: 'dry-run' }, frame, job.tf, { fetched: fetched.time.length, clean: report });
}

async function lookUp(client: ExchangeClient, symbol: string, retry: RetryContext): Promise<MarketInfo> {
  return withRetry(`look up ${symbol}`, retry, () => client.market(symbol));
}

function checkMarketType(path: string, stored: LoadedStore | undefined, market: MarketInfo): void {
  const had = stored?.meta.marketType;
  if (had !== undefined && had !== market.type) {
    throw new StoreError(`${path} holds ${had} candles, but ${market.symbol} is a ${market.type} market on this exchange; refusing to mix them`);
  }
}

/** Where a fetch keeps its resume checkpoint: the store's identity, the store version it extends, the checkpoint it continues. */
interface CheckpointTarget {
  readonly id: WriteIdentity;
  readonly base: StoreSummaryTag | null;
  readonly resumed: Checkpoint | undefined;
}

/**
 * Fetch every planned span, oldest first. What was fetched so far is kept as a resume checkpoint while
 * fetching and when the fetch fails or is interrupted; a dry run (no target) writes nothing.
 */
async function fetchPlan(
  job: StoreJob, client: ExchangeClient, market: MarketInfo, plan: readonly Interval[], target: CheckpointTarget | undefined,
  s: RunSettings, deps: RunDeps, retry: RetryContext,
): Promise<CandleFrame> {
  const pages: CandleFrame[] = [];
  const done: Interval[] = [...(target?.resumed?.covered ?? [])];
  let reached: Interval | undefined;
  const clock = new CheckpointClock(s.checkpointMs);
  const save = (t: CheckpointTarget) => saveCheckpoint(job.path, t.id, concatFrames([...(t.resumed ? [t.resumed.rows] : []), ...pages]),
    { v: 2, base: t.base, atrPeriod: t.id.atrPeriod, covered: mergeIntervals(reached ? [...done, reached] : done) });
  try {
    for (const want of plan) {
      const sink = {
        pages,
        afterPage: target ? async (_: unknown, cursor: number) => {
          reached = { from: want.from, to: Math.min(cursor, want.to) };
          if (clock.due()) await clock.run(() => save(target));
        } : undefined,
      };
      await fetchHistory(client, { market, tf: job.tf, since: want.from, until: want.to }, retry, sink, deps.onProgress);
      done.push(want);
      reached = undefined;
    }
  } catch (e) {
    if (target && pages.length > 0) {
      await save(target).then(
        () => deps.log.warn({ symbol: job.symbol, timeframe: job.tf.name }, 'kept what was fetched as a resume checkpoint'),
        (err: Error) => deps.log.warn({ err: err.message }, 'could not write a resume checkpoint'),
      );
    }
    throw e;
  }
  return concatFrames(pages);
}

/**
 * The one path from candles to a master frame: the stored rows (already clean) with the new rows
 * before and after them → clean → Wilder ATR over the whole series. Build and update both go through
 * it, which is why an update equals a fresh build bit for bit.
 */
export function makeMaster(stored: CandleFrame | undefined, fresh: CandleFrame, atrPeriod: number): { frame: MasterFrame; report: ReturnType<typeof cleanCandles>['report'] } {
  const raw = stored && stored.time.length > 0 ? aroundStored(candleColumns(stored), fresh) : fresh;
  const { frame, report } = cleanCandles(raw);
  return { frame: { ...frame, atr: wilderAtr(frame.high, frame.low, frame.close, atrPeriod) }, report };
}

/** New rows before the store, the store, new rows after it: in time order, so cleaning need not sort. */
function aroundStored(stored: CandleFrame, fresh: CandleFrame): CandleFrame {
  const first = stored.time[0]!;
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < fresh.time.length; i++) (fresh.time[i]! < first ? before : after).push(i);
  if (before.length === 0) return concatFrames([stored, fresh]);
  return concatFrames([pickRows(fresh, before), stored, pickRows(fresh, after)]);
}

/** How many rows the new frame has before the stored first row and after the stored last one. */
function addedAround(stored: CandleFrame | undefined, frame: CandleFrame): { prepended: number; appended: number } {
  if (!stored || stored.time.length === 0) return { prepended: 0, appended: frame.time.length };
  const a = lowerBoundTime(frame.time, stored.time[0]!);
  const b = lowerBoundTime(frame.time, stored.time[stored.time.length - 1]!) + 1;
  return { prepended: a, appended: frame.time.length - b };
}

function emptyMaster(): MasterFrame {
  const z = new Float64Array(0);
  return { time: z, open: z, high: z, low: z, close: z, volume: z, atr: z };
}
