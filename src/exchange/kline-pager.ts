import { isSoundRow } from '../clean/clean-candles.js';
import { sliceFrame, type CandleFrame } from '../core/frame.js';
import { isoUtc } from '../core/time-format.js';
import { nextOpen, type Timeframe } from '../core/timeframe.js';
import type { Pager } from '../core/pager.js';
import type { ExchangeClient, MarketInfo } from './exchange-client.js';

/**
 * Klines as a pager. We paginate ourselves: step past the last returned open time, ask for the
 * exchange's maximum page, stop at `until` (ccxt's own pagination moves an old `since` forward and
 * fires every page at once). Rows outside the span are dropped here.
 */
export function klinePager(client: ExchangeClient, market: MarketInfo, tf: Timeframe, until: number, price?: 'mark' | 'index' | 'premiumIndex'): Pager<CandleFrame> {
  const { symbol } = market;
  return {
    describe: (cursor) => `${symbol} ${price ? `${price} ` : ''}${tf.name} ${isoUtc(cursor)} → ${isoUtc(until)}`,
    fetch: async (cursor) => keepRange(await client.fetchCandles({ symbol, timeframe: tf.name, since: cursor, until, limit: market.candlesPerPage, price }), cursor, until),
    next: (page) => nextOpen(tf, maxTime(page.time)),
    // The exchange's newest candle before `until` says whether anything exists at or after the cursor.
    confirmEnd: async (cursor) => {
      const newest = await client.lastCandleOpen(symbol, tf.name, until);
      return newest === undefined || newest < cursor;
    },
    // a premium index is a signed fraction: only trade and mark prices must be positive
    ...(price === 'premiumIndex' ? {} : { suspicious: hasImpossibleRows }),
  };
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
