import type { DatasetDescriptor, SeriesFrame } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import type { CandleFrame } from '../core/frame.js';
import { MARK_PRICE, PREMIUM_INDEX } from '../datasets/price-klines.js';
import { AS_SERVED, type DatasetJob } from './dataset-job.js';
import { klinePager } from './kline-fetcher.js';
import { withRetry } from './retry.js';

/**
 * A perpetual's mark-price or premium-index klines: candles' paging (their own cheapest page, the same
 * grid), kept as exchanged: O/H/L/C only, no cleaning (a premium is a signed fraction, not a price).
 */
function priceKlinesJob(dataset: DatasetDescriptor, price: 'mark' | 'premiumIndex'): DatasetJob<SeriesFrame> {
  const ohlc = (f: CandleFrame): SeriesFrame => ({ time: f.time, open: f.open, high: f.high, low: f.low, close: f.close });
  return {
    dataset,
    params: () => ({}),
    open: async (job, deps, retry) => {
      const client = deps.clientFor(job.exchange);
      const market = await withRetry(`look up ${job.symbol}`, retry, () => client.market(job.symbol));
      if (market.type !== 'swap') throw new UsageError(`${dataset.name}: ${job.symbol} is a ${market.type} market (expected a perpetual, e.g. BTC/USDT:USDT)`);
      return {
        marketType: market.type,
        pager: (tf, until) => {
          const candles = klinePager(client, market, tf, until, price);
          return { ...candles, fetch: async (cursor) => ohlc(await candles.fetch(cursor)), next: (p) => candles.next(p as CandleFrame), suspicious: undefined };
        },
      };
    },
    ...AS_SERVED,
  };
}

export const PRICE_KLINES_JOBS: Readonly<Record<string, DatasetJob<SeriesFrame>>> = {
  [MARK_PRICE.name]: priceKlinesJob(MARK_PRICE, 'mark'),
  [PREMIUM_INDEX.name]: priceKlinesJob(PREMIUM_INDEX, 'premiumIndex'),
};
