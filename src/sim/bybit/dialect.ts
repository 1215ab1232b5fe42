import { floorOpen, nextOpen, parseTimeframe, type Timeframe } from '../../core/timeframe.js';
import type { BaseBars } from '../base-bars.js';
import type { DialectContext, RunningDialect, SimDialect } from '../dialect.js';
import { ROW_FAULTS, spoilRows, type FaultKind } from '../faults.js';
import { fundingRateAt, fundingSchedule, fundingSlots } from '../funding-model.js';
import { liquidationStream } from '../liquidation-stream.js';
import type { MarketCatalog, SimMarket } from '../market-catalog.js';
import { longShareAt, openInterestAt } from '../market-stats.js';
import { indexPriceBars, markPriceBars, premiumIndexBars } from '../price-series.js';
import { RollingLimiter } from '../rate-limiter.js';
import { Router, type SimResponse } from '../router.js';
import { selectKlines } from '../select-klines.js';
import { BYBIT_LIQUIDATION_FORMAT } from './liquidation-format.js';

/**
 * Bybit's v5 dialect (`/v5/market/…`): `{retCode, retMsg, result, retExtInfo, time}` envelopes, every list
 * newest first and every number a string; intervals `1 3 5 15 30 60 120 240 360 720 D W M` (no 8h);
 * klines selected by overlap (the bar containing `start` is included), at most 1000 a page; funding
 * history paged backwards (a lone `startTime` is an error), 200 a page; open interest (200 a page) and the
 * account long/short ratio (500 a page, from 2020-07-20) with cursors; one IP budget of 600 requests per
 * rolling 5 s whose breach is an HTTP 403 and a ban of ten minutes; `allLiquidation.{symbol}` on
 * `/v5/public/linear`. Facts and their sources: ../shared/venues/bybit-okx.md §1.
 */
export const dialect: SimDialect = {
  id: 'bybit',
  kind: 'venue',
  start: (ctx: DialectContext): RunningDialect => {
    const limit = { limit: 600, windowMs: 5_000, banMs: 600_000, ...ctx.rateLimits?.['bybit'] };
    const limiter = new RollingLimiter(limit, ctx.rateClock);
    const router = new Router();
    addRoutes(router, ctx);
    const stream = liquidationStream(BYBIT_LIQUIDATION_FORMAT, ctx.catalog, ctx.seed, ctx.now, ctx.liquidationRate);
    return {
      id: 'bybit',
      router,
      owns: (path) => path.startsWith('/v5/'),
      charge: () => {
        const a = limiter.admit(1);
        if (a.ok) return { family: 'ip', weight: 1, headers: {} };
        // a breach: 403 and a ban (no header says for how long on Bybit; the simulator's Retry-After is for its tests)
        return { family: 'ip', weight: 1, headers: {}, refusal: forbidden(a.retryAfterMs) };
      },
      notFound: () => ({ status: 404, body: '{"retCode":404,"retMsg":"Not Found"}' }),
      internalError: (message) => envelopeError(10016, `Server error: ${message}`),
      symbolOf: (q) => q.get('symbol')?.toUpperCase() ?? null,
      faultReply: (kind, retryAfter) => faultReply(kind, retryAfter),
      mangle: (kind, reply, rng) => mangle(kind, reply, rng),
      rewrite: (kind, path, query) => {
        if (kind === 'delist') {
          const id = query.get('symbol')?.toUpperCase();
          if (id) ctx.catalog.delist(query.get('category') === 'spot' ? 'spot' : 'perp', id);
        }
        if (kind === 'overlap' && /kline$/.test(path)) {
          const start = Number(query.get('start'));
          const tf = timeframeOf(query.get('interval') ?? '');
          if (Number.isFinite(start) && tf) query.set('start', String(Math.max(0, start - 5 * tf.ms)));
        }
      },
      stream,
      close: () => stream.close(),
    };
  },
};

/** Bybit's interval names. */
const INTERVALS: Record<string, string> = {
  '1': '1m', '3': '3m', '5': '5m', '15': '15m', '30': '30m', '60': '1h', '120': '2h', '240': '4h', '360': '6h', '720': '12h', D: '1d', W: '1w', M: '1M',
};
/** The periods of open interest and of the account ratio. */
const PERIODS: Record<string, string> = { '5min': '5m', '15min': '15m', '30min': '30m', '1h': '1h', '4h': '4h', '1d': '1d' };
/** The account ratio's earliest time. */
const RATIO_FROM = Date.parse('2020-07-20T00:00:00Z');

function timeframeOf(interval: string): Timeframe | undefined {
  const name = INTERVALS[interval];
  return name ? parseTimeframe(name) : undefined;
}

