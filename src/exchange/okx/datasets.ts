import { isSoundRow } from '../../clean/clean-candles.js';
import type { SeriesFrame } from '../../core/dataset.js';
import { TemporaryExchangeError } from '../../core/errors.js';
import { numberOrNaN } from '../../core/numbers.js';
import { floorOpen, nextOpen, type Timeframe } from '../../core/timeframe.js';
import type { ExchangeClient, MarketInfo } from '../exchange-client.js';
import type { VenueDataset, VenueSource } from '../venue.js';
import { periods, windowPager } from '../window-pager.js';
import { okxMonthOf, type OkxArchives } from './archives.js';
import { lowerBoundTime } from '../../core/time-search.js';
import type { Pager } from '../../core/pager.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** OKX's bar names: uppercase hours and days, and from 6h the `utc` bars (the plain ones open on UTC+8). */
const BAR: Record<string, string> = {
  '1m': '1m', '3m': '3m', '5m': '5m', '15m': '15m', '30m': '30m', '1h': '1H', '2h': '2H', '4h': '4H',
  '6h': '6Hutc', '12h': '12Hutc', '1d': '1Dutc', '3d': '3Dutc', '1w': '1Wutc', '1M': '1Mutc',
};
/** The trading statistics' periods. */
const PERIOD: Record<string, string> = { '5m': '5m', '15m': '15m', '30m': '30m', '1h': '1H', '2h': '2H', '4h': '4H', '1d': '1Dutc' };
/** `candles` serves the latest 1,440 bars; older ones come from `history-candles`. */
const RECENT_BARS = 1440;
/** Funding history: three months, 400 a page. */
const FUNDING_DAYS = 90;
const FUNDING_PAGE = 400;
/** The trading statistics: the latest 1,440 entries, 100 a page, from February 2024 (daily from January 2024). */
const RUBIK_ENTRIES = 1440;
const RUBIK_PAGE = 100;
const RUBIK_FROM = Date.parse('2024-02-01T00:00:00Z');
const RUBIK_DAILY_FROM = Date.parse('2024-01-01T00:00:00Z');
const TOP_TRADER_FROM = Date.parse('2024-03-22T00:00:00Z');

interface Envelope { code?: string; msg?: string; data?: unknown }

/** The `data` list of a v5 answer; anything else is an answer not to be believed (asked again). */
async function dataOf(client: ExchangeClient, method: string, params: Record<string, unknown>, what: string): Promise<unknown[]> {
  const body = await client.request(method, params, what) as Envelope;
  if (!Array.isArray(body?.data)) throw new TemporaryExchangeError(`okx: ${what}: the answer holds no data`);
  return body.data;
}

const listedOpen = (m: MarketInfo, tf: Timeframe) => (m.listedAt === undefined ? 0 : floorOpen(tf, m.listedAt));

/**
 * Candles (and the mark and index series): windows of exactly one page, `after` the window's end and
 * `before` the millisecond before its start (both exclusive), newest first, reversed here; `candles` for
 * the latest 1,440 bars, `history-candles` for older ones; the open bar (`confirm` 0) is not kept. A
 * swap's base-coin volume is `volCcy` (its `vol` counts contracts); a spot pair's is `vol`.
 */
