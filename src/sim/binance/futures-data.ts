import { nextOpen, parseTimeframe, type Timeframe } from '../../core/timeframe.js';
import { circulatingSupply, longShareAt, openInterestAt, takerVolumesAt } from '../market-stats.js';
import type { MarketCatalog, SimMarket } from '../market-catalog.js';
import { json, type Router, type SimResponse } from '../router.js';
import { binanceError } from './errors.js';

/** Binance keeps the futures statistics for the last 30 days only. */
export const STATISTICS_DAYS = 30;
const DAY = 86_400_000;
const PERIODS = ['5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d'];

export interface StatisticsContext {
  readonly catalog: MarketCatalog;
  readonly now: () => number;
  readonly seed: number;
}

/** One row of a statistic for a market at a period's open, as Binance sends it. */
type RowMaker = (m: SimMarket, seed: number, t: number) => Record<string, unknown>;

/** A long/short split at a period's open, in Binance's fields. */
function longShortAt(kind: string): RowMaker {
  return (m, seed, t) => {
    const { long, short } = longShareAt(kind, m, seed, t);
    // the fields in the order Binance sends them
    return { symbol: m.id, longAccount: long.toFixed(4), longShortRatio: (long / short).toFixed(4), shortAccount: short.toFixed(4), timestamp: t };
  };
}

const STATISTICS: Record<string, RowMaker> = {
  openInterestHist: (m, seed, t) => {
    const oi = openInterestAt(m, seed, t);
    return { symbol: m.id, sumOpenInterest: oi.contracts.toFixed(8), sumOpenInterestValue: oi.value.toFixed(8), CMCCirculatingSupply: circulatingSupply(m, t).toFixed(8), timestamp: t };
  },
  globalLongShortAccountRatio: longShortAt('global'),
  topLongShortAccountRatio: longShortAt('top-accounts'),
  topLongShortPositionRatio: longShortAt('top-positions'),
  takerlongshortRatio: (m, seed, t) => {
    const { buy, sell } = takerVolumesAt(m, seed, t);
    return { buySellRatio: (buy / sell).toFixed(4), sellVol: sell.toFixed(4), buyVol: buy.toFixed(4), timestamp: t };
  },
};

/** `/futures/data/*`: open interest, long/short ratios and taker volume per period, for the last 30 days. */
export function addFuturesDataRoutes(router: Router, ctx: StatisticsContext): void {
  for (const [endpoint, row] of Object.entries(STATISTICS)) {
    router.add('GET', `/futures/data/${endpoint}`, { family: 'futures-data', weight: () => 1, handle: (req) => statistic(ctx, req.query, row) });
  }
}

export { openInterestAt } from '../market-stats.js';

/** A statistic's row, as the simulator serves it (tests compare stores with it). */
export function statisticAt(endpoint: string, m: SimMarket, seed: number, t: number): Record<string, unknown> {
  return STATISTICS[endpoint]!(m, seed, t);
}

function statistic(ctx: StatisticsContext, q: URLSearchParams, row: RowMaker): SimResponse {
  const id = q.get('symbol')?.toUpperCase();
  const m = id ? ctx.catalog.perp.get(id) : undefined;
  if (!m) return binanceError(400, -1121, 'Invalid symbol.');
  const period = q.get('period') ?? '';
  if (!PERIODS.includes(period)) return binanceError(400, -1120, 'Invalid period.');
  const limit = Number(q.get('limit') ?? 30);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) return binanceError(400, -1130, "Data sent for parameter 'limit' is not valid.");
  const now = ctx.now();
  const tf = parseTimeframe(period);
  const oldest = now - STATISTICS_DAYS * DAY;
  const start = q.get('startTime') === null ? undefined : Number(q.get('startTime'));
  if (start !== undefined && start < oldest) return binanceError(400, -1130, "parameter 'startTime' is invalid.");
  const end = q.get('endTime') === null ? now : Math.min(Number(q.get('endTime')), now);
  // closed periods in [start, end], the latest `limit` of them when the range holds more (Binance's behaviour)
  const times = periodOpens(tf, Math.max(start ?? oldest, oldest, m.source.listedAt), end, now);
  return json(times.slice(-limit).map((t) => row(m, ctx.seed, t)));
}

function periodOpens(tf: Timeframe, from: number, to: number, now: number): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(from / tf.ms) * tf.ms; t <= to && nextOpen(tf, t) <= now; t = nextOpen(tf, t)) out.push(t);
  return out;
}