function envelope(result: unknown, ctx: DialectContext): SimResponse {
  return { status: 200, body: JSON.stringify({ retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: ctx.now() }) };
}

function envelopeError(code: number, msg: string): SimResponse {
  return { status: 200, body: JSON.stringify({ retCode: code, retMsg: msg, result: {}, retExtInfo: {}, time: Date.now() }) };
}

function forbidden(retryAfterMs: number): SimResponse & { headers: Record<string, string> } {
  return { status: 403, body: '403 Forbidden: access too frequent', contentType: 'text/plain', headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } };
}

function marketsOf(catalog: MarketCatalog, category: string | null): ReadonlyMap<string, SimMarket> | undefined {
  const c = category ?? 'linear';
  return c === 'linear' ? catalog.perp : c === 'spot' ? catalog.spot : undefined;
}

function market(ctx: DialectContext, q: URLSearchParams): SimMarket | SimResponse {
  const markets = marketsOf(ctx.catalog, q.get('category'));
  if (!markets) return envelopeError(10001, 'params error: category not supported');
  const m = markets.get(q.get('symbol')?.toUpperCase() ?? '');
  return m ?? envelopeError(10001, 'params error: symbol invalid');
}

function str(v: number, d: number): string {
  return v.toFixed(d);
}

function addRoutes(router: Router, ctx: DialectContext): void {
  const route = (path: string, handle: (q: URLSearchParams) => SimResponse) =>
    router.add('GET', `/v5/market/${path}`, { family: 'ip', weight: () => 1, handle: (req) => handle(req.query) });
  route('time', () => envelope({ timeSecond: String(Math.floor(ctx.now() / 1000)), timeNano: `${ctx.now()}000000` }, ctx));
  route('instruments-info', (q) => instruments(ctx, q));
  route('tickers', (q) => tickers(ctx, q));
  route('kline', (q) => klines(ctx, q, undefined));
  route('mark-price-kline', (q) => klines(ctx, q, markPriceBars));
  route('index-price-kline', (q) => klines(ctx, q, indexPriceBars));
  route('premium-index-price-kline', (q) => klines(ctx, q, premiumIndexBars));
  route('funding/history', (q) => funding(ctx, q));
  route('open-interest', (q) => openInterest(ctx, q));
  route('account-ratio', (q) => accountRatio(ctx, q));
}

/** Instruments, `Trading` by default (`status=PreLaunch` the pre-market ones), paged by a cursor (limit ≤ 1000, default 500). */
function instruments(ctx: DialectContext, q: URLSearchParams): SimResponse {
  const category = q.get('category');
  const markets = marketsOf(ctx.catalog, category);
  if (!markets || !category) return envelopeError(10001, 'params error: category is required');
  const now = ctx.now();
  const status = q.get('status') ?? 'Trading';
  const all = [...markets.values()].filter((m) => {
    const s = m.contract === 'pre-market' ? 'PreLaunch' : m.delistedAt !== undefined && now >= m.delistedAt ? 'Closed' : 'Trading';
    return s === status && m.contract !== 'index';
  }).sort((a, b) => a.id.localeCompare(b.id));
  const limit = Math.min(1000, Number(q.get('limit') ?? 500) || 500);
  const start = Number(q.get('cursor') ?? 0) || 0;
  const page = all.slice(start, start + limit);
  const next = start + limit < all.length ? String(start + limit) : '';
  const list = page.map((m) => (category === 'spot' ? {
    symbol: m.id, baseCoin: m.base, quoteCoin: m.quote, innovation: '0', status, marginTrading: 'utaOnly', stTag: '0',
    lotSizeFilter: { basePrecision: '0.000001', quotePrecision: '0.00000001', minOrderQty: '0.000048', maxOrderQty: '71.73956243', minOrderAmt: '1', maxOrderAmt: '2000000' },
    priceFilter: { tickSize: (10 ** -m.source.priceDecimals).toFixed(m.source.priceDecimals) },
  } : {
    symbol: m.id, contractType: 'LinearPerpetual', status, baseCoin: m.base, quoteCoin: m.quote, launchTime: String(m.source.listedAt),
    deliveryTime: m.delistedAt !== undefined ? String(m.delistedAt) : '0', deliveryFeeRate: '', priceScale: String(m.source.priceDecimals),
    leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
    priceFilter: { minPrice: (10 ** -m.source.priceDecimals).toFixed(m.source.priceDecimals), maxPrice: '1999999.80', tickSize: (10 ** -m.source.priceDecimals).toFixed(m.source.priceDecimals) },
    lotSizeFilter: { maxOrderQty: '1190.000', minOrderQty: '0.001', qtyStep: '0.001', postOnlyMaxOrderQty: '1190.000', maxMktOrderQty: '500.000', minNotionalValue: '5' },
    unifiedMarginTrade: true, fundingInterval: (fundingSchedule(m, ctx.seed).filter((s) => s.from <= now).pop()?.hours ?? 8) * 60,
    settleCoin: m.quote, copyTrading: 'both', upperFundingRate: '0.02', lowerFundingRate: '-0.02', isPreListing: m.contract === 'pre-market', preListingInfo: null,
  }));
  return envelope({ category, list, nextPageCursor: next }, ctx);
}