function candles(kind: 'trade' | 'mark' | 'index', page: number): VenueDataset {
  const [recent, history] = kind === 'trade' ? ['publicGetMarketCandles', 'publicGetMarketHistoryCandles']
    : kind === 'mark' ? ['publicGetMarketMarkPriceCandles', 'publicGetMarketHistoryMarkPriceCandles']
    : ['publicGetMarketIndexCandles', 'publicGetMarketHistoryIndexCandles'];
  return {
    markets: kind === 'trade' ? 'any' : 'perpetual',
    served: kind === 'trade' ? 'candles (latest 1,440 bars) and history-candles, 300 a page, newest first; a swap\'s volume from volCcy (coins; vol counts contracts), a pair\'s from vol; utc bars from 6h; 1m of past months also from OKX\'s monthly candle archive'
      : `${kind}-candles and history-${kind}-candles: open, high, low, close`,
    pager: ({ client, market, archives }: VenueSource, tf, until) => {
      const instId = kind === 'index' ? market.id.replace(/-SWAP$/, '') : market.id;
      const swap = market.type === 'swap';
      const rest = windowPager({
        what: `${market.symbol} ${kind === 'trade' ? 'candles' : `${kind} candles`} ${tf.name}`, until, floor: listedOpen(market, tf),
        windowEnd: periods(tf, page), next: (p) => nextOpen(tf, p.time[p.time.length - 1]!),
        rows: async (from, to) => {
          const method = from >= until - (RECENT_BARS - 1) * tf.ms ? recent! : history!;
          const list = (await dataOf(client, method, { instId, bar: BAR[tf.name], after: to + 1, before: from - 1, limit: page }, `fetch ${market.symbol} ${tf.name} ${kind} candles`)) as string[][];
          const rows = list.filter((r) => Number(r[0]) >= from && Number(r[0]) <= to && r[r.length - 1] !== '0').reverse();
          const col = (i: number) => Float64Array.from(rows, (r) => numberOrNaN(r[i]));
          const f: Record<string, Float64Array> = { time: Float64Array.from(rows, (r) => Number(r[0])), open: col(1), high: col(2), low: col(3), close: col(4) };
          if (kind === 'trade') f['volume'] = col(swap ? 6 : 5);
          return f as SeriesFrame;
        },
        ...(kind === 'trade' ? { suspicious: (f: SeriesFrame) => Array.from(f.time.keys()).some((i) => !isSoundRow(f as never, i)) } : {}),
      });
      const archive = archives as OkxArchives | undefined;
      return kind === 'trade' && tf.name === '1m' && archive ? archivedMinutes(rest, archive, client, market, until) : rest;
    },
  };
}

/**
 * 1-minute candles with OKX's archive (module 2): each whole UTC+8 month before the current one that OKX has
 * published comes from its file, pages of the file's rows from the cursor to the month's end; the rest (the
 * current month, a month not published) from REST, which serves 1m from listing. The store is the one a
 * REST-only build writes.
 */
function archivedMinutes(rest: Pager<SeriesFrame>, archive: OkxArchives, client: ExchangeClient, market: MarketInfo, until: number): Pager<SeriesFrame> {
  const monthEnds = new WeakMap<Float64Array, number>();
  return {
    ...rest,
    fetch: async (cursor) => {
      for (let m = okxMonthOf(cursor); m.to <= until; m = okxMonthOf(m.to)) {
        const f = await archive.candles(client, market.id, market.type === 'swap', m, true);
        if (!f) break; // not published (or a hole): REST serves it
        const a = lowerBoundTime(f.time, cursor);
        const b = lowerBoundTime(f.time, m.to);
        if (b > a) {
          const time = f.time.slice(a, b);
          monthEnds.set(time, m.to);
          return { time, open: f.open.slice(a, b), high: f.high.slice(a, b), low: f.low.slice(a, b), close: f.close.slice(a, b), volume: f.volume.slice(a, b) } as SeriesFrame;
        }
        cursor = m.to;
      }
      return rest.fetch(cursor);
    },
    next: (page) => monthEnds.get(page.time) ?? rest.next(page),
    isLastPage: (page) => !monthEnds.has(page.time) && rest.isLastPage!(page),
    origin: (page) => (monthEnds.has(page.time) ? 'archive' : 'rest'),
  };
}

/** The first UTC+8 month of OKX's funding archive the run asks for (its daily all-swap files start 2022-01-17). */
export const OKX_FUNDING_ARCHIVE_FROM = okxMonthOf(Date.parse('2022-01-15T00:00:00Z')).from;

