import type { VenueProfile } from '../venue.js';
import { BYBIT_DATASETS } from './datasets.js';
import { BYBIT_LIQUIDATIONS } from './liquidation-feed.js';

const WINDOW_MS = 5_000;
/** A breach bans the IP for at least ten minutes (Bybit's rate-limit docs). */
const BAN_MS = 600_000;

/**
 * Bybit v5: spot and USDT-perpetual ("linear") markets, through ccxt's `bybit`. Facts and their sources:
 * ../shared/venues/bybit-okx.md §1.
 */
export const profile: VenueProfile = {
  id: 'bybit',
  name: 'Bybit',
  aliases: [],
  ccxtId: 'bybit',
  // spot and linear markets only (no inverse or option instruments), no key-only calls
  ccxtOptions: { fetchMarkets: { types: ['spot', 'linear'] }, adjustForTimeDifference: false },
  // one budget per IP: 600 requests in any 5 s, shared by every market endpoint, nothing in the headers says
  // what is left; a breach is HTTP 403 and a ban of ten minutes or more (so it must never happen), and a
  // request may also be refused with retCode 10006 in an HTTP 200
  budget: {
    limits: { ip: { limit: 600, windowMs: WINDOW_MS, rolling: true } },
    summary: '600 requests per rolling 5 s per IP, no header; a breach is an HTTP 403 and a ban of 10 min or more, or retCode 10006',
    cost: (url) => (/\/v5\//.test(url) ? { family: 'ip', weight: 1 } : undefined),
    observe: ({ status, headers, body }) => {
      const after = Number(headers['retry-after'] ?? headers['Retry-After']);
      const retryAfterMs = Number.isFinite(after) ? after * 1000 : undefined;
      if (status === 403) return { refused: { retryAfterMs: retryAfterMs ?? BAN_MS } };
      if (status === 429) return { refused: { retryAfterMs: retryAfterMs ?? WINDOW_MS } };
      if (status === 200 && /"retCode"\s*:\s*"?10006\b/.test(body.slice(0, 80))) return { refused: { retryAfterMs: WINDOW_MS } };
      return {};
    },
  },
  malformed: (body) => !/^\s*\{[\s\S]*\}\s*$/.test(body),
  timeframes: ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d', '1w', '1M'],
  candlesPerPage: () => 1000,
  datasets: BYBIT_DATASETS,
  marketKind: (info, type) => {
    if (type === 'spot') return { coinContract: true };
    if (info['isPreListing'] === true || info['status'] === 'PreLaunch') return { coinContract: false, kind: 'pre-market' };
    const contract = typeof info['contractType'] === 'string' ? info['contractType'] : 'LinearPerpetual';
    return contract === 'LinearPerpetual' ? { coinContract: true } : { coinContract: false, kind: contract.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() };
  },
  liquidations: BYBIT_LIQUIDATIONS,
};
