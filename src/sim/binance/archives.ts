import { createHash } from 'node:crypto';
import { zipSync } from 'fflate';
import { nextOpen, parseTimeframe, type Timeframe } from '../../core/timeframe.js';
import type { BaseBars } from '../base-bars.js';
import type { MarketCatalog, SimMarket } from '../market-catalog.js';
import { selectKlines } from '../select-klines.js';
import { indexPriceBars, markPriceBars, premiumIndexBars } from '../price-series.js';
import { statisticAt } from './futures-data.js';
import { fundingArchiveCsv } from './funding.js';
import type { Router, SimResponse } from '../router.js';

const DAY = 86_400_000;
/** Binance publishes a day's archive some hours after the day, a month's a day after the month. */
const DAILY_DELAY = 8 * 3_600_000;
const MONTHLY_DELAY = DAY;
/** Spot archives write times in microseconds from 2025 on. */
const SPOT_MICROS_FROM = Date.parse('2025-01-01T00:00:00Z');
/** USDT-M archives carry a header row from 2022 on. */
const FUTURES_HEADER_FROM = Date.parse('2022-01-01T00:00:00Z');
const HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

export interface ArchiveFaults {
  /** Archive file names (`BTCUSDT-1m-2024-01.zip`) served as a damaged zip, the first `times` times. */
  readonly corrupt?: readonly string[];
  /** Archive file names whose `.CHECKSUM` names another sha256, the first `times` times. */
  readonly badChecksum?: readonly string[];
  /** Archive file names answered 404 (a hole in the archive), always. */
  readonly missing?: readonly string[];
  readonly times?: number;
}

/**
 * An archive's zip or `.CHECKSUM` as served, with the faults asked for this file name: a `.CHECKSUM` naming
 * another sha256 or a damaged zip (the first `times` times), or a 404 (always).
 */
function faultyReply(ctx: ArchiveContext, served: Map<string, number>, name: string, zip: Uint8Array, checksum: boolean): SimResponse {
  if (ctx.faults?.missing?.includes(name)) return notFound();
  const times = ctx.faults?.times ?? 1;
  const count = (what: string) => {
    const n = (served.get(`${what}|${name}`) ?? 0) + 1;
    served.set(`${what}|${name}`, n);
    return n <= times;
  };
  if (checksum) {
    const bad = ctx.faults?.badChecksum?.includes(name) && count('checksum');
    const sha = bad ? createHash('sha256').update('not this file').digest('hex') : createHash('sha256').update(zip).digest('hex');
    return { status: 200, body: `${sha}  ${name}\n`, contentType: 'text/plain' };
  }
  if (ctx.faults?.corrupt?.includes(name) && count('zip')) {
    const broken = zip.slice();
    broken.fill(0x41, 30, Math.min(broken.length, 200));
    return { status: 200, body: broken, contentType: 'application/zip' };
  }
  return { status: 200, body: zip, contentType: 'application/zip' };
}

export interface ArchiveContext {
  readonly catalog: MarketCatalog;
  readonly now: () => number;
  readonly faults?: ArchiveFaults;
  /** The model's seed: the statistics archives hold the values the REST endpoints serve. */
  readonly seed: number;
}

/** The first day of Binance's `metrics` archive (5m statistics of USDT-M perpetuals). */
export const METRICS_FROM = Date.parse('2021-12-01T00:00:00Z');
export const METRICS_HEADER = 'create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio';

/**
 * Binance's public archives (data.binance.vision) on the simulator: `/data/spot|futures/um/monthly|daily/
 * klines/<SYM>/<tf>/<SYM>-<tf>-<YYYY-MM[-DD]>.zip` and `….zip.CHECKSUM` (`<sha256>  <file name>`). A zip
 * holds one CSV of Binance's 12 kline columns; spot times are in µs from 2025, USDT-M files have a header
 * row from 2022. An archive exists once its period is over and published (a day: 8 h later; a month: a
 * day later); otherwise 404, as on Binance.
 */
