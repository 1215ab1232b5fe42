import type { VenueProfile } from '../venue.js';
import { OkxArchives } from './archives.js';
import { OKX_DATASETS } from './datasets.js';
import { OKX_LIQUIDATIONS } from './liquidation-feed.js';

const WINDOW_MS = 2_000;

/**
 * Each endpoint's budget per 2 s, and what it is counted per: the IP, or the IP and the instrument (or
 * instrument type). Not reported in any header; a breach is refused with 50011. OKX's rate-limit tables,
 * ../shared/venues/bybit-okx.md §2.2.
 */
const BUDGETS: Readonly<Record<string, { readonly limit: number; readonly per?: 'instId' | 'instType' }>> = {
  'market/candles': { limit: 40 },
  'market/history-candles': { limit: 20 },
  'market/mark-price-candles': { limit: 20 },
  'market/history-mark-price-candles': { limit: 20 },
  'market/index-candles': { limit: 20 },
  'market/history-index-candles': { limit: 10 },
  'market/tickers': { limit: 20 },
  'public/time': { limit: 10 },
  'public/instruments': { limit: 20, per: 'instType' },
  'public/funding-rate-history': { limit: 10, per: 'instId' },
  'public/market-data-history': { limit: 5 },
  'rubik/stat/contracts/open-interest-history': { limit: 10, per: 'instId' },
  'rubik/stat/taker-volume-contract': { limit: 5, per: 'instId' },
  'rubik/stat/contracts/long-short-account-ratio-contract': { limit: 5, per: 'instId' },
  'rubik/stat/contracts/long-short-account-ratio-contract-top-trader': { limit: 5, per: 'instId' },
  'rubik/stat/contracts/long-short-position-ratio-contract-top-trader': { limit: 5, per: 'instId' },
};

/** `market/candles` from `…/api/v5/market/candles`. */
function endpointOf(url: URL): string | undefined {
  const at = url.pathname.indexOf('/api/v5/');
  return at < 0 ? undefined : url.pathname.slice(at + '/api/v5/'.length);
}

/**
 * OKX v5: spot pairs and USDT swaps, through ccxt's `okx`. Facts and their sources:
 * ../shared/venues/bybit-okx.md §2.
 */
export const profile: VenueProfile = {
  id: 'okx',
  name: 'OKX',
  aliases: [],
  ccxtId: 'okx',
  // spot and perpetual swaps only (no dated futures or options), no key-only calls
  ccxtOptions: { fetchMarkets: { types: ['spot', 'swap'] }, adjustForTimeDifference: false },
  // a budget per endpoint (and instrument) per 2 s, as OKX counts them: requests to different endpoints and
  // instruments go in parallel, where ccxt's one throttle would send them one after another
  budget: {
    summary: 'per endpoint per 2 s (candles 40, history-candles 20), some per instrument too (funding 10, statistics 5 to 10); no header; 50011 as HTTP 429 or inside a 200',
    limits: Object.fromEntries(Object.entries(BUDGETS).filter(([, b]) => !b.per).map(([e, b]) => [e, { limit: b.limit, windowMs: WINDOW_MS, rolling: true }])),
    limitOf: (family) => {
      const b = BUDGETS[family.split(':')[0]!];
      return b ? { limit: b.limit, windowMs: WINDOW_MS, rolling: true } : undefined;
    },
    cost: (text) => {
      const url = new URL(text);
      const endpoint = endpointOf(url);
      const b = endpoint === undefined ? undefined : BUDGETS[endpoint];
      if (!b) return endpoint === undefined ? undefined : { family: 'other', weight: 1 };
      return { family: b.per ? `${endpoint}:${url.searchParams.get(b.per) ?? ''}` : endpoint!, weight: 1 };
    },
    // 50011 comes as HTTP 429 or inside an HTTP 200; either way the budget waits out its window
    observe: ({ status, headers, body }) => {
      const after = Number(headers['retry-after'] ?? headers['Retry-After']);
      if (status === 429) return { refused: { retryAfterMs: Number.isFinite(after) ? after * 1000 : WINDOW_MS } };
      if (status === 200 && /"code"\s*:\s*"50011"/.test(body.slice(0, 60))) return { refused: { retryAfterMs: WINDOW_MS } };
      return {};
    },
  },
  malformed: (body) => !/^\s*\{[\s\S]*\}\s*$/.test(body),
  timeframes: ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d', '3d', '1w', '1M'],
  candlesPerPage: () => 300,
  datasets: OKX_DATASETS,
  // historical market data (okx.com/historical-data): funding by month, listed by /api/v5/public/market-data-history
  archives: {
    realBase: 'https://www.okx.com',
    open: (o) => new OkxArchives(o.base, o.cacheDir, o.mode, o.log, o.writeCache, o.base === 'https://www.okx.com'),
  },
  marketKind: (info, type) => {
    if (type === 'spot') return { coinContract: true };
    if (info['state'] === 'preopen') return { coinContract: false, kind: 'pre-market' };
    if (info['ctType'] !== undefined && info['ctType'] !== 'linear') return { coinContract: false, kind: String(info['ctType']) };
    const coin = typeof info['ctValCcy'] === 'string' && info['ctValCcy'] !== '' ? info['ctValCcy'] : undefined;
    // the contract is on the coin its value is counted in (PEPE-USDT-SWAP: ctVal PEPE), one coin a unit of price
    return coin ? { coinContract: true, coin: { ticker: coin, multiplier: 1 } } : { coinContract: true };
  },
  liquidations: OKX_LIQUIDATIONS,
};
