import { floorOpen, nextOpen, parseTimeframe, type Timeframe } from '../../core/timeframe.js';
import { aggregateBars } from '../aggregate.js';
import { concatBars, type BaseBars } from '../base-bars.js';
import type { DialectContext, RunningDialect, SimDialect } from '../dialect.js';
import { ROW_FAULTS, spoilRows, type FaultKind } from '../faults.js';
import { fundingRateAt, fundingSlots } from '../funding-model.js';
import { liquidationStream } from '../liquidation-stream.js';
import { longShareAt, openInterestAt, takerVolumesAt } from '../market-stats.js';
import { indexPriceBars, markPriceBars } from '../price-series.js';
import { RollingLimiter } from '../rate-limiter.js';
import { hash32, makeRng, normal } from '../rng.js';
import { Router, type SimResponse } from '../router.js';
import { selectKlines } from '../select-klines.js';
import { OKX_LIQUIDATION_FORMAT } from './liquidation-format.js';
import { addOkxArchiveRoutes } from './archives.js';
import { instrumentOf, instruments, type Instrument } from './instruments.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Candle bars: uppercase hours and days; from 6H the plain names open on UTC+8, the `utc` ones on UTC. */
const BARS: Record<string, { tf: string; utc8: boolean }> = {
  '1m': { tf: '1m', utc8: false }, '3m': { tf: '3m', utc8: false }, '5m': { tf: '5m', utc8: false }, '15m': { tf: '15m', utc8: false }, '30m': { tf: '30m', utc8: false },
  '1H': { tf: '1h', utc8: false }, '2H': { tf: '2h', utc8: false }, '4H': { tf: '4h', utc8: false },
  '6H': { tf: '6h', utc8: true }, '12H': { tf: '12h', utc8: true }, '1D': { tf: '1d', utc8: true }, '3D': { tf: '3d', utc8: true }, '1W': { tf: '1w', utc8: true }, '1M': { tf: '1M', utc8: true },
  '6Hutc': { tf: '6h', utc8: false }, '12Hutc': { tf: '12h', utc8: false }, '1Dutc': { tf: '1d', utc8: false }, '3Dutc': { tf: '3d', utc8: false }, '1Wutc': { tf: '1w', utc8: false }, '1Mutc': { tf: '1M', utc8: false },
};
/** Rubik's periods (the trading statistics). */
const PERIODS: Record<string, string> = { '5m': '5m', '15m': '15m', '30m': '30m', '1H': '1h', '2H': '2h', '4H': '4h', '1Dutc': '1d', '1D': '1d' };
/** `candles` serves only the latest 1,440 bars; `history-candles` serves the rest. */
const RECENT_BARS = 1440;
/** Funding history goes back three months. */
const FUNDING_DAYS = 92;
/** The statistics keep the latest 1,440 entries, none before February 2024 (1D: January 2024). */
const RUBIK_ENTRIES = 1440;
const RUBIK_FROM = Date.parse('2024-02-01T00:00:00Z');
const RUBIK_DAILY_FROM = Date.parse('2024-01-01T00:00:00Z');
const TOP_TRADER_FROM = Date.parse('2024-03-22T00:00:00Z');

/** Each endpoint's budget per 2 s, and what it is counted per (IP, or IP and instrument or instrument type). */
const LIMITS: Record<string, { limit: number; per?: 'instId' | 'instType' }> = {
  'market/candles': { limit: 40 }, 'market/history-candles': { limit: 20 },
  'market/mark-price-candles': { limit: 20 }, 'market/history-mark-price-candles': { limit: 20 },
  'market/index-candles': { limit: 20 }, 'market/history-index-candles': { limit: 10 },
  'market/tickers': { limit: 20 }, 'public/time': { limit: 10 }, 'public/instruments': { limit: 20, per: 'instType' },
  'public/funding-rate-history': { limit: 10, per: 'instId' },
  'public/market-data-history': { limit: 5 },
  'rubik/stat/contracts/open-interest-history': { limit: 10, per: 'instId' },
  'rubik/stat/taker-volume-contract': { limit: 5, per: 'instId' },
  'rubik/stat/contracts/long-short-account-ratio-contract': { limit: 5, per: 'instId' },
  'rubik/stat/contracts/long-short-account-ratio-contract-top-trader': { limit: 5, per: 'instId' },
  'rubik/stat/contracts/long-short-position-ratio-contract-top-trader': { limit: 5, per: 'instId' },
};

