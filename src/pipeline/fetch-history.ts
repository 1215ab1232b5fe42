import { setTimeout as delay } from 'node:timers/promises';
import { isSoundRow } from '../clean/clean-candles.js';
import { ExchangeError } from '../core/errors.js';
import { sliceFrame, type CandleFrame } from '../core/frame.js';
import { isoUtc } from '../core/time-format.js';
import { nextOpen, type Timeframe } from '../core/timeframe.js';
import type { ExchangeClient, MarketInfo } from '../exchange/exchange-client.js';
import { throwIfAborted, withRetry, type RetryContext } from './retry.js';

export interface HistoryRequest {
  readonly market: MarketInfo;
  readonly tf: Timeframe;
  /** First open time wanted (inclusive). */
  readonly since: number;
  /** Exclusive bound on open time: never past the last closed candle. */
  readonly until: number;
}

export interface FetchProgress {
  readonly symbol: string;
  readonly timeframe: string;
  readonly since: number;
  readonly until: number;
  /** Open time reached so far. */
  readonly reached: number;
  readonly rows: number;
}

/** Where fetched pages go, so a caller still has them when the fetch fails half-way. */
export interface PageSink {
  readonly pages: CandleFrame[];
  /** Called after each page with the open time reached; the caller may write a resume checkpoint. */
  afterPage?(pages: readonly CandleFrame[], reached: number): Promise<void>;
}

/**
 * Fetch [since, until) page by page into `sink`. We paginate ourselves: step past the last returned
 * open time, ask for the exchange's maximum page, stop at `until` (ccxt's own pagination moves an old
 * `since` forward and fires every page at once). Rows outside the range are dropped here.
 */
export async function fetchHistory(
  client: ExchangeClient, req: HistoryRequest, retry: RetryContext, sink: PageSink, onProgress?: (p: FetchProgress) => void,
): Promise<void> {
  let rows = 0;
  let cursor = req.since;
  while (cursor < req.until) {
    throwIfAborted(retry.signal);
    const page = keepRange(await fetchPage(client, req, cursor, retry), cursor, req.until);
    if (page.time.length === 0) break;
    sink.pages.push(page);
    rows += page.time.length;
    cursor = nextOpen(req.tf, maxTime(page.time));
    onProgress?.({ symbol: req.market.symbol, timeframe: req.tf.name, since: req.since, until: req.until, reached: cursor, rows });
    await sink.afterPage?.(sink.pages, cursor);
  }
}

/**
 * One page, checked. ccxt turns a malformed body into an empty list, so an empty page is only believed
 * when the exchange's newest candle confirms there is nothing at or after the cursor; otherwise it is
 * a failure and is asked again. A page with impossible values is asked again once; if the exchange
 * insists, cleaning repairs the rows and counts them.
 */
async function fetchPage(client: ExchangeClient, req: HistoryRequest, cursor: number, retry: RetryContext): Promise<CandleFrame> {
  const { symbol } = req.market;
  const what = `${symbol} ${req.tf.name} ${isoUtc(cursor)} → ${isoUtc(req.until)}`;
  const ask = () => withRetry(`fetch ${what}`, retry, () => client.fetchCandles({
    symbol, timeframe: req.tf.name, since: cursor, until: req.until, limit: req.market.maxCandlesPerRequest,
  }));
  let recheckedBadRows = false;
  let endConfirmations = 0;
  for (let attempt = 1; ; attempt++) {
    const page = await ask();
    if (page.time.length > 0) {
      if (recheckedBadRows || !hasImpossibleRows(page)) return page;
      recheckedBadRows = true;
      retry.log.warn({ symbol, timeframe: req.tf.name }, `page with impossible values for ${what}; asking again`);
      continue;
    }
    const newest = await withRetry(`probe ${what}`, retry, () => client.lastCandleOpen(symbol, req.tf.name, req.until));
    if (newest === undefined || newest < cursor) {
      if (endConfirmations++ >= 1) return page; // asked twice, and the exchange has nothing newer: the end
      continue;
    }
    if (attempt >= retry.policy.attempts) {
      throw new ExchangeError(`fetch ${what}: the exchange keeps returning empty pages although it has candles up to ${isoUtc(newest)}`);
    }
    retry.log.warn({ symbol, timeframe: req.tf.name, attempt }, `empty page inside known history for ${what}; retrying`);
    await delay(Math.min(retry.policy.maxMs, retry.policy.baseMs * 2 ** (attempt - 1)), undefined, { signal: retry.signal }).catch(() => undefined);
  }
}

/** Rows no exchange should send, by the same rules cleaning repairs them with. */
function hasImpossibleRows(f: CandleFrame): boolean {
  for (let i = 0; i < f.time.length; i++) if (!isSoundRow(f, i)) return true;
  return false;
}

function keepRange(page: CandleFrame, from: number, until: number): CandleFrame {
  let a = 0;
  while (a < page.time.length && !(page.time[a]! >= from && page.time[a]! < until)) a++;
  let b = page.time.length;
  while (b > a && !(page.time[b - 1]! >= from && page.time[b - 1]! < until)) b--;
  return sliceFrame(page, a, b);
}

function maxTime(time: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < time.length; i++) if (time[i]! > m) m = time[i]!;
  return m;
}
