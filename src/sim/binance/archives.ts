import { createHash } from 'node:crypto';
import { zipSync } from 'fflate';
import { nextOpen, parseTimeframe, type Timeframe } from '../../core/timeframe.js';
import type { BaseBars } from '../base-bars.js';
import type { MarketCatalog, SimMarket } from '../market-catalog.js';
import { selectKlines } from '../select-klines.js';
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
  readonly times?: number;
}

export interface ArchiveContext {
  readonly catalog: MarketCatalog;
  readonly now: () => number;
  readonly faults?: ArchiveFaults;
}

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
  const pattern = /^\/data\/(spot|futures\/um)\/(monthly|daily)\/klines\/([A-Z0-9]+)\/(\w+)\/([A-Z0-9]+)-(\w+)-(\d{4}-\d{2}(?:-\d{2})?)\.zip(\.CHECKSUM)?$/;
  router.addPattern('GET', pattern, {
    family: 'archive',
    weight: () => 0,
    handle: (_req, m) => {
      const [, kind, period, sym, tfName, sym2, tf2, label, checksum] = m as unknown as string[];
      if (sym !== sym2 || tfName !== tf2) return notFound();
      const market = (kind === 'spot' ? ctx.catalog.spot : ctx.catalog.perp).get(sym!);
      const tf = timeframeOf(tfName!);
      if (!market || !tf) return notFound();
      const from = Date.parse(`${label}${period === 'monthly' ? '-01' : ''}T00:00:00Z`);
      const to = period === 'monthly' ? nextOpen(parseTimeframe('1M'), from) : from + DAY;
      if (!Number.isFinite(from) || ctx.now() < to + (period === 'monthly' ? MONTHLY_DELAY : DAILY_DELAY) || to <= market.source.listedAt) return notFound();
      const name = `${sym}-${tfName}-${label}.zip`;
      const key = `${kind}|${name}`;
      let zip = zips.get(key);
      if (!zip) {
        // deflate level 1: the simulator's CPU is what a client waits on here, not bytes on loopback
        zip = zipSync({ [name.replace(/\.zip$/, '.csv')]: new TextEncoder().encode(archiveCsv(market, kind === 'spot', tf, from, to, ctx.now())) }, { level: 1 });
        zips.set(key, zip);
        // a zip is asked for twice (its .CHECKSUM, then itself): keep the recent ones only
        if (zips.size > 64) zips.delete(zips.keys().next().value!);
      }
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
    },
  });
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

/** The period's candles as Binance's archive CSV (the same values the REST API serves). */
function archiveCsv(m: SimMarket, spot: boolean, tf: Timeframe, from: number, to: number, now: number): string {
  const count = Math.ceil((to - from) / tf.ms) + 1;
  const bars = selectKlines(m.source, tf, { startTime: from, endTime: to - 1, limit: count }, now);
  const micros = spot && from >= SPOT_MICROS_FROM;
  const lines = !spot && from >= FUTURES_HEADER_FROM ? [HEADER] : [];
  const d = m.source.priceDecimals;
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
