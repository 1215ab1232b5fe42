import { nextOpen, parseTimeframe, TIMEFRAME_NAMES, type Timeframe } from '../../core/timeframe.js';
import type { PageCache } from '../page-cache.js';
import { klinePageBytes } from './kline-bytes.js';
import type { MarketCatalog, SimMarket } from '../market-catalog.js';
import { json, type ApiFamily, type Router, type SimResponse } from '../router.js';
import { binanceError } from './errors.js';
import { selectKlines, type KlineQuery } from '../select-klines.js';
import type { BaseBars } from '../base-bars.js';
import type { RateLimitConfig } from '../rate-limiter.js';
import { hash32 } from '../rng.js';

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
  /** Weight of /ticker/24hr for every symbol (one symbol costs a twentieth of it). */
  readonly tickerWeight: number;
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
  router.add('GET', `${d.prefix}/ticker/24hr`, {
    family: d.family, weight: (q) => (q.get('symbol') ? d.tickerWeight / 20 : d.tickerWeight),
    handle: (req) => tickers24h(d, ctx, req.query),
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

/** 24 h statistics from the last 24 one-hour candles of each market (or the one asked for). */
function tickers24h(d: FamilyDialect, ctx: FamilyContext, q: URLSearchParams): SimResponse {
  const now = ctx.now();
  const h1 = parseTimeframe('1h');
  const one = q.get('symbol')?.toUpperCase();
  const markets = [...d.markets(ctx.catalog).values()].filter((m) => !one || m.id === one);
  if (one && markets.length === 0) return binanceError(400, -1121, 'Invalid symbol.');
  const spot = d.family === 'spot';
  const rows = markets.map((m) => {
    const bars = selectKlines(m.source, h1, { endTime: now, limit: 24 }, now);
    const n = bars.time.length;
    let high = -Infinity, low = Infinity, volume = 0, quoteVolume = 0;
    for (let i = 0; i < n; i++) {
      high = Math.max(high, bars.high[i]!); low = Math.min(low, bars.low[i]!);
      volume += bars.volume[i]!; quoteVolume += bars.quoteVolume[i]!;
    }
    const open = n > 0 ? bars.open[0]! : 0;
    const last = n > 0 ? bars.close[n - 1]! : 0;
    const price = (v: number) => v.toFixed(m.source.priceDecimals);
    const trades = Array.from(bars.trades).reduce((a, b) => a + b, 0);
    const firstId = hash32(`trades|${m.id}`) % 1_000_000_000;
    // the fields in Binance's order; spot's answer also has the previous close and the book's best prices
    return {
      symbol: m.id, priceChange: price(last - open), priceChangePercent: open > 0 ? ((last / open - 1) * 100).toFixed(3) : '0.000',
      weightedAvgPrice: volume > 0 ? price(quoteVolume / volume) : price(0),
      ...(spot ? { prevClosePrice: price(open) } : {}),
      lastPrice: price(last), lastQty: '1.00000000',
      ...(spot ? { bidPrice: price(last), bidQty: '1.00000000', askPrice: price(last), askQty: '1.00000000' } : {}),
      openPrice: price(open), highPrice: price(n > 0 ? high : 0), lowPrice: price(n > 0 ? low : 0), volume: volume.toFixed(8), quoteVolume: quoteVolume.toFixed(8),
      openTime: now - 86_400_000, closeTime: now, firstId, lastId: firstId + trades, count: trades,
    };
  });
  return json(one ? rows[0] : rows);
}

/** A series derived from a market's candles on the same grid (mark price, premium index). */
export type KlineVariant = {
  readonly name: string;
  readonly derive: (bars: BaseBars, m: SimMarket, tf: Timeframe) => BaseBars;
  /** Decimals printed, when not the market's price decimals (a premium index has 8). */
  readonly decimals?: number;
  /** A price series without trading: its volume columns print "0". */
  readonly priceOnly?: boolean;
  /** The parameter naming the market (index klines: `pair`); default `symbol`. */
  readonly symbolParam?: string;
};

/** `<prefix>/<path>` serving `variant` of every market's klines, with the klines' parameters, limits and weights. */
export function addKlineVariantRoute(router: Router, d: FamilyDialect, ctx: FamilyContext, path: string, variant: KlineVariant): void {
  router.add('GET', `${d.prefix}/${path}`, {
    family: d.family,
    weight: (q) => d.klineWeight(Number(q.get('limit') ?? DEFAULT_LIMIT) || DEFAULT_LIMIT),
    handle: (req) => klines(d, ctx, req.query, variant),
  });
}

function klines(d: FamilyDialect, ctx: FamilyContext, q: URLSearchParams, variant?: KlineVariant): SimResponse {
  const parsed = parseKlineParams(d, q, variant?.symbolParam);
  if ('status' in parsed) return parsed;
  const market = d.markets(ctx.catalog).get(parsed.symbol);
  if (!market) return binanceError(400, -1121, 'Invalid symbol.');
  const { tf, query } = parsed;
  const key = `${d.family}|${variant?.name ?? ''}|${market.id}|${tf.name}|${query.startTime}|${query.endTime}|${query.limit}`;
  const cached = ctx.pageCache.get(key);
  if (cached) return { status: 200, body: cached };
  const now = ctx.now();
  const traded = selectKlines(market.source, tf, query, now);
  const bars = variant ? variant.derive(traded, market, tf) : traded;
  const body = klinePageBytes(bars, tf, variant?.decimals ?? market.source.priceDecimals, variant?.priceOnly);
  const last = bars.time[bars.time.length - 1];
  if (bars.time.length === query.limit && last !== undefined && nextOpen(tf, last) <= now) ctx.pageCache.set(key, body);
  return { status: 200, body };
}

interface KlineParams { symbol: string; tf: Timeframe; query: KlineQuery }

function parseKlineParams(d: FamilyDialect, q: URLSearchParams, symbolParam = 'symbol'): KlineParams | SimResponse {
  const symbol = q.get(symbolParam);
  if (!symbol) return mandatory(symbolParam);
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
