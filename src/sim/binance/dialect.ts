import { parseTimeframe, TIMEFRAME_NAMES } from '../../core/timeframe.js';
import type { DialectContext, RunningDialect, SimDialect } from '../dialect.js';
import { ROW_FAULTS, spoilRows, type FaultKind } from '../faults.js';
import { liquidationStream } from '../liquidation-stream.js';
import { WeightLimiter, type RateLimitConfig } from '../rate-limiter.js';
import { Router, type SimResponse } from '../router.js';
import { addArchiveRoutes, type ArchiveFaults } from './archives.js';
import { binanceError } from './errors.js';
import { addFundingRoutes } from './funding.js';
import { addFuturesDataRoutes } from './futures-data.js';
import { addFuturesRoutes } from './futures.js';
import { BINANCE_LIQUIDATION_FORMAT } from './liquidation-format.js';
import { addSpotRoutes } from './spot.js';

/** Binance's budgets: request weight per IP and API family, in fixed windows, with its 429 → 418 escalation. */
export type BinanceFamily = 'spot' | 'futures' | 'funding' | 'futures-data' | 'archive';

const DEFAULT_LIMITS: Record<BinanceFamily, RateLimitConfig> = {
  spot: { limit: 6000, windowMs: 60_000, banBaseMs: 120_000 },
  futures: { limit: 2400, windowMs: 60_000, banBaseMs: 120_000 },
  // funding history and funding info share 500 requests per 5 minutes per IP, apart from the weight budget
  funding: { limit: 500, windowMs: 300_000, banBaseMs: 120_000 },
  // the futures statistics (/futures/data): 1,000 requests per 5 minutes per IP
  'futures-data': { limit: 1000, windowMs: 300_000, banBaseMs: 120_000 },
  // data.binance.vision is a file host: no weight, no limit
  archive: { limit: Number.MAX_SAFE_INTEGER, windowMs: 60_000, banBaseMs: 0 },
};

/** Candles an "overlap" page reaches back into the previous page. */
const OVERLAP = 5;

/**
 * Binance's dialect: spot `/api/v3`, USDT-M `/fapi/v1` and `/futures/data`, the archives under `/data/`,
 * the `forceOrder` streams under `/market/`; weight headers (`X-MBX-USED-WEIGHT-1M`), `{code, msg}` errors.
 */