/** 24 h tickers (the universe's fallback ranking reads `turnover24h`). */
function tickers(ctx: DialectContext, q: URLSearchParams): SimResponse {
  const category = q.get('category') ?? 'linear';
  const markets = marketsOf(ctx.catalog, category);
  if (!markets) return envelopeError(10001, 'params error: category not supported');
  const now = ctx.now();
  const one = q.get('symbol')?.toUpperCase();
  const h1 = parseTimeframe('1h');
  const list = [...markets.values()].filter((m) => !one || m.id === one).map((m) => {
    const bars = selectKlines(m.source, h1, { endTime: now, limit: 24 }, now);
    let volume = 0, turnover = 0, high = -Infinity, low = Infinity;
    for (let i = 0; i < bars.time.length; i++) {
      volume += bars.volume[i]!; turnover += bars.quoteVolume[i]!;
      high = Math.max(high, bars.high[i]!); low = Math.min(low, bars.low[i]!);
    }
    const d = m.source.priceDecimals;
    const last = bars.close[bars.time.length - 1] ?? 0;
    return { symbol: m.id, lastPrice: str(last, d), prevPrice24h: str(bars.open[0] ?? 0, d), highPrice24h: str(bars.time.length ? high : 0, d),
      lowPrice24h: str(bars.time.length ? low : 0, d), volume24h: volume.toFixed(4), turnover24h: turnover.toFixed(4) };
  });
  return envelope({ category, list }, ctx);
}

/**
 * Klines newest first, all strings: `[startTime, open, high, low, close, volume, turnover]` (base and
 * quote), `[startTime, open, high, low, close]` for the price series. Bars overlapping [start, end]: the
 * one containing `start` is included; `start` alone: the first `limit` from it; `end` alone or neither:
 * the last `limit` up to it; the still-open bar is returned unmarked.
 */
function klines(ctx: DialectContext, q: URLSearchParams, derive?: (b: BaseBars, m: SimMarket, tf: Timeframe) => BaseBars): SimResponse {
  if (derive && q.get('category') === 'spot') return envelopeError(10001, 'params error: category not supported');
  const m = market(ctx, q);
  if ('status' in m) return m;
  const tf = timeframeOf(q.get('interval') ?? '');
  if (!tf) return envelopeError(10001, 'params error: interval invalid');
  const limit = Number(q.get('limit') ?? 200);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return envelopeError(10001, 'params error: limit');
  const startRaw = q.get('start');
  const endRaw = q.get('end');
  const start = startRaw === null ? undefined : floorOpen(tf, Number(startRaw));
  const end = endRaw === null ? undefined : Number(endRaw);
  const now = ctx.now();
  let bars: BaseBars;
  if (start !== undefined && end === undefined) {
    bars = selectKlines(m.source, tf, { startTime: start, limit }, now);
  } else {
    bars = selectKlines(m.source, tf, { endTime: end ?? now, limit }, now);
    if (start !== undefined) {
      let a = 0;
      while (a < bars.time.length && bars.time[a]! < start) a++;
      bars = sliceRows(bars, a);
    }
  }
  if (derive) bars = derive(bars, m, tf);
  const d = derive ? 8 : m.source.priceDecimals;
  const list: string[][] = [];
  for (let i = bars.time.length - 1; i >= 0; i--) {
    const row = [String(bars.time[i]), str(bars.open[i]!, d), str(bars.high[i]!, d), str(bars.low[i]!, d), str(bars.close[i]!, d)];
    if (!derive) row.push(String(Number(bars.volume[i]!.toFixed(8))), String(Number(bars.quoteVolume[i]!.toFixed(8))));
    list.push(row);
  }
  return envelope({ symbol: m.id, category: q.get('category') ?? 'linear', list }, ctx);
}

function sliceRows(b: BaseBars, from: number): BaseBars {
  const out: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(b)) out[k] = v.subarray(from);
  return out as unknown as BaseBars;
}