export function addArchiveRoutes(router: Router, ctx: ArchiveContext): void {
  const zips = new Map<string, Uint8Array>();
  const served = new Map<string, number>();
  const pattern = /^\/data\/(spot|futures\/um)\/(monthly|daily)\/(klines|markPriceKlines|indexPriceKlines|premiumIndexKlines)\/([A-Z0-9]+)\/(\w+)\/([A-Z0-9]+)-(\w+)-(\d{4}-\d{2}(?:-\d{2})?)\.zip(\.CHECKSUM)?$/;
  router.addPattern('GET', pattern, {
    family: 'archive',
    weight: () => 0,
    handle: (_req, m) => {
      const [, kind, period, series, sym, tfName, sym2, tf2, label, checksum] = m as unknown as string[];
      const variant = PRICE_SERIES[series!];
      if (sym !== sym2 || tfName !== tf2 || (variant && kind === 'spot')) return notFound();
      const market = (kind === 'spot' ? ctx.catalog.spot : ctx.catalog.perp).get(sym!);
      const tf = timeframeOf(tfName!);
      if (!market || !tf) return notFound();
      const from = Date.parse(`${label}${period === 'monthly' ? '-01' : ''}T00:00:00Z`);
      const to = period === 'monthly' ? nextOpen(parseTimeframe('1M'), from) : from + DAY;
      if (!Number.isFinite(from) || ctx.now() < to + (period === 'monthly' ? MONTHLY_DELAY : DAILY_DELAY) || to <= market.source.listedAt) return notFound();
      const name = `${sym}-${tfName}-${label}.zip`;
      const key = `${kind}|${series}|${name}`;
      let zip = zips.get(key);
      if (!zip) {
        // deflate level 1: the simulator's CPU is what a client waits on here, not bytes on loopback
        zip = zipSync({ [name.replace(/\.zip$/, '.csv')]: new TextEncoder().encode(archiveCsv(market, kind === 'spot', tf, from, to, ctx.now(), variant)) }, { level: 1 });
        zips.set(key, zip);
        // a zip is asked for twice (its .CHECKSUM, then itself): keep the recent ones only
        if (zips.size > 64) zips.delete(zips.keys().next().value!);
      }
      return faultyReply(ctx, served, name, zip, checksum !== undefined);
    },
  });
  addMetricsRoutes(router, ctx);
  addFundingArchiveRoutes(router, ctx);
}

/** A perpetual's archive of one kind: its folder, its file's period, and the CSV of a period. */
interface PerpArchive {
  /** `monthly/fundingRate`, `daily/metrics`. */
  readonly folder: string;
  /** `fundingRate`, `metrics`: the file's name is `<SYM>-<kind>-<label>.zip`. */
  readonly kind: string;
  /** The label's pattern (`\d{4}-\d{2}`). */
  readonly label: string;
  /** The span a label covers and when it is published; undefined when no such file exists. */
  span(label: string): { from: number; to: number; published: number } | undefined;
  csv(m: SimMarket, from: number, to: number): string;
}

/** `/data/futures/um/<folder>/<SYM>/<SYM>-<kind>-<label>.zip` and its `.CHECKSUM`: 404 until published, and before listing. */
function addPerpArchiveRoutes(router: Router, ctx: ArchiveContext, a: PerpArchive): void {
  const pattern = new RegExp(`^/data/futures/um/${a.folder}/([A-Z0-9]+)/([A-Z0-9]+)-${a.kind}-(${a.label})\\.zip(\\.CHECKSUM)?$`);
  // a zip is asked for twice (its .CHECKSUM, then itself): keep the recent ones
  const zips = new Map<string, Uint8Array>();
  const served = new Map<string, number>();
  router.addPattern('GET', pattern, {
    family: 'archive',
    weight: () => 0,
    handle: (_req, m) => {
      const [, sym, sym2, label, checksum] = m as unknown as string[];
      const market = ctx.catalog.perp.get(sym!);
      const span = a.span(label!);
      if (sym !== sym2 || !market || !span || ctx.now() < span.published || span.to <= market.source.listedAt) return notFound();
      const name = `${sym}-${a.kind}-${label}.zip`;
      let zip = zips.get(name);
      if (!zip) {
        zips.set(name, zip = zipOf(name, a.csv(market, Math.max(span.from, market.source.listedAt), span.to)));
        if (zips.size > 64) zips.delete(zips.keys().next().value!);
      }
      return faultyReply(ctx, served, name, zip, checksum !== undefined);
    },
  });
}

/**
 * `futures/um/monthly/fundingRate/<SYM>/<SYM>-fundingRate-<YYYY-MM>.zip`: a month's settlements, published
 * a day after the month ends.
 */
function addFundingArchiveRoutes(router: Router, ctx: ArchiveContext): void {
  addPerpArchiveRoutes(router, ctx, {
    folder: 'monthly/fundingRate', kind: 'fundingRate', label: '\\d{4}-\\d{2}',
    span: (label) => {
      const from = Date.parse(`${label}-01T00:00:00Z`);
      if (!Number.isFinite(from)) return undefined;
      const to = nextOpen(parseTimeframe('1M'), from);
      return { from, to, published: to + MONTHLY_DELAY };
    },
    csv: (m, from, to) => fundingArchiveCsv(m, ctx.seed, from, to),
  });
}

/**
 * `futures/um/daily/metrics/<SYM>/<SYM>-metrics-<YYYY-MM-DD>.zip`: a day of 5m statistics of a perpetual,
 * one row per period with a header, times as `YYYY-MM-DD HH:MM:SS` UTC, from 2021-12-01 (or the listing)
 * on, published 8 h after the day. The values are the REST endpoints' for the same period, as they print
 * them: open interest in the base coin and its value in USDT; the top traders' account ratio
 * (count_toptrader…), their position ratio (sum_toptrader…), every account's ratio (count_long_short…)
 * and the taker buy/sell volume ratio.
 */
