import { concatFrames, sliceFrame, type CandleFrame } from '../core/frame.js';
import { isoUtc } from '../core/time-format.js';
import { nextOpen, type Timeframe } from '../core/timeframe.js';
import { setTimeout as delay } from 'node:timers/promises';
import type { ExchangeClient, MarketInfo } from '../exchange/exchange-client.js';
import { withRetry, type RetryContext } from './retry.js';

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

/** Times an empty page inside the requested range is asked again before it is believed. */
const EMPTY_PAGE_CHECKS = 2;

/**
 * Fetch [since, until) page by page. We paginate ourselves: step past the last returned open time,
 * ask for the exchange's maximum page, stop at `until` (ccxt's own pagination moves an old `since`
 * forward and fires every page at once). Rows outside the range are dropped here, never stored.
 */
export async function fetchHistory(
  client: ExchangeClient, req: HistoryRequest, retry: RetryContext, onProgress?: (p: FetchProgress) => void,
): Promise<CandleFrame> {
  const pages: CandleFrame[] = [];
  let rows = 0;
  let cursor = req.since;
  while (cursor < req.until) {
    const page = await fetchPage(client, req, cursor, retry);
    const inRange = keepRange(page, cursor, req.until);
    if (inRange.time.length === 0) break;
    pages.push(inRange);
    rows += inRange.time.length;
    cursor = nextOpen(req.tf, maxTime(inRange.time));
    onProgress?.({ symbol: req.market.symbol, timeframe: req.tf.name, since: req.since, until: req.until, reached: cursor, rows });
  }
  return concatFrames(pages);
}

/**
 * One page. ccxt turns a malformed body into an empty list, so an empty page is asked again a few times
 * before it is believed to mean "no more candles" (a delisting, or a maintenance gap at the very end).
 */
async function fetchPage(client: ExchangeClient, req: HistoryRequest, cursor: number, retry: RetryContext): Promise<CandleFrame> {
  const what = `${req.market.symbol} ${req.tf.name} from ${isoUtc(cursor)}`;
  const ask = () => withRetry(what, retry, () => client.fetchCandles({
    symbol: req.market.symbol, timeframe: req.tf.name, since: cursor, until: req.until, limit: req.market.maxCandlesPerRequest,
  }));
  let page = await ask();
  for (let check = 1; page.time.length === 0 && check <= EMPTY_PAGE_CHECKS; check++) {
    retry.log.debug({ symbol: req.market.symbol, timeframe: req.tf.name, check }, 'empty page; asking again');
    await delay(Math.min(retry.policy.maxMs, retry.policy.baseMs * check), undefined, { signal: retry.signal }).catch(() => undefined);
    page = await ask();
  }
  return page;
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
