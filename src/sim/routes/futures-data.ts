import { nextOpen, parseTimeframe, type Timeframe } from '../../core/timeframe.js';
import { hash32, makeRng, normal } from '../rng.js';
import type { MarketCatalog, SimMarket } from '../market-catalog.js';
import { binanceError, json, type Router, type SimResponse } from '../router.js';

/** Binance keeps the futures statistics for the last 30 days only. */
export const STATISTICS_DAYS = 30;
const DAY = 86_400_000;
const PERIODS = ['5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d'];

export interface StatisticsContext {
  readonly catalog: MarketCatalog;
  readonly now: () => number;
  readonly seed: number;
}

/** `/futures/data/openInterestHist`: open interest per period, for the last 30 days. */
export function addFuturesDataRoutes(router: Router, ctx: StatisticsContext): void {
  router.add('GET', '/futures/data/openInterestHist', { family: 'futures-data', weight: () => 1, handle: (req) => openInterest(ctx, req.query) });
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

function openInterest(ctx: StatisticsContext, q: URLSearchParams): SimResponse {
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
  return json(times.slice(-limit).map((t) => {
    const oi = openInterestAt(m, ctx.seed, t);
    return { symbol: m.id, sumOpenInterest: oi.contracts.toFixed(8), sumOpenInterestValue: oi.value.toFixed(8), CMCCirculatingSupply: '0', timestamp: t };
  }));
}

function periodOpens(tf: Timeframe, from: number, to: number, now: number): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(from / tf.ms) * tf.ms; t <= to && nextOpen(tf, t) <= now; t = nextOpen(tf, t)) out.push(t);
  return out;
}
