import type { SeriesFrame } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import { isoUtc } from '../core/time-format.js';
import { floorOpen, parseTimeframe, type Timeframe } from '../core/timeframe.js';
import { recordOf } from '../datasets/registry.js';
import { servedDataset, venueProfile } from '../exchange/venue.js';
import { jobOf } from './dataset-job.js';
import type { StoreJob } from './store-job.js';

const DAY = 86_400_000;

/** A store job without its store: what build, update and collect plan for a dataset at a timeframe. */
export type PlannedJob = Omit<StoreJob<SeriesFrame>, 'symbol' | 'path' | 'erase' | 'dryRun'>;

/** How far a job reaches: from `since` (undefined: as far back as the source serves) to `until` (default: now). */
export interface Reach {
  readonly since?: number;
  readonly until?: number;
}

/**
 * The one plan of every dataset, by its record's plan and what the venue's profile says of it: which job,
 * at which grid, over which window, by the venue's clock.
 * - `klines` (candles, mark/index/premium): closed candles of `tf` from `since` (a start is required).
 * - `settlements` (funding: one store per symbol, settlements on whole hours): from `since`, or from
 *   listing; a stored history is only extended forward unless an earlier `since` is asked.
 * - `statistic` at period `tf`: never before what the venue still serves (its `servedFrom`, or its archive's
 *   `archiveFrom` when the run reads archives); a stored
 *   series is only extended forward unless an earlier `since` is asked; what a store misses further back
 *   is recorded as unrecoverable.
 * - `days` (CoinGecko market data): whole days from `since`.
 * A timeframe the venue does not serve the dataset at, or a dataset it does not serve, is a usage error
 * naming both before anything is fetched.
 */
export function plannedJob(dataset: string, tf: Timeframe, exchange: string, clock: () => Promise<number>, reachOf: Reach | ((now: number) => Reach), archived = false): PlannedJob {
  const record = recordOf(dataset);
  if (!record) throw new UsageError(`--datasets: unknown dataset "${dataset}"`);
  // the exchange's clock is asked only when the job wants its window: after the store passed its checks
  let reach: Reach = typeof reachOf === 'function' ? {} : reachOf;
  const at = async () => {
    const now = await clock();
    if (typeof reachOf === 'function') reach = reachOf(now);
    return { now, until: reach.until ?? now };
  };
  const spec = jobOf(record);
  if (record.plan === 'days') {
    return { spec, tf: parseTimeframe('1d'), exchange: 'coingecko', window: async () => {
      const { now, until } = await at();
      return { since: reach.since, until: Math.min(until, Math.floor(now / DAY) * DAY) };
    } };
  }
  if (record.plan === 'recorded') throw new UsageError(`--datasets ${dataset}: ${dataset} are recorded from a stream, not fetched`);
  const venue = venueProfile(exchange);
  const served = servedDataset(venue, dataset);
  if (record.plan === 'settlements') {
    const hour = parseTimeframe('1h');
    return {
      spec, tf: hour, exchange,
      window: async (stored) => {
        const { now, until } = await at();
        // a venue that keeps only recent settlements: what is older is recorded as unrecoverable (with the
        // venue's archives read, what is older than the archive's first month)
        const rest = served.servedFrom?.(now, hour);
        const archiveFrom = archived ? served.archiveFrom?.(hour) : undefined;
        const servedFrom = archiveFrom !== undefined && rest !== undefined ? Math.min(archiveFrom, rest) : rest;
        return { since: reach.since ?? (stored ? undefined : servedFrom ?? 0), until: Math.min(until, now + 1), ...(servedFrom !== undefined ? { servedFrom } : {}) };
      },
    };
  }
  const timeframes = served.timeframes ?? venue.timeframes;
  if (!timeframes.includes(tf.name)) {
    throw new UsageError(`--timeframes ${tf.name}: ${venue.name} serves ${dataset} at ${timeframes.join(', ')}`);
  }
  if (record.plan === 'klines') {
    return { spec, tf, exchange, window: async () => {
      const { now, until } = await at();
      const servedFrom = served.servedFrom?.(now, tf);
      return { since: reach.since, until: Math.min(until, floorOpen(tf, now)), ...(servedFrom !== undefined ? { servedFrom } : {}) };
    } };
  }
  return {
    spec, tf, exchange,
    window: async (stored) => {
      const { now, until } = await at();
      // with the venue's archives read, history reaches back to the archive's first period
      const archiveFrom = archived ? served.archiveFrom?.(tf) : undefined;
      const rest = served.servedFrom?.(now, tf);
      const servedFrom = archiveFrom !== undefined && rest !== undefined ? Math.min(archiveFrom, rest) : rest;
      // a kept series grows forward (update, the daily collect) unless an earlier start is asked
      const since = reach.since === undefined && stored ? undefined : Math.max(reach.since ?? servedFrom ?? 0, servedFrom ?? 0);
      // asked for more than the API serves, where the venue's archive would hold it: say so
      const held = served.archiveFrom?.(tf);
      const note = !archived && held !== undefined && reach.since !== undefined && servedFrom !== undefined && reach.since < servedFrom && (!stored || reach.since < stored.first)
        ? `starts ${isoUtc(servedFrom)}: ${venue.name}'s API serves ${dataset} ${tf.name} from then only; its archive holds it from ${isoUtc(Math.max(held, reach.since))} (--archives auto)`
        : undefined;
      return { since, until: Math.min(until, Math.floor(now / tf.ms) * tf.ms), ...(servedFrom !== undefined ? { servedFrom } : {}), ...(note ? { note } : {}) };
    },
  };
}