/** Funding history, newest first, ≤ 200 a page: `endTime` alone gives the records up to it, both bound a range, `startTime` alone is an error. */
function funding(ctx: DialectContext, q: URLSearchParams): SimResponse {
  const m = market(ctx, q);
  if ('status' in m) return m;
  const limit = Number(q.get('limit') ?? 200);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) return envelopeError(10001, 'params error: limit');
  const start = q.get('startTime') === null ? undefined : Number(q.get('startTime'));
  const endParam = q.get('endTime') === null ? undefined : Number(q.get('endTime'));
  if (start !== undefined && endParam === undefined) return envelopeError(10001, 'params error: endTime is required when startTime is given');
  const end = Math.min(endParam ?? Infinity, ctx.now());
  const slots = fundingSlots(m, ctx.seed, start ?? m.source.listedAt, end + 1);
  const list = slots.slice(-limit).reverse().map((slot) => ({ symbol: m.id, fundingRate: fundingRateAt(m, ctx.seed, slot).toFixed(8), fundingRateTimestamp: String(slot) }));
  return envelope({ category: 'linear', list }, ctx);
}

/** Period opens in [from, to] that have closed by now, ascending. */
function periodOpens(tf: Timeframe, from: number, to: number, now: number): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(from / tf.ms) * tf.ms; t <= to && nextOpen(tf, t) <= now; t = nextOpen(tf, t)) out.push(t);
  return out;
}

/**
 * Rows of a statistic, newest first, with a cursor: the range [startTime, endTime] (a lone `startTime` is
 * ignored: it walks back from `endTime`, or now), `limit` a page, the next page's cursor when more remain.
 */
function statistic(ctx: DialectContext, q: URLSearchParams, periodParam: string, max: number, floor: number, row: (m: SimMarket, t: number) => Record<string, string>): SimResponse {
  const m = market(ctx, q);
  if ('status' in m) return m;
  const period = PERIODS[q.get(periodParam) ?? ''];
  if (!period) return envelopeError(10001, `params error: ${periodParam} invalid`);
  const tf = parseTimeframe(period);
  const limit = Number(q.get('limit') ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) return envelopeError(10001, 'params error: limit');
  const now = ctx.now();
  const end = q.get('endTime') === null ? now : Math.min(Number(q.get('endTime')), now);
  const start = q.get('endTime') === null ? undefined : q.get('startTime') === null ? undefined : Number(q.get('startTime'));
  const times = periodOpens(tf, Math.max(start ?? 0, floor, m.source.listedAt), end, now).reverse();
  const skip = Number(q.get('cursor') ?? 0) || 0;
  const page = times.slice(skip, skip + limit);
  return envelope({ symbol: m.id, category: 'linear', list: page.map((t) => row(m, t)), nextPageCursor: skip + limit < times.length ? String(skip + limit) : '' }, ctx);
}

/** Open interest from listing, 200 a page (default 50): `openInterest` in the base coin. */
function openInterest(ctx: DialectContext, q: URLSearchParams): SimResponse {
  return statistic(ctx, q, 'intervalTime', 200, 0, (m, t) => ({ openInterest: openInterestAt(m, ctx.seed, t).contracts.toFixed(8), timestamp: String(t) }));
}

/** The long/short ratio of accounts, from 2020-07-20, 500 a page (default 50): `buyRatio`, `sellRatio`. */
function accountRatio(ctx: DialectContext, q: URLSearchParams): SimResponse {
  return statistic(ctx, q, 'period', 500, RATIO_FROM, (m, t) => {
    const { long, short } = longShareAt('global', m, ctx.seed, t);
    return { symbol: m.id, buyRatio: long.toFixed(4), sellRatio: short.toFixed(4), timestamp: String(t) };
  });
}

function faultReply(kind: FaultKind, retryAfter: number): (SimResponse & { headers?: Record<string, string> }) | undefined {
  switch (kind) {
    case '403':
      return forbidden(retryAfter * 1000);
    case 'rate-200':
      // "Too many visits!" in an HTTP 200, with no header saying for how long
      return envelopeError(10006, 'Too many visits!');
    case '429':
      return { status: 429, body: '{"retCode":10006,"retMsg":"System level frequency protection. Please retry"}', headers: { 'Retry-After': String(retryAfter) } };
    case '500':
    case '503':
      return { status: Number(kind), body: '<html><body>Service Unavailable</body></html>', contentType: 'text/html' };
    case 'bad-json':
      return { status: 200, body: '{"retCode":0,"retMsg":"OK","result":{"list":[["1502942400000","4261.48",' };
    default:
      return undefined;
  }
}

/** A kline answer's list emptied, shuffled, or given impossible values. */
function mangle(kind: FaultKind, reply: SimResponse, rng: () => number): SimResponse {
  if (reply.status !== 200 || !ROW_FAULTS.includes(kind)) return reply;
  const body = JSON.parse(Buffer.from(reply.body).toString('utf8')) as { result: { list?: unknown[][] } };
  spoilRows(kind, body.result.list ?? [], rng);
  return { status: 200, body: JSON.stringify(body) };
}