/**
 * Funding history (`public/funding-rate-history`): three months deep, 400 a page, asked in windows of 399
 * hours (never more than a page, 1 h the shortest interval); the settled rate is `realizedRate`
 * (`fundingRate` is the rate as predicted); no mark price. Where the run reads archives, the UTC+8 months
 * before REST's three months come from OKX's funding archive (module 3, one file per swap and month): each
 * settlement at its `funding_time` with its `funding_rate`; a month the archive lacks there is recorded as
 * unrecoverable.
 */
const FUNDING: VenueDataset = {
  markets: 'perpetual',
  served: 'funding-rate-history: realizedRate, the rate settled (fundingRate is the prediction); no mark price: null; before the last 3 months, OKX\'s monthly funding archive (funding_rate)',
  servedFrom: (now) => Math.ceil((now - FUNDING_DAYS * DAY) / HOUR) * HOUR,
  archiveFrom: () => OKX_FUNDING_ARCHIVE_FROM,
  pager: ({ client, market, archives }, _tf, until) => {
    const floor = market.listedAt === undefined ? 0 : Math.floor(market.listedAt / HOUR) * HOUR;
    const rest = windowPager({
      what: `${market.symbol} funding`, until, floor,
      windowEnd: (from) => from + (FUNDING_PAGE - 1) * HOUR,
      next: (page) => page.time[page.time.length - 1]! + 1,
      rows: async (from, to) => {
        const list = (await dataOf(client, 'publicGetPublicFundingRateHistory', { instId: market.id, before: from - 1, after: to + 1, limit: FUNDING_PAGE }, `fetch ${market.symbol} funding`)) as Record<string, unknown>[];
        const kept = list.filter((r) => Number(r['fundingTime']) >= from && Number(r['fundingTime']) <= to).reverse();
        return { time: Float64Array.from(kept, (r) => Number(r['fundingTime'])), rate: Float64Array.from(kept, (r) => numberOrNaN(r['realizedRate'])) } as SeriesFrame;
      },
    });
    const archive = archives as OkxArchives | undefined;
    if (!archive) return rest;
    // where REST's three months begin, by the exchange's clock
    let restFrom: number | undefined;
    const restStart = async () => (restFrom ??= Math.ceil((await client.serverTime() - FUNDING_DAYS * DAY) / HOUR) * HOUR);
    const monthEnds = new WeakMap<Float64Array, number>();
    const lacking: { from: number; to: number }[] = [];
    return {
      ...rest,
      fetch: async (cursor) => {
        const restAt = await restStart();
        for (let m = okxMonthOf(Math.max(cursor, floor, OKX_FUNDING_ARCHIVE_FROM)); m.from < Math.min(until, restAt); m = okxMonthOf(m.to)) {
          const f = await archive.funding(client, market.id, m, m.to > restAt);
          if (!f) {
            // a month OKX has no file for, before REST's window: nothing serves that part of it
            lacking.push({ from: Math.max(m.from, cursor), to: Math.min(m.to, restAt, until) });
            continue;
          }
          const a = lowerBoundTime(f.time, cursor);
          const b = lowerBoundTime(f.time, Math.min(m.to, until));
          if (b > a) {
            const time = f.time.slice(a, b);
            monthEnds.set(time, Math.min(m.to, until));
            return { time, rate: f.rate.slice(a, b) } as SeriesFrame;
          }
        }
        return rest.fetch(Math.max(cursor, restAt));
      },
      next: (page) => monthEnds.get(page.time) ?? rest.next(page),
      isLastPage: (page) => !monthEnds.has(page.time) && rest.isLastPage!(page),
      origin: (page) => (monthEnds.has(page.time) ? 'archive' : 'rest'),
      unserved: () => lacking,
    };
  },
};

/**
 * A trading statistic of a swap (rubik), per instrument: only the latest 1,440 entries exist, and none
 * before the statistic starts; windows of 100 periods, `begin`/`end` exclusive, newest first.
 */
