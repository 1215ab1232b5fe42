import type { SeriesFrame } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import { floorOpen, parseTimeframe, type Timeframe } from '../core/timeframe.js';
import { COINGECKO_MARKET_JOB } from './coingecko-market-job.js';
import { FUNDING_JOB } from './funding-job.js';
import { OHLCV_JOB } from './ohlcv-job.js';
import { PRICE_KLINES_JOBS } from './price-klines-job.js';
import { STATISTICS_JOBS } from './statistics-job.js';
import type { StoreJob } from './store-job.js';

const DAY = 86_400_000;
/** How far back Binance serves its futures statistics. */
export const STATISTICS_WINDOW = 30 * DAY;
/** The periods Binance serves its futures statistics at. */
export const STATISTICS_PERIODS = ['5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d'];

/** A store job without its store: what build, update and collect plan for a dataset at a timeframe. */
export type PlannedJob = Omit<StoreJob<SeriesFrame>, 'symbol' | 'path' | 'erase' | 'dryRun'>;

/** How far a job reaches: from `since` (undefined: as far back as the source serves) to `until` (default: now). */
export interface Reach {
  readonly since?: number;
  readonly until?: number;
}

/**
 * The one plan of every dataset: which job, at which grid, over which window, by the exchange's clock.
 * - Candles, mark price and premium index: closed candles of `tf` from `since` (a start is required).
 * - Funding (one store per symbol, settlements on whole hours): from `since`, or from listing; a stored
 *   history is only extended forward unless an earlier `since` is asked.
 * - Futures statistics at period `tf`: never before the exchange's 30 days (one period in, as the period
 *   at the edge may already be dropped); a stored series is only extended forward unless an earlier
 *   `since` is asked; what a store misses further back is recorded as unrecoverable.
 * - CoinGecko market data: whole days from `since`.
 */
export function plannedJob(dataset: string, tf: Timeframe, exchange: string, clock: () => Promise<number>, reachOf: Reach | ((now: number) => Reach)): PlannedJob {
  // the exchange's clock is asked only when the job wants its window: after the store passed its checks
  let reach: Reach = typeof reachOf === 'function' ? {} : reachOf;
  const at = async () => {
    const now = await clock();
    if (typeof reachOf === 'function') reach = reachOf(now);
    return { now, until: reach.until ?? now };
  };
  if (dataset === 'ohlcv' || PRICE_KLINES_JOBS[dataset]) {
    const spec = dataset === 'ohlcv' ? OHLCV_JOB as unknown as PlannedJob['spec'] : PRICE_KLINES_JOBS[dataset]!;
    return { spec, tf, exchange, window: async () => {
      const { now, until } = await at();
      return { since: reach.since, until: Math.min(until, floorOpen(tf, now)) };
    } };
  }
  if (dataset === 'funding') {
    return {
      spec: FUNDING_JOB, tf: parseTimeframe('1h'), exchange,
      window: async (stored) => {
        const { now, until } = await at();
        return { since: reach.since ?? (stored ? undefined : 0), until: Math.min(until, now + 1) };
      },
    };
  }
  if (STATISTICS_JOBS[dataset]) {
    if (!STATISTICS_PERIODS.includes(tf.name)) throw new UsageError(`--timeframes ${tf.name}: ${dataset} is served at ${STATISTICS_PERIODS.join(', ')}`);
    return {
      spec: STATISTICS_JOBS[dataset]!, tf, exchange,
      window: async (stored) => {
        const { now, until } = await at();
        const servedFrom = Math.ceil((now - STATISTICS_WINDOW) / tf.ms) * tf.ms + tf.ms;
        // a kept series grows forward (update, the daily collect) unless an earlier start is asked
        const since = reach.since === undefined && stored ? undefined : Math.max(reach.since ?? servedFrom, servedFrom);
        return { since, until: Math.min(until, Math.floor(now / tf.ms) * tf.ms), servedFrom };
      },
    };
  }
  if (dataset === 'coingecko-market') {
    return { spec: COINGECKO_MARKET_JOB, tf: parseTimeframe('1d'), exchange: 'coingecko', window: async () => {
      const { now, until } = await at();
      return { since: reach.since, until: Math.min(until, Math.floor(now / DAY) * DAY) };
    } };
  }
  throw new UsageError(`--datasets: unknown dataset "${dataset}"`);
}
