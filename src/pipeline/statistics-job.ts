import type { DatasetDescriptor, SeriesFrame } from '../core/dataset.js';
import { numberOrNaN } from '../core/numbers.js';
import { UsageError } from '../core/errors.js';
import { isoUtc } from '../core/time-format.js';
import { nextOpen } from '../core/timeframe.js';
import { LONG_SHORT_GLOBAL, LONG_SHORT_TOP_ACCOUNTS, LONG_SHORT_TOP_POSITIONS, OPEN_INTEREST, TAKER_VOLUME } from '../datasets/statistics.js';
import type { StatisticsEndpoint } from '../exchange/exchange-client.js';
import { AS_SERVED, type DatasetJob } from './dataset-job.js';
import { withRetry } from './retry.js';

/** Most rows Binance returns per statistics request. */
const PAGE = 500;

/** A Binance futures statistic: its dataset, its endpoint, and which field of a row fills each column. */
export interface StatisticSpec {
  readonly dataset: DatasetDescriptor;
  readonly endpoint: StatisticsEndpoint;
  /** Column key → the exchange's field name. */
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * A futures statistic as a dataset. Each request asks for a range of exactly one page of periods, so
 * the exchange never has more rows than it returns (an over-full range would give only the latest rows
 * and leave a hole); ranges before the market listed are stepped over.
 */
export function statisticsJob(spec: StatisticSpec): DatasetJob<SeriesFrame> {
  const keys = Object.keys(spec.fields);
  const toFrame = (rows: readonly Record<string, unknown>[]): SeriesFrame => {
    const out: Record<string, Float64Array> = { time: Float64Array.from(rows, (r) => Number(r['timestamp'])) };
    for (const k of keys) out[k] = Float64Array.from(rows, (r) => numberOrNaN(r[spec.fields[k]!]));
    return out as SeriesFrame;
  };
  return {
    dataset: spec.dataset,
    params: () => ({}),
    open: async (job, deps, retry) => {
      const client = deps.clientFor(job.exchange);
      const market = await withRetry(`look up ${job.symbol}`, retry, () => client.market(job.symbol));
      if (market.type !== 'swap') throw new UsageError(`${spec.dataset.name}: ${job.symbol} is a ${market.type} market (expected a perpetual, e.g. BTC/USDT:USDT)`);
      return {
        marketType: market.type,
        pager: (tf, until) => ({
          describe: (cursor) => `${job.symbol} ${spec.endpoint} ${tf.name} ${isoUtc(cursor)} → ${isoUtc(until)}`,
          fetch: async (cursor) => {
            for (let from = cursor; ;) {
              const to = Math.min(until, from + PAGE * tf.ms);
              let rows = await client.statistics(spec.endpoint, job.symbol, tf.name, from, to, PAGE);
              // a range with no rows is stepped over (before listing, or a hole the exchange has), once it is
              // empty twice: an exchange can answer one range empty that is not
              if (rows.length === 0 && to < until) rows = await client.statistics(spec.endpoint, job.symbol, tf.name, from, to, PAGE);
              if (rows.length > 0 || to >= until) return toFrame(rows);
              from = to;
            }
          },
          next: (page) => nextOpen(tf, page.time[page.time.length - 1]!),
          // an empty answer for the span's last range is believed once asked twice (the paging loop asks again)
          confirmEnd: async () => true,
          isLastPage: (page) => page.time.length > 0 && nextOpen(tf, page.time[page.time.length - 1]!) >= until,
        }),
      };
    },
    ...AS_SERVED,
  };
}

const LONG_SHORT = { long: 'longAccount', short: 'shortAccount', ratio: 'longShortRatio' };

/** Every statistic, by dataset name. */
export const STATISTICS_JOBS: Readonly<Record<string, DatasetJob<SeriesFrame>>> = Object.fromEntries([
  statisticsJob({ dataset: OPEN_INTEREST, endpoint: 'openInterestHist', fields: { contracts: 'sumOpenInterest', value: 'sumOpenInterestValue' } }),
  statisticsJob({ dataset: LONG_SHORT_GLOBAL, endpoint: 'globalLongShortAccountRatio', fields: LONG_SHORT }),
  statisticsJob({ dataset: LONG_SHORT_TOP_ACCOUNTS, endpoint: 'topLongShortAccountRatio', fields: LONG_SHORT }),
  statisticsJob({ dataset: LONG_SHORT_TOP_POSITIONS, endpoint: 'topLongShortPositionRatio', fields: LONG_SHORT }),
  statisticsJob({ dataset: TAKER_VOLUME, endpoint: 'takerlongshortRatio', fields: { buySellRatio: 'buySellRatio', buyVolume: 'buyVol', sellVolume: 'sellVol' } }),
].map((j) => [j.dataset.name, j]));
