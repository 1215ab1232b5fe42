import { TemporaryExchangeError } from '../../core/errors.js';
import type { SeriesFrame } from '../../core/dataset.js';
import { allocFrame, sliceFrame, type CandleFrame } from '../../core/frame.js';
import { numberOrNaN } from '../../core/numbers.js';
import type { Pager } from '../../core/pager.js';
import { lowerBoundTime } from '../../core/time-search.js';
import type { Interval } from '../../core/interval.js';
import { isoUtc } from '../../core/time-format.js';
import { nextOpen, parseTimeframe, type Timeframe } from '../../core/timeframe.js';
import { klinePager } from '../kline-pager.js';
import { bigBuffers } from '../../core/buffer-pool.js';
import type { VenueDataset, VenueSource } from '../venue.js';
import type { ArchiveSeries, BinanceArchives, MetricsFrame } from './archives.js';

/** The first day of the `metrics` archive: 5m statistics of every USDT-M perpetual from then on. */
export const METRICS_FROM = Date.parse('2021-12-01T00:00:00Z');

const DAY = 86_400_000;
const MONTH = parseTimeframe('1M');

/** How far back Binance serves its futures statistics (`/futures/data/…`). */
export const STATISTICS_WINDOW = 30 * DAY;
/** The periods it serves them at. */
export const STATISTICS_PERIODS = ['5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d'];
/** Most rows per statistics request. */
const STATISTICS_PAGE = 500;
/** Its largest funding-history page. */
const FUNDING_PAGE = 1000;

/** Candles: klines from the REST API, and past months and days from the archives where the run allows. */
const OHLCV: VenueDataset = {
  markets: 'any',
  served: 'klines (spot /api/v3, USDT-M /fapi/v1), 1,000 a page; volume in the base coin; also from data.binance.vision archives',
  pager: (src, tf, until) => {
    const rest = fromRest(klinePager(src.client, src.market, tf, until));
    const archives = src.archives as BinanceArchives | undefined;
    return archives && !tf.calendarMonth && tf.ms <= DAY ? archivePager(rest, archives, src.market.symbol, tf, until) : rest;
  },
};

/**
 * Klines from the archives where a whole month (or, in the current month, a whole day) before today is
 * asked for, from the REST API for the rest: today, and any span whose archive is not published yet.
 * Pages are the archive's rows from the cursor to the end of its period, so the paging loop, cleaning
 * and ATR are the REST path's, and the store is the one a REST-only build writes.
 */
function archivePager(rest: Pager<CandleFrame>, archives: BinanceArchives, symbol: string, tf: Timeframe, until: number, series: ArchiveSeries = 'klines'): Pager<CandleFrame> {
  const today = Math.floor(until / DAY) * DAY;
  let held: { label: string; rows: CandleFrame | undefined } | undefined;
  // months whose file is not published yet (a month's appears about a day after it ends): their days' files are
  const unpublished = new Set<number>();
  const monthOf = (t: number) => Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth(), 1);
  // the pages read from the archive, by their time column (which a page's reshaping keeps)
  const archived = new WeakSet<Float64Array>();
  return {
    ...rest,
    origin: (page) => (archived.has(page.time) ? 'archive' : 'rest'),
    fetch: async (cursor) => {
      for (let at = cursor; at < until;) {
        const p = archives.periodAt(at, today, unpublished.has(monthOf(at)));
        if (!p) return rest.fetch(at);
        if (held?.label !== p.label) {
          // the month read before is done with: its pages were copied by the paging loop before it asked
          // for this one (a page is the pager's until the next fetch), so its columns go back to the pool
          if (held?.rows) bigBuffers.give(held.rows.time);
          held = undefined; // (a read that fails leaves nothing given back behind)
          held = { label: p.label, rows: await archives.candles(symbol, tf, p, series) };
        }
        if (!held.rows && p.kind === 'monthly') {
          unpublished.add(p.from);
          continue;
        }
        if (!held.rows) return rest.fetch(at);
        const a = lowerBoundTime(held.rows.time, at);
        const b = lowerBoundTime(held.rows.time, Math.min(p.to, until));
        if (b > a) {
          const page = sliceFrame(held.rows, a, b);
          archived.add(page.time);
          return page;
        }
        at = p.to;
      }
      return allocFrame(0);
    },
  };
}

/** The first month of the fundingRate archive (USDT-M perpetuals began trading in September 2019). */
const FUNDING_ARCHIVE_FROM = Date.parse('2019-09-01T00:00:00Z');

