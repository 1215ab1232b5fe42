import { concatSeries, uniqueByTime, type SeriesFrame } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import { isoUtc } from '../core/time-format.js';
import { settlementSlot } from '../datasets/funding.js';
import { FUNDING } from '../datasets/funding.js';
import type { DatasetJob } from './dataset-job.js';
import { withRetry } from './retry.js';

const HOUR = 3_600_000;
/** Binance's largest funding-history page. */
const PAGE = 1000;

/**
 * Funding settlements as a dataset: paged by their own cursor (the next millisecond after the last
 * settlement), never by an assumed 8 h step, so 4 h and 1 h intervals leave no holes.
 */
export const FUNDING_JOB: DatasetJob<SeriesFrame> = {
  dataset: FUNDING,
  params: () => ({}),
  open: async (job, deps, retry) => {
    const client = deps.clientFor(job.exchange);
    const market = await withRetry(`look up ${job.symbol}`, retry, () => client.market(job.symbol));
    if (market.type !== 'swap' && market.type !== 'future') {
      throw new UsageError(`funding: ${job.symbol} is a ${market.type} market (expected a perpetual, e.g. BTC/USDT:USDT)`);
    }
    return {
      marketType: market.type,
      pager: (_tf, until) => ({
        describe: (cursor) => `${job.symbol} funding ${isoUtc(cursor)} → ${isoUtc(until)}`,
        fetch: async (cursor) => {
          const f = await client.fundingRates(job.symbol, cursor, until, PAGE);
          return { ...f, intervalHours: new Float64Array(f.time.length).fill(NaN) };
        },
        next: (page) => page.time[page.time.length - 1]! + 1,
        // Binance fills a funding page up to its limit: a shorter one holds the last settlements of the span
        isLastPage: (page) => page.time.length > 0 && page.time.length < PAGE,
        // an empty page is the end (after listing, settlements stop only at delisting) once asked twice:
        // an exchange can answer one page empty that is not
        confirmEnd: async () => true,
      }),
    };
  },
  derive: (stored, fresh) => ({ frame: withIntervals(uniqueByTime(stored ? concatSeries([stored, fresh]) : fresh)) }),
  deriveAfter: (tail, fresh) => {
    const rows = withIntervals(concatSeries([tail, uniqueByTime(fresh)]));
    rows.intervalHours!.set(tail.intervalHours!.subarray(0, tail.time.length), 0);
    return { frame: rows };
  },
};

/**
 * Hours since the previous settlement: the interval in force (null for the first one known). Settlement
 * times are kept as served, a few ms late (…08:00:00.007); the interval is counted between the schedule's
 * slots they belong to, so it is a whole number of hours.
 */
function withIntervals(f: SeriesFrame): SeriesFrame {
  const hours = new Float64Array(f.time.length).fill(NaN);
  for (let i = 1; i < f.time.length; i++) hours[i] = (settlementSlot(f.time[i]!) - settlementSlot(f.time[i - 1]!)) / HOUR;
  return { ...f, intervalHours: hours };
}
