import type { BudgetObservation, VenueBudget } from '../venue.js';
import type { WindowLimit } from '../weight-scheduler.js';

/**
 * Binance's request weights, as its REST documentation lists them, per API family. Each family has its
 * own budget per IP: spot `/api` 6,000 per minute, USDT-M `/fapi` 2,400 per minute. The futures
 * statistics (`/futures/data`) are counted in requests, 1,000 per 5 minutes, so each weighs 1 there.
 */
export type BinanceFamily = 'spot' | 'usdm' | 'funding' | 'futures-data';

/** The published limits, used until `exchangeInfo` or a response header says otherwise. */
export const BINANCE_LIMITS: Readonly<Record<BinanceFamily, WindowLimit>> = {
  spot: { limit: 6000, windowMs: 60_000 },
  usdm: { limit: 2400, windowMs: 60_000 },
  // funding history and funding info: 500 requests per 5 minutes per IP, outside the weight budget
  funding: { limit: 500, windowMs: 300_000 },
  'futures-data': { limit: 1000, windowMs: 300_000 },
};

/** USDT-M klines (and mark/index/premium klines) weigh by `limit`: [1,100) 1, [100,500) 2, [500,1000] 5, above 10. */
export function usdmKlineWeight(limit: number): number {
  return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
}

const SPOT: Record<string, (q: URLSearchParams) => number> = {
  '/api/v3/klines': () => 2,
  '/api/v3/uiKlines': () => 2,
  '/api/v3/exchangeInfo': () => 20,
  '/api/v3/time': () => 1,
  '/api/v3/ping': () => 1,
  '/api/v3/ticker/24hr': (q) => (q.get('symbol') ? 2 : 80),
};

const USDM_KLINES = ['/fapi/v1/klines', '/fapi/v1/continuousKlines', '/fapi/v1/indexPriceKlines', '/fapi/v1/markPriceKlines', '/fapi/v1/premiumIndexKlines'];

const USDM: Record<string, (q: URLSearchParams) => number> = {
  ...Object.fromEntries(USDM_KLINES.map((p) => [p, (q: URLSearchParams) => usdmKlineWeight(Number(q.get('limit') ?? 500) || 500)])),
  '/fapi/v1/exchangeInfo': () => 1,
  '/fapi/v1/time': () => 1,
  '/fapi/v1/ping': () => 1,
  '/fapi/v1/premiumIndex': (q) => (q.get('symbol') ? 1 : 10),
  '/fapi/v1/openInterest': () => 1,
  '/fapi/v1/ticker/24hr': (q) => (q.get('symbol') ? 1 : 40),
};