/**
 * Funding settlements (`/fapi/v1/fundingRate`), paged by their own cursor: the millisecond after the last
 * settlement, never an assumed 8 h step. Early settlements carry `"markPrice": ""`: missing, not 0. Where
 * the run reads archives, whole past months come from the monthly `fundingRate` archive: each settlement at
 * its scheduled time (`calc_time`, the whole hour; REST's `fundingTime` is when it was served, a few ms
 * later), its rate, no mark price (the archive has none); the current month, and a month not published,
 * from REST.
 */
const FUNDING: VenueDataset = {
  markets: 'perpetual',
  served: 'fundingRate: every settlement with its mark price; past months also from the data.binance.vision fundingRate archive (no mark price)',
  pager: ({ client, market, archives }, _tf, until) => {
    const archive = archives as BinanceArchives | undefined;
    const rest: Pager<SeriesFrame> = {
      describe: (cursor) => `${market.symbol} funding ${isoUtc(cursor)} → ${isoUtc(until)}`,
      fetch: async (cursor) => {
        const rows = await client.request('fapiPublicGetFundingRate', { symbol: market.id, startTime: cursor, endTime: until - 1, limit: FUNDING_PAGE }, `fetch ${market.symbol} funding`) as Record<string, unknown>[];
        if (!Array.isArray(rows)) throw new TemporaryExchangeError(`${market.symbol} funding: the answer is not a list of settlements`);
        const kept = rows.filter((r) => Number(r['fundingTime']) >= cursor && Number(r['fundingTime']) < until);
        return {
          time: Float64Array.from(kept, (r) => Number(r['fundingTime'])),
          rate: Float64Array.from(kept, (r) => numberOrNaN(r['fundingRate'])),
          markPrice: Float64Array.from(kept, (r) => numberOrNaN(r['markPrice'])),
          intervalHours: new Float64Array(kept.length).fill(NaN),
        };
      },
      next: (page) => page.time[page.time.length - 1]! + 1,
      // Binance fills a funding page up to its limit: a shorter one holds the last settlements of the span
      isLastPage: (page) => page.time.length > 0 && page.time.length < FUNDING_PAGE,
      // an empty page is the end (after listing, settlements stop only at delisting) once asked twice
      confirmEnd: async () => true,
      origin: () => 'rest',
    };
    if (!archive) return rest;
    // an archive page ends where its month does: the next page starts at the month's end
    const monthEnds = new WeakMap<Float64Array, number>();
    let found = false;
    const fromArchive = async (cursor: number): Promise<SeriesFrame | undefined> => {
      for (let month = monthStart(Math.max(cursor, market.listedAt ?? FUNDING_ARCHIVE_FROM)); ;) {
        const end = nextOpen(MONTH, month);
        // the current month is REST's; a month is published a day or so after it ends
        if (end > until) return undefined;
        const f = await archive.funding(market.symbol, month, !found || end + 2 * DAY > until);
        // a month not published: REST from the cursor (its pages come back here at the next month)
        if (!f) {
          if (found || market.listedAt !== undefined) return undefined;
          month = end;
          continue;
        }
        found = true;
        const a = lowerBoundTime(f.time, cursor);
        const b = lowerBoundTime(f.time, Math.min(end, until));
        if (b > a) {
          const time = f.time.slice(a, b);
          monthEnds.set(time, end);
          return { time, rate: f.rate.slice(a, b), markPrice: new Float64Array(b - a).fill(NaN), intervalHours: new Float64Array(b - a).fill(NaN) };
        }
        month = end;
      }
    };
    return {
      ...rest,
      fetch: async (cursor) => (await fromArchive(cursor)) ?? rest.fetch(cursor),
      next: (page) => monthEnds.get(page.time) ?? rest.next(page),
      isLastPage: (page) => !monthEnds.has(page.time) && rest.isLastPage!(page),
      origin: (page) => (monthEnds.has(page.time) ? 'archive' : 'rest'),
    };
  },
};

