import { concatSeries, uniqueByTime, type SeriesFrame } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import { isoUtc } from '../core/time-format.js';
import { nextOpen } from '../core/timeframe.js';
import { OPEN_INTEREST } from '../datasets/open-interest.js';
import type { DatasetJob } from './dataset-job.js';
import { withRetry } from './retry.js';

/** Most rows Binance returns per statistics request. */
const PAGE = 500;

/**
 * Open interest as a dataset. Each request asks for a range of exactly one page of periods, so the
 * exchange never has more rows than it returns (an over-full range would give the latest rows and
 * leave a hole); the next range starts after the last row.
 */
export const OPEN_INTEREST_JOB: DatasetJob<SeriesFrame> = {
  dataset: OPEN_INTEREST,
  params: () => ({}),
  open: async (job, deps, retry) => {
    const client = deps.clientFor(job.exchange);
    const market = await withRetry(`look up ${job.symbol}`, retry, () => client.market(job.symbol));
    if (market.type !== 'swap') throw new UsageError(`open-interest: ${job.symbol} is a ${market.type} market (expected a perpetual, e.g. BTC/USDT:USDT)`);
    return {
      marketType: market.type,
      pager: (tf, until) => ({
        describe: (cursor) => `${job.symbol} open interest ${tf.name} ${isoUtc(cursor)} → ${isoUtc(until)}`,
        // ranges with no rows (before the market listed) are stepped over to the first one with rows
        fetch: async (cursor) => {
          for (let from = cursor; ;) {
            const to = Math.min(until, from + PAGE * tf.ms);
            const f = await client.openInterest(job.symbol, tf.name, from, to, PAGE);
            if (f.time.length > 0 || to >= until) return { time: f.time, contracts: f.contracts, value: f.value };
            from = to;
          }
        },
        next: (page) => nextOpen(tf, page.time[page.time.length - 1]!),
        // a range of one page holds all its rows: an empty one has none (the market is younger)
        confirmEnd: async () => true,
        isLastPage: (page) => page.time.length === 0 || nextOpen(tf, page.time[page.time.length - 1]!) >= until,
      }),
    };
  },
  derive: (stored, fresh) => ({ frame: uniqueByTime(stored ? concatSeries([stored, fresh]) : fresh) }),
  deriveAfter: (tail, fresh) => ({ frame: concatSeries([tail, uniqueByTime(fresh)]) }),
};
