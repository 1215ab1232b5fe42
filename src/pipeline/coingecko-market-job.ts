import type { SeriesFrame } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import { isoUtc } from '../core/time-format.js';
import type { MarketChart } from '../sources/coingecko-client.js';
import type { OpenSource, SourceRef } from './dataset-job.js';
import type { RunDeps } from './run-settings.js';
import type { Pager } from './pager.js';

const DAY = 86_400_000;
/** CoinGecko answers ranges over 90 days with daily points (shorter ones are hourly or finer). */
const DAILY_RANGE = 91 * DAY;
/** Days per request: a year of daily points. */
const PAGE_DAYS = 365;

/**
 * CoinGecko's daily market data as a source: the coin's `/market_chart/range`, only the points at 00:00
 * UTC of whole past days (the day in progress is not final), one row per day.
 */
export async function coinGeckoSource(job: SourceRef, deps: RunDeps): Promise<OpenSource<SeriesFrame>> {
  const client = deps.coingecko;
  if (!client) throw new UsageError('the coingecko-market dataset needs CoinGecko (run it through collect)');
  const id = job.sourceId;
  if (!id) throw new UsageError(`no CoinGecko id for ${job.symbol} (the coingecko-market dataset follows the universe)`);
  return { marketType: 'coingecko', pager: (_tf, until) => chartPager((from, to) => client.marketChart(id, from, to), id, until) };
}

function chartPager(chart: (from: number, to: number) => Promise<MarketChart>, id: string, until: number): Pager<SeriesFrame> {
  return {
    describe: (cursor) => `coingecko ${id} ${isoUtc(cursor)} → ${isoUtc(until)}`,
    fetch: async (cursor) => {
      const to = Math.min(until, cursor + PAGE_DAYS * DAY);
      // ask for more than 90 days whatever is wanted, so the points are daily; keep the wanted days
      return dailyRows(await chart(Math.min(cursor, to - DAILY_RANGE), to), cursor, to);
    },
    next: (page) => page.time[page.time.length - 1]! + DAY,
    // a page that reaches the last whole day before `until` is the span's last
    isLastPage: (page) => page.time.length === 0 || page.time[page.time.length - 1]! + DAY >= until,
    // CoinGecko has nothing to probe: an empty year is before the coin existed or after its last day
    confirmEnd: async () => true,
  };
}

/** The points at 00:00 UTC within [from, to), as rows. */
function dailyRows(c: MarketChart, from: number, to: number): SeriesFrame {
  const caps = new Map(c.marketCaps.map(([t, v]) => [t, v]));
  const volumes = new Map(c.totalVolumes.map(([t, v]) => [t, v]));
  const days = c.prices.filter(([t]) => t % DAY === 0 && t >= from && t < to);
  return {
    time: Float64Array.from(days, ([t]) => t),
    price: Float64Array.from(days, ([, v]) => v),
    marketCap: Float64Array.from(days, ([t]) => caps.get(t) ?? NaN),
    totalVolume: Float64Array.from(days, ([t]) => volumes.get(t) ?? NaN),
  };
}