function addMetricsRoutes(router: Router, ctx: ArchiveContext): void {
  addPerpArchiveRoutes(router, ctx, {
    folder: 'daily/metrics', kind: 'metrics', label: '\\d{4}-\\d{2}-\\d{2}',
    span: (label) => {
      const from = Date.parse(`${label}T00:00:00Z`);
      return Number.isFinite(from) && from >= METRICS_FROM ? { from, to: from + DAY, published: from + DAY + DAILY_DELAY } : undefined;
    },
    csv: (m, from, to) => metricsCsv(m, ctx.seed, from, to),
  });
}

/** The 5m statistics of [from, to) in the metrics archive's columns (the REST endpoints' rows, field by field). */
export function metricsCsv(m: SimMarket, seed: number, from: number, to: number): string {
  const lines = [METRICS_HEADER];
  const step = 300_000;
  for (let t = Math.ceil(from / step) * step; t < to; t += step) {
    const oi = statisticAt('openInterestHist', m, seed, t);
    const top = statisticAt('topLongShortAccountRatio', m, seed, t);
    const pos = statisticAt('topLongShortPositionRatio', m, seed, t);
    const all = statisticAt('globalLongShortAccountRatio', m, seed, t);
    const taker = statisticAt('takerlongshortRatio', m, seed, t);
    const time = new Date(t).toISOString().replace('T', ' ').slice(0, 19);
    lines.push([time, m.id, oi['sumOpenInterest'], oi['sumOpenInterestValue'], top['longShortRatio'], pos['longShortRatio'], all['longShortRatio'], taker['buySellRatio']].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** One CSV in a zip, named as the zip (deflate level 1: the simulator's CPU is what a client waits on). */
function zipOf(name: string, csv: string): Uint8Array {
  return zipSync({ [name.replace(/\.zip$/, '.csv')]: new TextEncoder().encode(csv) }, { level: 1 });
}

function notFound(): SimResponse {
  return { status: 404, body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>', contentType: 'application/xml' };
}

function timeframeOf(name: string): Timeframe | undefined {
  try {
    return parseTimeframe(name === '1mo' ? '1M' : name);
  } catch {
    return undefined;
  }
}

/** The price series archived beside the klines: derived from the traded candles as the REST endpoints derive them, 8 decimals. */
const PRICE_SERIES: Readonly<Record<string, ((bars: BaseBars, m: SimMarket, tf: Timeframe) => BaseBars) | undefined>> = {
  markPriceKlines: markPriceBars, indexPriceKlines: indexPriceBars, premiumIndexKlines: premiumIndexBars,
};

/** The period's candles (or a price series of them) as Binance's archive CSV (the same values the REST API serves). */
function archiveCsv(m: SimMarket, spot: boolean, tf: Timeframe, from: number, to: number, now: number, variant?: (bars: BaseBars, m: SimMarket, tf: Timeframe) => BaseBars): string {
  const count = Math.ceil((to - from) / tf.ms) + 1;
  const traded = selectKlines(m.source, tf, { startTime: from, endTime: to - 1, limit: count }, now);
  const bars = variant ? variant(traded, m, tf) : traded;
  const micros = spot && from >= SPOT_MICROS_FROM;
  const lines = !spot && from >= FUTURES_HEADER_FROM ? [HEADER] : [];
  const d = variant ? 8 : m.source.priceDecimals;
  const t = (ms: number) => (micros ? `${ms}000` : String(ms));
  const price = (v: number) => v.toFixed(d);
  const qty = (v: number) => fixed8(v);
  for (let i = 0; i < bars.time.length; i++) lines.push(row(bars, i, tf, t, price, qty));
  return `${lines.join('\n')}\n`;
}

function row(b: BaseBars, i: number, tf: Timeframe, t: (ms: number) => string, price: (v: number) => string, qty: (v: number) => string): string {
  const open = b.time[i]!;
  const close = (tf.calendarMonth ? nextOpen(tf, open) : open + tf.ms) - 1;
  return [t(open), price(b.open[i]!), price(b.high[i]!), price(b.low[i]!), price(b.close[i]!), qty(b.volume[i]!), t(close),
    qty(b.quoteVolume[i]!), String(b.trades[i]!), qty(b.takerBase[i]!), qty(b.takerQuote[i]!), '0'].join(',');
}

/** 8 decimals when that text reads back as the same double, else the shortest exact text (as the REST pages print). */
function fixed8(v: number): string {
  const s = v.toFixed(8);
  return Number(s) === v ? s : String(v);
}
