import { nextOpen, parseTimeframe, TIMEFRAME_NAMES, type Timeframe } from '../../core/timeframe.js';
import type { PageCache } from '../page-cache.js';
import { klinePageBytes } from '../kline-bytes.js';
import type { MarketCatalog, SimMarket } from '../market-catalog.js';
import { binanceError, json, type ApiFamily, type Router, type SimResponse } from '../router.js';
import { selectKlines, type KlineQuery } from '../select-klines.js';
import type { RateLimitConfig } from '../rate-limiter.js';

/** What the market-data routes of one API family need from the running simulator. */
export interface FamilyContext {
  readonly catalog: MarketCatalog;
  readonly now: () => number;
  readonly rateLimit: RateLimitConfig;
  /** Immutable pages already served (shared by the families; keys include the family). */
  readonly pageCache: PageCache;
}

/** How one API family (spot /api/v3, USDT-M /fapi/v1) differs. */
export interface FamilyDialect {
  readonly family: ApiFamily;
  readonly prefix: string;
  readonly markets: (catalog: MarketCatalog) => ReadonlyMap<string, SimMarket>;
  readonly maxLimit: number;
  readonly klineWeight: (limit: number) => number;
  readonly exchangeInfoWeight: number;
  readonly describeMarket: (m: SimMarket, now: number) => Record<string, unknown>;
}

const DEFAULT_LIMIT = 500;

/** ping, time, exchangeInfo and klines for one family. */
export function addMarketDataRoutes(router: Router, d: FamilyDialect, ctx: FamilyContext): void {
  const one = () => 1;
  router.add('GET', `${d.prefix}/ping`, { family: d.family, weight: one, handle: () => json({}) });
  router.add('GET', `${d.prefix}/time`, { family: d.family, weight: one, handle: () => json({ serverTime: ctx.now() }) });
  router.add('GET', `${d.prefix}/exchangeInfo`, {
    family: d.family, weight: () => d.exchangeInfoWeight,
    handle: () => json(exchangeInfo(d, ctx)),
  });
  router.add('GET', `${d.prefix}/klines`, {
    family: d.family,
    weight: (q) => d.klineWeight(Number(q.get('limit') ?? DEFAULT_LIMIT) || DEFAULT_LIMIT),
    handle: (req) => klines(d, ctx, req.query),
  });
}

function exchangeInfo(d: FamilyDialect, ctx: FamilyContext): Record<string, unknown> {
  const { limit, windowMs } = ctx.rateLimit;
  return {
    timezone: 'UTC',
    serverTime: ctx.now(),
    rateLimits: [
      // in Binance's units, so that a client learns the limit the simulator enforces instead of assuming it
      windowMs % 60_000 === 0
        ? { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: windowMs / 60_000, limit }
        : { rateLimitType: 'REQUEST_WEIGHT', interval: 'SECOND', intervalNum: Math.max(1, Math.round(windowMs / 1000)), limit },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    symbols: [...d.markets(ctx.catalog).values()].map((m) => d.describeMarket(m, ctx.now())),
  };
}

function klines(d: FamilyDialect, ctx: FamilyContext, q: URLSearchParams): SimResponse {
  const parsed = parseKlineParams(d, q);
  if ('status' in parsed) return parsed;
  const market = d.markets(ctx.catalog).get(parsed.symbol);
  if (!market) return binanceError(400, -1121, 'Invalid symbol.');
  const { tf, query } = parsed;
  const key = `${d.family}|${market.id}|${tf.name}|${query.startTime}|${query.endTime}|${query.limit}`;
  const cached = ctx.pageCache.get(key);
  if (cached) return { status: 200, body: cached };
  const now = ctx.now();
  const bars = selectKlines(market.source, tf, query, now);
  const body = klinePageBytes(bars, tf, market.source.priceDecimals);
  const last = bars.time[bars.time.length - 1];
  if (bars.time.length === query.limit && last !== undefined && nextOpen(tf, last) <= now) ctx.pageCache.set(key, body);
  return { status: 200, body };
}

interface KlineParams { symbol: string; tf: Timeframe; query: KlineQuery }

function parseKlineParams(d: FamilyDialect, q: URLSearchParams): KlineParams | SimResponse {
  const symbol = q.get('symbol');
  if (!symbol) return mandatory('symbol');
  const interval = q.get('interval');
  if (!interval) return mandatory('interval');
  if (!TIMEFRAME_NAMES.includes(interval)) return binanceError(400, -1120, 'Invalid interval.');
  const nums: Record<string, number | undefined> = {};
  for (const name of ['startTime', 'endTime', 'limit']) {
    const raw = q.get(name);
    if (raw === null) continue;
    if (!/^[0-9]{1,20}$/.test(raw)) {
      return binanceError(400, -1100, `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`);
    }
    nums[name] = Number(raw);
  }
  const limit = nums.limit ?? DEFAULT_LIMIT;
  if (limit < 1 || limit > d.maxLimit) return binanceError(400, -1130, "Data sent for parameter 'limit' is not valid.");
  const { startTime, endTime } = nums;
  if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
    return binanceError(400, -1023, 'Start time is greater than end time.');
  }
  return { symbol: symbol.toUpperCase(), tf: parseTimeframe(interval), query: { startTime, endTime, limit } };
}

function mandatory(name: string): SimResponse {
  return binanceError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
}