export const dialect: SimDialect = {
  id: 'binance',
  kind: 'venue',
  isDefault: true,
  start: (ctx: DialectContext): RunningDialect => {
    const limits = Object.fromEntries(Object.entries(DEFAULT_LIMITS).map(([f, l]) => [f, f === 'archive' ? l : { ...l, ...ctx.rateLimits?.[f] }])) as Record<BinanceFamily, RateLimitConfig>;
    const limiters = Object.fromEntries(Object.entries(limits).map(([f, l]) => [f, new WeightLimiter(l, ctx.rateClock)])) as Record<BinanceFamily, WeightLimiter>;
    const router = new Router();
    addSpotRoutes(router, { catalog: ctx.catalog, now: ctx.now, rateLimit: limits.spot, pageCache: ctx.pageCache });
    addFuturesRoutes(router, { catalog: ctx.catalog, now: ctx.now, rateLimit: limits.futures, pageCache: ctx.pageCache });
    addFundingRoutes(router, { catalog: ctx.catalog, now: ctx.now, seed: ctx.seed });
    addFuturesDataRoutes(router, { catalog: ctx.catalog, now: ctx.now, seed: ctx.seed });
    addArchiveRoutes(router, { catalog: ctx.catalog, now: ctx.now, seed: ctx.seed, faults: ctx.options?.['archiveFaults'] as ArchiveFaults | undefined });
    const stream = liquidationStream(BINANCE_LIQUIDATION_FORMAT, ctx.catalog, ctx.seed, ctx.now, ctx.liquidationRate);
    const familyOf = (path: string): BinanceFamily => (path.startsWith('/data/') ? 'archive'
      : /\/funding(Rate|Info)$/.test(path) ? 'funding'
      : path.startsWith('/futures/data/') ? 'futures-data'
      : path.startsWith('/fapi') || path.startsWith('/futures') ? 'futures' : 'spot');
    return {
      id: 'binance',
      router,
      owns: (path) => /^\/(api\/v3|fapi|futures|data)\//.test(path),
      charge: (path, query, route) => {
        const family = familyOf(path);
        const weight = route ? route.weight(query) : 1;
        const admission = limiters[family].admit(weight);
        const headers = family === 'archive' ? {} : { [`X-MBX-USED-WEIGHT-${windowLabel(limiters[family].config.windowMs)}`]: String(admission.used) };
        if (admission.ok) return { family, weight, headers };
        const retry = { 'Retry-After': String(Math.max(1, Math.ceil(admission.retryAfterMs / 1000))) };
        return {
          family, weight, headers,
          refusal: {
            ...(admission.status === 429
              ? binanceError(429, -1003, 'Too many requests; current limit of IP(127.0.0.1) is exceeded. Please use the websocket for live updates to avoid polling the API.')
              : binanceError(418, -1003, `Way too many requests; IP(127.0.0.1) banned until ${Date.now() + admission.retryAfterMs}. Please use the websocket for live updates to avoid bans.`)),
            headers: retry,
          },
        };
      },
      notFound: (method, path) => binanceError(404, -1000, `Unknown endpoint ${method} ${path}.`),
      internalError: (message) => binanceError(500, -1000, `An unknown error occurred while processing the request. (${message})`),
      symbolOf: (q) => q.get('symbol')?.toUpperCase() ?? null,
      faultReply: (kind, retryAfter) => faultReply(kind, retryAfter),
      mangle: (kind, reply, rng) => mangleRows(kind, reply, rng),
      rewrite: (kind, path, query) => {
        if (kind === 'delist') {
          const id = query.get('symbol');
          if (id) ctx.catalog.delist(familyOf(path) === 'spot' ? 'spot' : 'perp', id.toUpperCase());
        }
        if (kind === 'overlap') {
          const start = Number(query.get('startTime'));
          const interval = query.get('interval') ?? '';
          if (Number.isFinite(start) && TIMEFRAME_NAMES.includes(interval)) query.set('startTime', String(Math.max(0, start - OVERLAP * parseTimeframe(interval).ms)));
        }
      },
      stream,
      close: () => stream.close(),
    };
  },
};

/** A window as Binance names it in its weight header: 60 s → `1M`, 10 s → `10S`. */
export function windowLabel(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}M` : `${Math.max(1, Math.round(ms / 1000))}S`;
}

function faultReply(kind: FaultKind, retryAfter: number): (SimResponse & { headers?: Record<string, string> }) | undefined {
  switch (kind) {
    case '429':
    case '418':
      return { ...binanceError(Number(kind), -1003, kind === '429' ? 'Too many requests; current limit is exceeded.' : 'Way too many requests; IP banned.'), headers: { 'Retry-After': String(retryAfter) } };
    case '500':
    case '503':
      return binanceError(Number(kind), -1001, 'Internal error; unable to process your request. Please try again.');
    case 'bad-json':
      return { status: 200, body: '[[1502942400000,"4261.48","4313.62",' };
    default:
      return undefined;
  }
}

/** Faults that mangle a successful kline answer: rows dropped, shuffled, or given impossible values. */
function mangleRows(kind: FaultKind, reply: SimResponse, rng: () => number): SimResponse {
  if (reply.status !== 200 || !ROW_FAULTS.includes(kind)) return reply;
  const rows = JSON.parse(Buffer.from(reply.body).toString('utf8')) as unknown[][];
  spoilRows(kind, rows, rng);
  return { status: 200, body: JSON.stringify(rows) };
}
