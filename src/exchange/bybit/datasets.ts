import { isSoundRow } from '../../clean/clean-candles.js';
import type { SeriesFrame } from '../../core/dataset.js';
import { TemporaryExchangeError } from '../../core/errors.js';
import { frameFromRows } from '../../core/frame.js';
import { numberOrNaN } from '../../core/numbers.js';
import { floorOpen, nextOpen, type Timeframe } from '../../core/timeframe.js';
import { periods, windowPager } from '../window-pager.js';
import type { ExchangeClient, MarketInfo } from '../exchange-client.js';
import type { VenueDataset, VenueSource } from '../venue.js';

const HOUR = 3_600_000;
/** Most klines a page (candles and the price series). */
const KLINE_PAGE = 1000;
/** Most settlements a funding-history page. */
const FUNDING_PAGE = 200;
/** Bybit's interval names. */
const INTERVAL: Record<string, string> = {
  '1m': '1', '3m': '3', '5m': '5', '15m': '15', '30m': '30', '1h': '60', '2h': '120', '4h': '240', '6h': '360', '12h': '720', '1d': 'D', '1w': 'W', '1M': 'M',
};
/** The periods of open interest and of the account ratio, by our timeframe names. */
const PERIOD: Record<string, string> = { '5m': '5min', '15m': '15min', '30m': '30min', '1h': '1h', '4h': '4h', '1d': '1d' };
/** The account ratio is served from this day on. */
export const ACCOUNT_RATIO_FROM = Date.parse('2020-07-20T00:00:00Z');

interface Envelope { retCode?: number | string; retMsg?: string; result?: { list?: unknown[] } }

/** The `list` of a v5 answer; anything else is an answer not to be believed (asked again). */
async function listOf(client: ExchangeClient, method: string, params: Record<string, unknown>, what: string): Promise<unknown[]> {
  const body = await client.request(method, params, what) as Envelope;
  const list = body?.result?.list;
  if (!Array.isArray(list)) throw new TemporaryExchangeError(`bybit: ${what}: the answer holds no list`);
  return list;
}

const categoryOf = (m: MarketInfo) => (m.type === 'spot' ? 'spot' : 'linear');
/** The first open time served: listing, on the timeframe's grid. */
const listedOpen = (m: MarketInfo, tf: Timeframe) => (m.listedAt === undefined ? 0 : floorOpen(tf, m.listedAt));

/** Kline rows (newest first, strings) → ascending columns within [from, to]. */
function klineFrame(list: unknown[], from: number, to: number, withVolume: boolean): SeriesFrame {
  const rows = (list as unknown[][]).filter((r) => Number(r[0]) >= from && Number(r[0]) <= to).reverse();
  if (withVolume) return frameFromRows(rows.map((r) => [Number(r[0]), numberOrNaN(r[1]), numberOrNaN(r[2]), numberOrNaN(r[3]), numberOrNaN(r[4]), numberOrNaN(r[5])])) as unknown as SeriesFrame;
  return {
    time: Float64Array.from(rows, (r) => Number(r[0])), open: Float64Array.from(rows, (r) => numberOrNaN(r[1])), high: Float64Array.from(rows, (r) => numberOrNaN(r[2])),
    low: Float64Array.from(rows, (r) => numberOrNaN(r[3])), close: Float64Array.from(rows, (r) => numberOrNaN(r[4])),
  };
}

/**
 * Klines (`/v5/market/kline` and the mark, index and premium series): 1,000 a page in windows of exactly
 * a page, newest first, reversed here; the trade klines' `volume` is the base coin (linear and spot).
 */
function klines(method: string, kind: 'trade' | 'price', served: string): VenueDataset {
  return {
    markets: kind === 'trade' ? 'any' : 'perpetual',
    served,
    pager: ({ client, market }: VenueSource, tf, until) => windowPager({
      what: `${market.symbol} ${method} ${tf.name}`, until, floor: listedOpen(market, tf), windowEnd: periods(tf, KLINE_PAGE), next: (p) => nextOpen(tf, p.time[p.time.length - 1]!),
      rows: async (from, to) => klineFrame(await listOf(client, method, { category: categoryOf(market), symbol: market.id, interval: INTERVAL[tf.name], start: from, end: to, limit: KLINE_PAGE },
        `fetch ${market.symbol} ${tf.name} ${kind === 'trade' ? 'candles' : method}`), from, to, kind === 'trade'),
      ...(kind === 'trade' ? { suspicious: (f: SeriesFrame) => Array.from(f.time.keys()).some((i) => !isSoundRow(f as never, i)) } : {}),
    }),
  };
}

