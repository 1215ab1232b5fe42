import { nextOpen, parseTimeframe, type Timeframe } from '../../core/timeframe.js';
import { hash32, makeRng, normal } from '../rng.js';
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

/** A long/short split at a period's open: its long share moves slowly around one half. */
function longShortAt(kind: string): RowMaker {
  return (m, seed, t) => {
    const rng = makeRng(hash32(`${kind}|${seed}|${m.id}|${t}`));
    const long = Math.round(Math.min(0.8, Math.max(0.2, 0.5 + 0.15 * Math.sin(t / (3 * DAY) + m.id.length) + 0.03 * normal(rng))) * 1e4) / 1e4;
    const short = Math.round((1 - long) * 1e4) / 1e4;
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
    const rng = makeRng(hash32(`taker|${seed}|${m.id}|${t}`));
    const base = openInterestAt(m, seed, t).contracts / 200;
    const buy = Math.round(base * Math.exp(0.3 * normal(rng)) * 1000) / 1000;
    const sell = Math.round(base * Math.exp(0.3 * normal(rng)) * 1000) / 1000;
    return { buySellRatio: (buy / sell).toFixed(4), sellVol: sell.toFixed(4), buyVol: buy.toFixed(4), timestamp: t };
  },
};

/** `/futures/data/*`: open interest, long/short ratios and taker volume per period, for the last 30 days. */
export function addFuturesDataRoutes(router: Router, ctx: StatisticsContext): void {
  for (const [endpoint, row] of Object.entries(STATISTICS)) {
    router.add('GET', `/futures/data/${endpoint}`, { family: 'futures-data', weight: () => 1, handle: (req) => statistic(ctx, req.query, row) });
  }
}

/** A statistic's row, as the simulator serves it (tests compare stores with it). */
export function statisticAt(endpoint: string, m: SimMarket, seed: number, t: number): Record<string, unknown> {
  return STATISTICS[endpoint]!(m, seed, t);
}

/** The coin's circulating supply as CoinMarketCap reports it beside open interest: a whole number of coins, growing slowly. */
function circulatingSupply(m: SimMarket, t: number): number {
  const base = 10 ** (7 + (hash32(`supply|${m.id}`) % 300) / 100);
  return Math.round(base * (1 + (t - Date.UTC(2020, 0, 1)) / (3650 * DAY) * 0.05));
}

/** A market's open interest at a period's open: a slow random walk around a level set by its price. */
export function openInterestAt(m: SimMarket, seed: number, t: number): { contracts: number; value: number } {
  const rng = makeRng(hash32(`oi|${seed}|${m.id}|${t}`));
  const price = m.source.priceNear?.(t) ?? 1;
  const base = 2e8 / Math.max(price, 1e-9);
  const wave = 1 + 0.2 * Math.sin(t / (7 * DAY)) + 0.02 * normal(rng);
  const contracts = Math.round(base * wave * 1000) / 1000;
  return { contracts, value: Math.round(contracts * price * 1e8) / 1e8 };
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