/** The family and weight of a Binance REST request, or undefined when it is not one we know the cost of. */
export function binanceRequestCost(url: string): { family: BinanceFamily; weight: number } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const path = u.pathname.replace(/\/+$/, '');
  // a simulator or proxy may serve the API under a prefix: match the API's own path at the end
  const own = (table: Record<string, (q: URLSearchParams) => number>) => Object.keys(table).find((p) => path.endsWith(p));
  const spot = own(SPOT);
  if (spot) return { family: 'spot', weight: SPOT[spot]!(u.searchParams) };
  const usdm = own(USDM);
  if (usdm) return { family: 'usdm', weight: USDM[usdm]!(u.searchParams) };
  if (/\/fapi\/v1\/funding(Rate|Info)$/.test(path)) return { family: 'funding', weight: 1 };
  if (/\/futures\/data\/\w+$/.test(path)) return { family: 'futures-data', weight: 1 };
  if (/\/fapi\/v\d\//.test(path)) return { family: 'usdm', weight: 1 };
  if (/\/api\/v3\//.test(path)) return { family: 'spot', weight: 1 };
  return undefined;
}

/**
 * The kline page size with the lowest weight per candle. Spot klines weigh 2 at any size, so the
 * largest page (1,000); USDT-M klines weigh 2 up to 499 and 5 from 500, so 499 (4.0 per 1,000 candles,
 * against 5.0 at 1,000 and 6.7 at 1,500).
 */
export function cheapestKlinePage(marketType: string): number {
  if (marketType === 'spot') return 1000;
  let best = 1;
  for (let limit = 1; limit <= 1500; limit++) if (limit / usdmKlineWeight(limit) > best / usdmKlineWeight(best)) best = limit;
  return best;
}

/** The window of a `X-MBX-USED-WEIGHT-<n><unit>` header name (`-1M` → 60 s, `-10S` → 10 s), or undefined. */
export function weightHeaderWindowMs(name: string): number | undefined {
  const m = /^x-mbx-used-weight-(\d+)([smhd])$/i.exec(name);
  if (!m) return undefined;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2]!.toLowerCase() as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** `exchangeInfo.rateLimits` → the REQUEST_WEIGHT limit and its window, when published. */
export function weightLimitOf(rateLimits: unknown): WindowLimit | undefined {
  if (!Array.isArray(rateLimits)) return undefined;
  const r = rateLimits.find((x: { rateLimitType?: string }) => x?.rateLimitType === 'REQUEST_WEIGHT') as
    { interval?: string; intervalNum?: number; limit?: number } | undefined;
  const unit = r?.interval && { SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 }[r.interval];
  if (!r || !unit || !(Number(r.limit) > 0)) return undefined;
  return { limit: Number(r.limit), windowMs: unit * (Number(r.intervalNum) || 1) };
}

/**
 * Whether a USDT-M contract is a standard one on a coin, from Binance's own fields: `underlyingType`
 * (`COIN`; `INDEX` for BTCDOMUSDT, also commodities and stocks), `underlyingSubType` (`Pre-Market` on a
 * contract listed before its coin trades) and `contractType` (`PERPETUAL`; TradFi and dated ones differ).
 * Spot markets and markets without these fields are coin markets.
 */
export function binanceContractKind(info: Record<string, unknown> | undefined): { coinContract: boolean; kind?: string } {
  const underlying = typeof info?.['underlyingType'] === 'string' ? info['underlyingType'] : undefined;
  const tags = Array.isArray(info?.['underlyingSubType']) ? (info!['underlyingSubType'] as unknown[]).map(String) : [];
  const contract = typeof info?.['contractType'] === 'string' ? info['contractType'] : undefined;
  if (tags.some((t) => /pre-?market/i.test(t))) return { coinContract: false, kind: 'pre-market' };
  if (underlying !== undefined && underlying !== 'COIN') return { coinContract: false, kind: underlying.toLowerCase() };
  if (contract !== undefined && contract !== '' && contract !== 'PERPETUAL') return { coinContract: false, kind: contract.toLowerCase().replace(/_/g, ' ') };
  return { coinContract: true };
}

/**
 * Binance's budgets as the scheduler spends them: the weight of each request in its family's fixed
 * window; every answer's `X-MBX-USED-WEIGHT-<window>` (what the IP has spent, other processes included),
 * `exchangeInfo`'s published limits, and a 429/418 with its Retry-After.
 */
export const BINANCE_BUDGET: VenueBudget = {
  limits: BINANCE_LIMITS,
  summary: 'request weight per minute: spot 6,000, USDT-M 2,400, read from each answer\'s used-weight header; a breach is an HTTP 429, then 418 bans',
  cost: binanceRequestCost,
  observe: ({ status, url, headers, body }) => {
    const header = Object.keys(headers).find((k) => weightHeaderWindowMs(k) !== undefined);
    const out: { reported?: number; learn?: Partial<WindowLimit>; refused?: { retryAfterMs?: number } } = {};
    if (header) {
      out.learn = { windowMs: weightHeaderWindowMs(header) };
      out.reported = Number(headers[header]);
    }
    if (status === 429 || status === 418) {
      const seconds = Number(headers['retry-after'] ?? headers['Retry-After']);
      out.refused = Number.isFinite(seconds) ? { retryAfterMs: seconds * 1000 } : {};
    }
    if (status === 200 && /\/exchangeInfo$/.test(new URL(url).pathname)) {
      try {
        const limit = weightLimitOf((JSON.parse(body) as { rateLimits?: unknown }).rateLimits);
        if (limit) out.learn = { ...out.learn, ...limit };
      } catch {
        // a malformed body is ccxt's to report
      }
    }
    return out as BudgetObservation;
  },
};