/**
 * OKX's v5 dialect (`/api/v5/…`): `{"code":"0","msg":"","data":[…]}` with string codes, every list newest
 * first; candles `[ts,o,h,l,c,vol,volCcy,volCcyQuote,confirm]` (a swap's `vol` in contracts of `ctVal`
 * coins, `volCcy` in the coin), the latest 1,440 bars from `candles` and the rest from `history-candles`,
 * 300 a page, `after`/`before` exclusive; bars uppercase, no 8H, 6H and longer on UTC+8 unless `…utc`;
 * mark and index candles 100 a page, no premium klines; funding for three months (`realizedRate` the
 * settled rate); trading statistics of the latest 1,440 entries from 2024; a budget per endpoint (and
 * instrument) per 2 s refused with 50011 (HTTP 429, or HTTP 200); `liquidation-orders` for every swap,
 * sampled. Facts and sources: ../shared/venues/bybit-okx.md §2.
 */
export const dialect: SimDialect = {
  id: 'okx',
  kind: 'venue',
  start: (ctx: DialectContext): RunningDialect => {
    const limiters = new Map<string, RollingLimiter>();
    const router = new Router();
    addRoutes(router, ctx);
    const stream = liquidationStream(OKX_LIQUIDATION_FORMAT, ctx.catalog, ctx.seed, ctx.now, ctx.liquidationRate);
    return {
      id: 'okx',
      router,
      owns: (path) => path.startsWith('/api/v5/') || path.startsWith('/cdn/okex/'),
      charge: (path, query) => {
        const endpoint = path.slice('/api/v5/'.length);
        const rule = LIMITS[endpoint];
        if (!rule) return { family: endpoint, weight: 1, headers: {} };
        const family = rule.per ? `${endpoint}:${query.get(rule.per) ?? ''}` : endpoint;
        let l = limiters.get(family);
        if (!l) limiters.set(family, l = new RollingLimiter({ limit: rule.limit, windowMs: 2_000, banMs: 0, ...ctx.rateLimits?.[endpoint] }, ctx.rateClock));
        const a = l.admit(1);
        if (a.ok) return { family, weight: 1, headers: {} };
        return { family, weight: 1, headers: {}, refusal: { status: 429, body: '{"msg":"Too Many Requests","code":"50011"}' } };
      },
      notFound: (_method, path) => ({ status: 404, body: JSON.stringify({ code: '404', msg: `Not Found ${path}`, data: [] }) }),
      internalError: (message) => error('50000', `System error: ${message}`),
      symbolOf: (q) => q.get('instId'),
      faultReply: (kind, retryAfter) => faultReply(kind, retryAfter),
      mangle: (kind, reply, rng) => mangle(kind, reply, rng),
      rewrite: (kind, path, query) => {
        if (kind === 'delist') {
          const inst = instrumentOf(ctx, query.get('instId') ?? '');
          if (inst) ctx.catalog.delist(inst.type === 'SPOT' ? 'spot' : 'perp', inst.market.id);
        }
        if (kind === 'overlap' && /candles$/.test(path)) {
          const before = Number(query.get('before'));
          const bar = BARS[query.get('bar') ?? ''];
          if (Number.isFinite(before) && bar) query.set('before', String(Math.max(0, before - 5 * parseTimeframe(bar.tf).ms)));
        }
      },
      stream,
      close: () => stream.close(),
    };
  },
};

function ok(data: unknown): SimResponse {
  return { status: 200, body: JSON.stringify({ code: '0', msg: '', data }) };
}

function error(code: string, msg: string): SimResponse {
  return { status: 200, body: JSON.stringify({ code, msg, data: [] }) };
}

function faultReply(kind: FaultKind, retryAfter: number): (SimResponse & { headers?: Record<string, string> }) | undefined {
  switch (kind) {
    case '429':
      return { status: 429, body: '{"msg":"Too Many Requests","code":"50011"}', headers: { 'Retry-After': String(retryAfter) } };
    case 'rate-200':
      return error('50011', 'Rate limit reached. Please refer to API documentation and throttle requests accordingly.');
    case '500':
    case '503':
      return { status: Number(kind), body: '{"msg":"Systems are busy. Please try again later.","code":"50013"}' };
    case 'bad-json':
      return { status: 200, body: '{"code":"0","msg":"","data":[["1597026383085","8533.02",' };
    default:
      return undefined;
  }
}

