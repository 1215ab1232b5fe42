import { cleanCandles, type CleanReport } from '../clean/clean-candles.js';
import { concatSeries } from '../core/dataset.js';
import { allocFrame, candleColumns, concatFrames, pickRows, sliceFrame, type CandleFrame, type MasterFrame } from '../core/frame.js';
import { lowerBoundTime } from '../core/time-search.js';
import type { Timeframe } from '../core/timeframe.js';
import type { BinanceArchives } from '../sources/binance-archives.js';
import type { Pager } from './pager.js';
import { OHLCV } from '../datasets/ohlcv.js';
import { continueWilderAtr, wilderAtr } from '../indicators/wilder-atr.js';
import type { WriteIdentity } from '../store/store-meta.js';
import type { DatasetJob, Derived } from './dataset-job.js';
import { klinePager } from './kline-fetcher.js';
import { withRetry } from './retry.js';

/**
 * Candles: fetched as klines, cleaned, with Wilder's ATR. Build and update derive through the same
 * functions, which is why an update equals a fresh build bit for bit.
 */
export const OHLCV_JOB: DatasetJob<MasterFrame> = {
  dataset: OHLCV,
  params: (stored, defaults) => ({ atrPeriod: stored?.atrPeriod ?? defaults.atrPeriod }),
  open: async (job, deps, retry) => {
    const client = deps.clientFor(job.exchange);
    const market = await withRetry(`look up ${job.symbol}`, retry, () => client.market(job.symbol));
    return {
      marketType: market.type,
      pager: (tf, until) => {
        const rest = klinePager(client, market, tf, until);
        const candles = deps.archives && job.exchange === 'binance' && !tf.calendarMonth && tf.ms <= DAY ? archivePager(rest, deps.archives, job.symbol, tf, until) : rest;
        // pages carry no ATR yet: it is derived over the whole series
        return { ...candles, fetch: async (cursor) => withoutAtr(await candles.fetch(cursor)), next: (p) => candles.next(p), suspicious: (p) => candles.suspicious!(p) };
      },
    };
  },
  derive: (stored, fresh, id) => makeMaster(stored, fresh, atrPeriodOf(id)),
  deriveAfter: (tail, fresh, id) => extendMaster(tail, fresh, atrPeriodOf(id)),
};

const DAY = 86_400_000;

/**
 * Klines from Binance's archives where a whole month (or, in the current month, a whole day) before
 * today is asked for, from the REST API for the rest: today, and any span whose archive is not published
 * yet. Pages are the archive's rows from the cursor to the end of its period, so the paging loop,
 * cleaning and ATR are the REST path's, and the store is the one a REST-only build writes.
 */
function archivePager(rest: Pager<CandleFrame>, archives: BinanceArchives, symbol: string, tf: Timeframe, until: number): Pager<CandleFrame> {
  const today = Math.floor(until / DAY) * DAY;
  let held: { label: string; rows: CandleFrame | undefined } | undefined;
  return {
    ...rest,
    fetch: async (cursor) => {
      for (let at = cursor; at < until;) {
        const p = archives.periodAt(at, today);
        if (!p) return rest.fetch(at);
        if (held?.label !== p.label) held = { label: p.label, rows: await archives.candles(symbol, tf, p) };
        if (!held.rows) return rest.fetch(at);
        const a = lowerBoundTime(held.rows.time, at);
        const b = lowerBoundTime(held.rows.time, Math.min(p.to, until));
        if (b > a) return sliceFrame(held.rows, a, b);
        at = p.to;
      }
      return allocFrame(0);
    },
  };
}

function atrPeriodOf(id: WriteIdentity): number {
  if (id.atrPeriod === undefined) throw new Error('a candle store is written with its ATR period');
  return id.atrPeriod;
}

function withoutAtr(f: CandleFrame): MasterFrame {
  return { ...f, atr: new Float64Array(f.time.length).fill(NaN) };
}

/**
 * The stored rows (already clean) with the new rows before and after them → clean → Wilder ATR over
 * the whole series. The report describes the fetched rows: stored rows pass through unchanged.
 */
export function makeMaster(stored: CandleFrame | undefined, fresh: CandleFrame, atrPeriod: number): Derived<MasterFrame> {
  const had = stored?.time.length ?? 0;
  const raw = stored && had > 0 ? aroundStored(candleColumns(stored), candleColumns(fresh)) : candleColumns(fresh);
  const { frame, report } = cleanCandles(raw);
  return { frame: { ...frame, atr: wilderAtr(frame.high, frame.low, frame.close, atrPeriod) }, report: ofFetched(report, had) };
}

/**
 * New rows after the stored ones, given only the stored last row group (`tail`): cleaned with the tail
 * before them (forward-fill sees the last stored values), ATR continued from the last stored ATR.
 * Undefined when the tail is still in ATR's warm-up or cleaning would change it: then the whole
 * series is derived instead.
 */
export function extendMaster(tail: MasterFrame, fresh: CandleFrame, atrPeriod: number): Derived<MasterFrame> | undefined {
  const n = tail.time.length;
  const prev = tail.atr[n - 1];
  if (n === 0 || prev === undefined || Number.isNaN(prev)) return undefined;
  const { frame, report } = cleanCandles(concatFrames([candleColumns(tail), candleColumns(fresh)]));
  if (!keepsRows(tail, frame)) return undefined;
  const atr = continueWilderAtr(frame.high, frame.low, frame.close, atrPeriod, n, prev);
  atr.set(tail.atr, 0);
  return { frame: { ...frame, atr }, report: ofFetched(report, n) };
}

/** True when the first rows of `next` are `tail`'s candles, value for value. */
function keepsRows(tail: CandleFrame, next: CandleFrame): boolean {
  if (next.time.length < tail.time.length) return false;
  for (const k of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
    for (let i = 0; i < tail.time.length; i++) if (!Object.is(tail[k][i], next[k][i])) return false;
  }
  return true;
}

/** A cleaning report over stored + fetched rows, counted for the fetched rows only. */
function ofFetched(r: CleanReport, stored: number): CleanReport {
  return { ...r, input: r.input - stored, output: r.output - stored };
}

/** New rows before the store, the store, new rows after it: in time order, so cleaning need not sort. */
function aroundStored(stored: CandleFrame, fresh: CandleFrame): CandleFrame {
  const first = stored.time[0]!;
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < fresh.time.length; i++) (fresh.time[i]! < first ? before : after).push(i);
  if (before.length === 0) return concatSeries([stored, fresh]);
  return concatFrames([pickRows(fresh, before), stored, pickRows(fresh, after)]);
}