/**
 * Funding history (`/v5/market/funding/history`): Bybit pages it backwards and refuses a lone start, so it
 * is asked in windows of 199 hours (never more than a page of 200, whatever the interval, 1 h the
 * shortest), from listing; times as served, rates as they were settled; no mark price.
 */
const FUNDING: VenueDataset = {
  markets: 'perpetual',
  served: 'funding/history: the settled rate (no mark price: null)',
  pager: ({ client, market }, _tf, until) => windowPager({
    what: `${market.symbol} funding`, until, floor: market.listedAt === undefined ? 0 : Math.floor(market.listedAt / HOUR) * HOUR,
    windowEnd: (from) => from + (FUNDING_PAGE - 1) * HOUR,
    next: (page) => page.time[page.time.length - 1]! + 1,
    rows: async (from, to) => {
      const list = await listOf(client, 'publicGetV5MarketFundingHistory', { category: 'linear', symbol: market.id, startTime: from, endTime: to, limit: FUNDING_PAGE }, `fetch ${market.symbol} funding`) as Record<string, unknown>[];
      const kept = list.filter((r) => Number(r['fundingRateTimestamp']) >= from && Number(r['fundingRateTimestamp']) <= to).reverse();
      return { time: Float64Array.from(kept, (r) => Number(r['fundingRateTimestamp'])), rate: Float64Array.from(kept, (r) => numberOrNaN(r['fundingRate'])) } as SeriesFrame;
    },
  }),
};

/** A statistic with a period (`intervalTime` or `period`), in windows of a page. */
function statistic(method: string, periodParam: string, page: number, served: string, toRow: (r: Record<string, unknown>) => Record<string, number>, floor = 0): VenueDataset {
  return {
    markets: 'perpetual',
    served,
    timeframes: Object.keys(PERIOD),
    ...(floor > 0 ? { servedFrom: (_now: number, tf: Timeframe) => Math.ceil(floor / tf.ms) * tf.ms } : {}),
    pager: ({ client, market }, tf, until) => windowPager({
      what: `${market.symbol} ${method} ${tf.name}`, until, floor: Math.max(listedOpen(market, tf), floor), windowEnd: periods(tf, page), next: (p) => nextOpen(tf, p.time[p.time.length - 1]!),
      rows: async (from, to) => {
        const list = await listOf(client, method, { category: 'linear', symbol: market.id, [periodParam]: PERIOD[tf.name], startTime: from, endTime: to, limit: page }, `fetch ${market.symbol} ${method}`) as Record<string, unknown>[];
        const kept = list.filter((r) => Number(r['timestamp']) >= from && Number(r['timestamp']) <= to).reverse();
        const rows = kept.map(toRow);
        const out: Record<string, Float64Array> = { time: Float64Array.from(kept, (r) => Number(r['timestamp'])) };
        for (const k of Object.keys(rows[0] ?? toRow({}))) out[k] = Float64Array.from(rows, (r) => r[k]!);
        return out as SeriesFrame;
      },
    }),
  };
}

/** Every dataset Bybit serves, by dataset name. It has no taker volume and no top-trader ratios. */
export const BYBIT_DATASETS: Readonly<Record<string, VenueDataset>> = {
  ohlcv: klines('publicGetV5MarketKline', 'trade', 'kline: 1,000 a page, newest first; volume in the base coin'),
  funding: FUNDING,
  // `openInterest` is both sides in the base coin for linear contracts; Bybit sends no value
  'open-interest': statistic('publicGetV5MarketOpenInterest', 'intervalTime', 200, 'open-interest: in the base coin (no value: null)', (r) => ({ contracts: numberOrNaN(r['openInterest']) })),
  // the shares of accounts long and short; the ratio follows from them
  'long-short-global': statistic('publicGetV5MarketAccountRatio', 'period', 500, 'account-ratio: buyRatio and sellRatio as the shares, their ratio derived', (r) => {
    const long = numberOrNaN(r['buyRatio']);
    const short = numberOrNaN(r['sellRatio']);
    return { long, short, ratio: short > 0 ? long / short : NaN };
  }, ACCOUNT_RATIO_FROM),
  'mark-price': klines('publicGetV5MarketMarkPriceKline', 'price', 'mark-price-kline: open, high, low, close'),
  'index-price': klines('publicGetV5MarketIndexPriceKline', 'price', 'index-price-kline: open, high, low, close'),
  'premium-index': klines('publicGetV5MarketPremiumIndexPriceKline', 'price', 'premium-index-price-kline: open, high, low, close'),
};