function mangle(kind: FaultKind, reply: SimResponse, rng: () => number): SimResponse {
  if (reply.status !== 200 || !ROW_FAULTS.includes(kind)) return reply;
  const body = JSON.parse(Buffer.from(reply.body).toString('utf8')) as { data: unknown[] };
  spoilRows(kind, body.data, rng);
  return { status: 200, body: JSON.stringify(body) };
}

function addRoutes(router: Router, ctx: DialectContext): void {
  const route = (path: string, handle: (q: URLSearchParams) => SimResponse) =>
    router.add('GET', `/api/v5/${path}`, { family: path, weight: () => 1, handle: (req) => handle(req.query) });
  route('public/time', () => ok([{ ts: String(ctx.now()) }]));
  route('public/instruments', (q) => {
    const type = q.get('instType');
    if (type !== 'SPOT' && type !== 'SWAP' && type !== 'FUTURES' && type !== 'OPTION') return error('51000', 'Parameter instType error');
    return ok(type === 'SPOT' || type === 'SWAP' ? instruments(ctx, type).map((i) => i.describe) : []);
  });
  route('market/tickers', (q) => tickers(ctx, q));
  route('market/candles', (q) => candles(ctx, q, 'trade', 300, true));
  route('market/history-candles', (q) => candles(ctx, q, 'trade', 300, false));
  route('market/mark-price-candles', (q) => candles(ctx, q, 'mark', 100, true));
  route('market/history-mark-price-candles', (q) => candles(ctx, q, 'mark', 100, false));
  route('market/index-candles', (q) => candles(ctx, q, 'index', 100, true));
  route('market/history-index-candles', (q) => candles(ctx, q, 'index', 100, false));
  route('public/funding-rate-history', (q) => funding(ctx, q));
  addOkxArchiveRoutes(router, ctx, ok, error, (inst, from, to) => archiveCandleRows(ctx, inst, from, to));
  route('rubik/stat/contracts/open-interest-history', (q) => rubik(ctx, q, RUBIK_FROM, (inst, t) => {
    const oi = openInterestAt(inst.market, ctx.seed, t);
    const coins = oi.contracts * inst.multiplier;
    return [String(t), trimmed(coins / inst.ctVal, 2), trimmed(coins, 4), trimmed(oi.value, 4)];
  }));
  route('rubik/stat/taker-volume-contract', (q) => {
    const unit = q.get('unit') ?? '1';
    return rubik(ctx, q, RUBIK_FROM, (inst, t) => {
      const v = takerVolumesAt(inst.market, ctx.seed, t);
      const [sell, buy] = [v.sell * inst.multiplier, v.buy * inst.multiplier];
      const price = (inst.market.source.priceNear?.(t) ?? 1) / inst.multiplier;
      const as = (coins: number) => (unit === '0' ? trimmed(coins, 4) : unit === '2' ? trimmed(coins * price, 2) : trimmed(coins / inst.ctVal, 2));
      return [String(t), as(sell), as(buy)];
    });
  });
  const ratio = (kind: string, from: number) => (q: URLSearchParams) => rubik(ctx, q, from, (inst, t) => {
    const { long, short } = longShareAt(kind, inst.market, ctx.seed, t);
    return [String(t), (long / short).toFixed(4)];
  });
  route('rubik/stat/contracts/long-short-account-ratio-contract', ratio('global', RUBIK_FROM));
  route('rubik/stat/contracts/long-short-account-ratio-contract-top-trader', ratio('top-accounts', TOP_TRADER_FROM));
  route('rubik/stat/contracts/long-short-position-ratio-contract-top-trader', ratio('top-positions', TOP_TRADER_FROM));
}

/** A number as OKX prints it: its decimal text, without trailing zeros. */
/** A candle's volumes as OKX sends them: a swap's `vol` in contracts, `volCcy` in coins; a pair's `vol` in coins, `volCcy` in the quote. */
function tradeVolumes(inst: Instrument, coins: number, quote: number): string[] {
  return inst.type === 'SWAP' ? [trimmed(coins / inst.ctVal, 2), trimmed(coins, 8), trimmed(quote, 4)] : [trimmed(coins, 8), trimmed(quote, 4), trimmed(quote, 4)];
}