function rubik(method: string, floor: number, served: string, toRow: (r: string[]) => Record<string, number>, params: Record<string, unknown> = {}): VenueDataset {
  const start = (tf: Timeframe) => (tf.name === '1d' ? Math.max(floor, RUBIK_DAILY_FROM) : floor);
  return {
    markets: 'perpetual',
    served,
    timeframes: Object.keys(PERIOD),
    // one period in from the oldest entry kept: it may roll off while the run fetches
    servedFrom: (now, tf) => Math.max(floorOpen(tf, now) - RUBIK_ENTRIES * tf.ms + tf.ms, start(tf)),
    pager: ({ client, market }, tf, until) => windowPager({
      what: `${market.symbol} ${method} ${tf.name}`, until, floor: Math.max(listedOpen(market, tf), start(tf)), windowEnd: periods(tf, RUBIK_PAGE),
      next: (p) => nextOpen(tf, p.time[p.time.length - 1]!),
      rows: async (from, to) => {
        const list = (await dataOf(client, method, { instId: market.id, period: PERIOD[tf.name], begin: from - 1, end: to + 1, limit: RUBIK_PAGE, ...params }, `fetch ${market.symbol} ${method}`)) as string[][];
        const kept = list.filter((r) => Number(r[0]) >= from && Number(r[0]) <= to).reverse();
        const rows = kept.map(toRow);
        const out: Record<string, Float64Array> = { time: Float64Array.from(kept, (r) => Number(r[0])) };
        for (const k of Object.keys(toRow(['0', '1', '1', '1']))) out[k] = Float64Array.from(rows, (r) => r[k]!);
        return out as SeriesFrame;
      },
    }),
  };
}

/** A ratio of longs to shorts, with the shares it implies (every venue's store has both). */
function ratio(r: string[]): Record<string, number> {
  const x = numberOrNaN(r[1]);
  return { long: x / (1 + x), short: 1 / (1 + x), ratio: x };
}

/** Every dataset OKX serves, by dataset name. It has no premium-index klines (only raw premium points). */
export const OKX_DATASETS: Readonly<Record<string, VenueDataset>> = {
  ohlcv: candles('trade', 300),
  funding: FUNDING,
  // open interest in coins (`oiCcy`; `oi` counts contracts) and in USD
  'open-interest': rubik('publicGetRubikStatContractsOpenInterestHistory', RUBIK_FROM, 'open-interest-history: oiCcy in coins (oi counts contracts) and oiUsd in USD', (r) => ({ contracts: numberOrNaN(r[2]), value: numberOrNaN(r[3]) })),
  'long-short-global': rubik('publicGetRubikStatContractsLongShortAccountRatioContract', RUBIK_FROM, 'long-short-account-ratio-contract: the ratio; shares derived from it', ratio),
  'long-short-top-accounts': rubik('publicGetRubikStatContractsLongShortAccountRatioContractTopTrader', TOP_TRADER_FROM, 'long-short-account-ratio-contract-top-trader: the ratio; shares derived', ratio),
  'long-short-top-positions': rubik('publicGetRubikStatContractsLongShortPositionRatioContractTopTrader', TOP_TRADER_FROM, 'long-short-position-ratio-contract-top-trader: the ratio; shares derived', ratio),
  // in coins (`unit` 0): sell volume, buy volume
  'taker-volume': rubik('publicGetRubikStatTakerVolumeContract', RUBIK_FROM, 'taker-volume-contract with unit 0: buy and sell volume in coins, their ratio derived', (r) => {
    const sell = numberOrNaN(r[1]);
    const buy = numberOrNaN(r[2]);
    return { buySellRatio: sell > 0 ? buy / sell : NaN, buyVolume: buy, sellVolume: sell };
  }, { unit: '0' }),
  'mark-price': candles('mark', 100),
  'index-price': candles('index', 100),
};