function monthStart(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/**
 * A futures statistic (`/futures/data/<endpoint>`, through ccxt's method for it), which Binance serves for
 * the last 30 days only. Each request asks for a range of exactly one page of periods, so the exchange
 * never has more rows than it returns (an over-full range would give only the latest rows and leave a
 * hole); ranges before the market listed are stepped over.
 */
function statistic(method: string, fields: Readonly<Record<string, string>>, served: string, fromArchive: (m: MetricsFrame, rows: number[]) => Record<string, Float64Array>): VenueDataset {
  const keys = Object.keys(fields);
  const toFrame = (rows: readonly Record<string, unknown>[]): SeriesFrame => {
    const out: Record<string, Float64Array> = { time: Float64Array.from(rows, (r) => Number(r['timestamp'])) };
    for (const k of keys) out[k] = Float64Array.from(rows, (r) => numberOrNaN(r[fields[k]!]));
    return out as SeriesFrame;
  };
  return {
    markets: 'perpetual',
    served,
    timeframes: STATISTICS_PERIODS,
    // one period in from the window's edge: the period at the edge may already be dropped
    servedFrom: (now, tf) => Math.ceil((now - STATISTICS_WINDOW) / tf.ms) * tf.ms + tf.ms,
    // the metrics archive holds 5m periods only (coarser ones are not the 5m ones summed or sampled: REST only)
    archiveFrom: (tf) => (tf.name === '5m' ? METRICS_FROM : undefined),
    pager: ({ client, market, archives }, tf, until) => {
      const archive = archives && tf.name === '5m' ? archives as BinanceArchives : undefined;
      // where REST's 30 days begin, by the exchange's clock: before it, days come from the archive
      let restFrom: number | undefined;
      // the days being fetched: the one read and up to `downloads - 1` after it, side by side
      const ahead = new Map<number, Promise<MetricsFrame | 'unpublished' | 'unreadable'>>();
      const metricsOf = (day: number, end: number): Promise<MetricsFrame | 'unpublished' | 'unreadable'> => {
        for (let d = day; d < Math.min(end, day + archive!.downloads * DAY); d += DAY) {
          if (!ahead.has(d)) {
            const p = archive!.metrics(market.symbol, d);
            p.catch(() => undefined); // a day fetched ahead and never read must not be an unhandled rejection
            ahead.set(d, p);
          }
        }
        const p = ahead.get(day)!;
        for (const d of ahead.keys()) if (d <= day) ahead.delete(d);
        return p;
      };
      const archived = new WeakSet<Float64Array>();
      // days the archive has no file for, before REST's window: nothing serves them
      const lacking: Interval[] = [];
      const restStart = async () => (restFrom ??= Math.ceil((await client.serverTime() - STATISTICS_WINDOW) / tf.ms) * tf.ms + tf.ms);
      // the archive's rows from the cursor to the end of the first day that has some, before REST's window
      const fromArchives = async (cursor: number): Promise<SeriesFrame | undefined> => {
        const end = Math.min(until, await restStart());
        // no archive before the market listed: those days are not asked
        for (let day = Math.floor(Math.max(cursor, market.listedAt ?? 0) / DAY) * DAY; day < end; day += DAY) {
          const m = await metricsOf(day, end);
          // a day not published (a hole in the archive) is lost: REST does not serve it either; a day whose
          // file stayed damaged (refused, logged) stays a plain gap that validate reports
          if (m === 'unpublished') lacking.push({ from: Math.max(day, cursor), to: Math.min(day + DAY, end) });
          if (typeof m === 'string') continue;
          const rows: number[] = [];
          for (let i = 0; i < m.time.length; i++) if (m.time[i]! >= cursor && m.time[i]! < end) rows.push(i);
          if (rows.length > 0) {
            const time = Float64Array.from(rows, (i) => m.time[i]!);
            archived.add(time);
            return { time, ...fromArchive(m, rows) } as SeriesFrame;
          }
        }
        return undefined;
      };
      const page = async (from: number, to: number) => {
        const rows = await client.request(method, { symbol: market.id, period: tf.name, startTime: from, endTime: to - 1, limit: STATISTICS_PAGE }, `fetch ${market.symbol} ${method}`);
        if (!Array.isArray(rows)) throw new TemporaryExchangeError(`${market.symbol} ${method}: the answer is not a list of rows`);
        return (rows as Record<string, unknown>[]).filter((r) => Number(r['timestamp']) >= from && Number(r['timestamp']) < to);
      };
      return {
        describe: (cursor) => `${market.symbol} ${method} ${tf.name} ${isoUtc(cursor)} → ${isoUtc(until)}`,
        origin: (p) => (archived.has(p.time) ? 'archive' : 'rest'),
        unserved: () => lacking,
        fetch: async (cursor) => {
          let from = cursor;
          if (archive) {
            const old = await fromArchives(cursor);
            if (old) return old;
            // nothing archived from the cursor on: REST from the start of its window
            from = Math.max(cursor, Math.min(until, await restStart()));
          }
          for (;;) {
            if (from >= until) return toFrame([]);
            const to = Math.min(until, from + STATISTICS_PAGE * tf.ms);
            let rows = await page(from, to);
            // a range with no rows is stepped over (before listing, or a hole the exchange has), once it is
            // empty twice: an exchange can answer one range empty that is not
            if (rows.length === 0 && to < until) rows = await page(from, to);
            if (rows.length > 0 || to >= until) return toFrame(rows);
            from = to;
          }
        },
        next: (p) => nextOpen(tf, p.time[p.time.length - 1]!),
        // an empty answer for the span's last range is believed once asked twice (the paging loop asks again)
        confirmEnd: async () => true,
        isLastPage: (p) => p.time.length > 0 && nextOpen(tf, p.time[p.time.length - 1]!) >= until,
      };
    },
  };
}

/**
 * Mark, index or premium klines: the candles' paging (their own cheapest page, the same grid), O/H/L/C
 * only; past months and days from their archives (markPriceKlines, indexPriceKlines, premiumIndexKlines)
 * where the run reads archives.
 */
function priceKlines(price: 'mark' | 'index' | 'premiumIndex'): VenueDataset {
  const ohlc = (f: CandleFrame): SeriesFrame => ({ time: f.time, open: f.open, high: f.high, low: f.low, close: f.close });
  return {
    markets: 'perpetual',
    served: `${price === 'premiumIndex' ? 'premiumIndexKlines' : `${price}PriceKlines`}: open, high, low, close; also from data.binance.vision archives`,
    pager: (src: VenueSource, tf, until) => {
      const rest = fromRest(klinePager(src.client, src.market, tf, until, price));
      const archives = src.archives as BinanceArchives | undefined;
      const series = `${price}${price === 'premiumIndex' ? '' : 'Price'}Klines` as ArchiveSeries;
      const candles = archives && !tf.calendarMonth && tf.ms <= DAY ? archivePager(rest, archives, src.market.symbol, tf, until, series) : rest;
      return { ...candles, fetch: async (cursor) => ohlc(await candles.fetch(cursor)), next: (p) => candles.next(p as CandleFrame), suspicious: undefined };
    },
  };
}

const LONG_SHORT = { long: 'longAccount', short: 'shortAccount', ratio: 'longShortRatio' };

/** Every dataset Binance serves, by dataset name. */
export const BINANCE_DATASETS: Readonly<Record<string, VenueDataset>> = {
  ohlcv: OHLCV,
  funding: FUNDING,
  'open-interest': statistic('fapiDataGetOpenInterestHist', { contracts: 'sumOpenInterest', value: 'sumOpenInterestValue' }, 'openInterestHist: in the base coin and in USDT; before the last 30 days (5m) the metrics archive\'s sum_open_interest(_value)',
    (m, rows) => ({ contracts: pick(m.openInterest, rows), value: pick(m.openInterestValue, rows) })),
  'long-short-global': statistic('fapiDataGetGlobalLongShortAccountRatio', LONG_SHORT, 'globalLongShortAccountRatio: shares of accounts long and short, and their ratio; before the last 30 days (5m) the archive\'s count_long_short_ratio, shares derived',
    (m, rows) => shares(pick(m.globalRatio, rows))),
  'long-short-top-accounts': statistic('fapiDataGetTopLongShortAccountRatio', LONG_SHORT, 'topLongShortAccountRatio: shares and ratio; before the last 30 days (5m) the archive\'s count_toptrader_long_short_ratio, shares derived',
    (m, rows) => shares(pick(m.topAccountsRatio, rows))),
  'long-short-top-positions': statistic('fapiDataGetTopLongShortPositionRatio', LONG_SHORT, 'topLongShortPositionRatio: shares and ratio; before the last 30 days (5m) the archive\'s sum_toptrader_long_short_ratio, shares derived',
    (m, rows) => shares(pick(m.topPositionsRatio, rows))),
  'taker-volume': statistic('fapiDataGetTakerlongshortRatio', { buySellRatio: 'buySellRatio', buyVolume: 'buyVol', sellVolume: 'sellVol' }, 'takerlongshortRatio: buy and sell volume in the base coin, their ratio; before the last 30 days (5m) the archive\'s sum_taker_long_short_vol_ratio, volumes null',
    (m, rows) => ({ buySellRatio: pick(m.takerRatio, rows), buyVolume: new Float64Array(rows.length).fill(NaN), sellVolume: new Float64Array(rows.length).fill(NaN) })),
  'mark-price': priceKlines('mark'),
  'index-price': priceKlines('index'),
  'premium-index': priceKlines('premiumIndex'),
};

/** A REST pager whose pages say so (for the store's record of which rows came from which source). */
function fromRest<F extends SeriesFrame>(p: Pager<F>): Pager<F> {
  return { ...p, origin: () => 'rest' };
}

function pick(col: Float64Array, rows: readonly number[]): Float64Array {
  return Float64Array.from(rows, (i) => col[i]!);
}

/** The shares of longs and shorts a long/short ratio implies: long = r / (1 + r), short = 1 / (1 + r). */
function shares(ratio: Float64Array): Record<string, Float64Array> {
  return { ratio, long: ratio.map((r) => r / (1 + r)), short: ratio.map((r) => 1 / (1 + r)) };
}