/** The 1m candles of [from, to) as the archive's CSV rows (`instrument_name,open,high,low,close,vol,vol_ccy,vol_quote,open_time,confirm`). */
function archiveCandleRows(ctx: DialectContext, inst: Instrument, from: number, to: number): string[] {
  const m1 = parseTimeframe('1m');
  const now = ctx.now();
  const bars = barsOf(inst, m1, false, { startTime: from, endTime: to - 1, limit: Math.ceil((to - from) / m1.ms) + 1 }, now);
  const d = inst.priceDecimals;
  const out: string[] = [];
  for (let i = 0; i < bars.time.length; i++) {
    const t = bars.time[i]!;
    if (t < from || t >= to) continue;
    out.push([inst.instId, bars.open[i]!.toFixed(d), bars.high[i]!.toFixed(d), bars.low[i]!.toFixed(d), bars.close[i]!.toFixed(d), ...tradeVolumes(inst, bars.volume[i]!, bars.quoteVolume[i]!), String(t), '1'].join(','));
  }
  return out;
}

function trimmed(v: number, decimals: number): string {
  return String(Number(v.toFixed(decimals)));
}

function tickers(ctx: DialectContext, q: URLSearchParams): SimResponse {
  const type = q.get('instType');
  if (type !== 'SPOT' && type !== 'SWAP') return error('51000', 'Parameter instType error');
  const now = ctx.now();
  const h1 = parseTimeframe('1h');
  return ok(instruments(ctx, type).filter((i) => i.state === 'live').map((i) => {
    const bars = selectKlines(i.market.source, h1, { endTime: now, limit: 24 }, now);
    let volume = 0, quote = 0;
    for (let k = 0; k < bars.time.length; k++) { volume += bars.volume[k]!; quote += bars.quoteVolume[k]!; }
    const last = (bars.close[bars.time.length - 1] ?? 0) / i.multiplier;
    const coins = volume * i.multiplier;
    return {
      instType: type, instId: i.instId, last: last.toFixed(i.priceDecimals), open24h: ((bars.open[0] ?? 0) / i.multiplier).toFixed(i.priceDecimals),
      vol24h: type === 'SWAP' ? trimmed(coins / i.ctVal, 2) : trimmed(coins, 6), volCcy24h: type === 'SWAP' ? trimmed(coins, 6) : trimmed(quote, 2), ts: String(now),
    };
  }));
}

/** Bars of `tf` in the venue's units: prices per coin, volumes in coins; on UTC+8 when the bar says so. */
function barsOf(inst: Instrument, tf: Timeframe, utc8: boolean, q: { startTime?: number; endTime?: number; limit: number }, now: number): BaseBars {
  const m = inst.market;
  let bars: BaseBars;
  if (!utc8) bars = selectKlines(m.source, tf, q, now);
  else {
    // the hours of the span, moved 8 hours on, cut on UTC's grid, moved back
    const shift = 8 * HOUR;
    const hours = selectKlines(m.source, parseTimeframe('1h'), { ...(q.startTime !== undefined ? { startTime: q.startTime } : {}), endTime: q.endTime, limit: 24 * 400 }, now);
    const moved = concatBars([hours]);
    for (let i = 0; i < moved.time.length; i++) moved.time[i] = moved.time[i]! + shift;
    bars = aggregateBars(moved, tf, m.source.units);
    for (let i = 0; i < bars.time.length; i++) bars.time[i] = bars.time[i]! - shift;
  }
  if (inst.multiplier === 1) return bars;
  const out = concatBars([bars]);
  for (let i = 0; i < out.time.length; i++) {
    for (const k of ['open', 'high', 'low', 'close'] as const) out[k][i] = out[k][i]! / inst.multiplier;
    out.volume[i] = out.volume[i]! * inst.multiplier;
  }
  return out;
}

/**
 * Candles newest first: `after` (older than), `before` (newer than), both exclusive; neither: the latest;
 * with both, the newest `limit` between them. `candles` has only the latest 1,440 bars (older: empty),
 * `history-candles` everything; the open bar is sent with `confirm` 0.
 */
function candles(ctx: DialectContext, q: URLSearchParams, kind: 'trade' | 'mark' | 'index', max: number, recent: boolean): SimResponse {
  const inst = instrumentOf(ctx, q.get('instId') ?? '', kind === 'index');
  if (!inst || (kind === 'mark' && inst.type !== 'SWAP')) return error('51001', `Instrument ID ${q.get('instId') ?? ''} does not exist`);
  const barName = q.get('bar') ?? '1m';
  const bar = BARS[barName];
  if (!bar || (kind !== 'trade' && (barName === '3D' || barName === '3Dutc'))) return error('51000', 'Parameter bar error');
  const limit = Number(q.get('limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) return error('51000', 'Parameter limit error');
  const tf = parseTimeframe(bar.tf);
  const now = ctx.now();
  const after = q.get('after') === null ? undefined : Number(q.get('after'));
  const before = q.get('before') === null ? undefined : Number(q.get('before'));
  let bars = barsOf(inst, tf, bar.utc8, { endTime: after === undefined ? now : after - 1, limit: limit + (bar.utc8 ? 1 : 0) }, now);
  if (kind !== 'trade') bars = (kind === 'mark' ? markPriceBars : indexPriceBars)(bars, inst.market, tf);
  const floor = recent ? floorOpen(tf, now) - (RECENT_BARS - 1) * tf.ms : -Infinity;
  const rows: string[][] = [];
  for (let i = bars.time.length - 1; i >= 0 && rows.length < limit; i--) {
    const t = bars.time[i]!;
    if ((after !== undefined && t >= after) || (before !== undefined && t <= before) || t < floor || t > now) continue;
    const d = kind === 'trade' ? inst.priceDecimals : 8;
    const confirm = nextOpen(tf, t) <= now ? '1' : '0';
    const price = [String(t), bars.open[i]!.toFixed(d), bars.high[i]!.toFixed(d), bars.low[i]!.toFixed(d), bars.close[i]!.toFixed(d)];
    if (kind !== 'trade') rows.push([...price, confirm]);
    else {
      const coins = bars.volume[i]!;
      const quote = bars.quoteVolume[i]!;
      rows.push([...price, ...tradeVolumes(inst, coins, quote), confirm]);
    }
  }
  return ok(rows);
}

/**
 * Funding history of a swap, newest first, ≤ 400 a page, three months deep: `fundingRate` is the rate as
 * predicted, `realizedRate` the one settled (they differ a little); `fundingTime` on the hour.
 */
function funding(ctx: DialectContext, q: URLSearchParams): SimResponse {
  const inst = instrumentOf(ctx, q.get('instId') ?? '');
  if (!inst || inst.type !== 'SWAP') return error('51001', `Instrument ID ${q.get('instId') ?? ''} does not exist`);
  const limit = Number(q.get('limit') ?? 400);
  if (!Number.isInteger(limit) || limit < 1 || limit > 400) return error('51000', 'Parameter limit error');
  const now = ctx.now();
  const after = q.get('after') === null ? now + 1 : Number(q.get('after'));
  const before = q.get('before') === null ? -Infinity : Number(q.get('before'));
  const slots = fundingSlots(inst.market, ctx.seed, Math.max(now - FUNDING_DAYS * DAY, before + 1), Math.min(after, now + 1)).reverse().slice(0, limit);
  return ok(slots.map((slot) => {
    const realized = fundingRateAt(inst.market, ctx.seed, slot);
    const predicted = realized + Math.round(normal(makeRng(hash32(`okx-predicted|${ctx.seed}|${inst.instId}|${slot}`))) * 2e-6 * 1e8) / 1e8;
    return { instType: 'SWAP', instId: inst.instId, formulaType: 'withRate', fundingRate: predicted.toFixed(8), realizedRate: realized.toFixed(8), fundingTime: String(slot), method: 'current_period' };
  }));
}

/**
 * A trading statistic of a swap: period opens newer than `begin` and older than `end` (both exclusive),
 * newest first, ≤ 100 a page, only the latest 1,440 entries and none before the statistic starts.
 */
function rubik(ctx: DialectContext, q: URLSearchParams, from: number, row: (inst: Instrument, t: number) => string[]): SimResponse {
  const inst = instrumentOf(ctx, q.get('instId') ?? '');
  if (!inst || inst.type !== 'SWAP') return error('51001', `Instrument ID ${q.get('instId') ?? ''} does not exist`);
  const periodName = q.get('period') ?? '5m';
  const period = PERIODS[periodName];
  if (!period) return error('51000', 'Parameter period error');
  const tf = parseTimeframe(period);
  const limit = Number(q.get('limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return error('51000', 'Parameter limit error');
  const now = ctx.now();
  const newest = floorOpen(tf, now) - tf.ms; // the last closed period
  const oldest = Math.max(newest - (RUBIK_ENTRIES - 1) * tf.ms, period === '1d' ? RUBIK_DAILY_FROM : from, floorOpen(tf, inst.market.source.listedAt));
  const end = q.get('end') === null ? Infinity : Number(q.get('end'));
  const begin = q.get('begin') === null ? -Infinity : Number(q.get('begin'));
  const rows: string[][] = [];
  for (let t = newest; t >= oldest && rows.length < limit; t -= tf.ms) {
    if (t >= end || t <= begin) continue;
    rows.push(row(inst, t));
  }
  return ok(rows);
}
