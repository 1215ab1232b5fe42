import type { DialectContext, RunningDialect, SimDialect } from '../dialect.js';
import { WeightLimiter } from '../rate-limiter.js';
import { Router } from '../router.js';
import { addCoinGeckoRoutes, COINGECKO_PREFIX, coingeckoError } from './routes.js';

/**
 * CoinGecko beside the venues (`<sim>/coingecko/api/v3/…`, universe mode): its paid plans allow 500 calls a
 * minute (the free demo plan 30); a 429 carries Retry-After.
 */
export const dialect: SimDialect = {
  id: 'coingecko',
  kind: 'source',
  start: (ctx: DialectContext): RunningDialect => {
    const router = new Router();
    if (ctx.coins.length > 0) addCoinGeckoRoutes(router, { coins: ctx.coins, seed: ctx.seed, now: ctx.now });
    const limiter = new WeightLimiter({ limit: 500, windowMs: 60_000, banBaseMs: 0, ...ctx.rateLimits?.['coingecko'] }, ctx.rateClock);
    return {
      id: 'coingecko',
      router,
      owns: (path) => path.startsWith(`${COINGECKO_PREFIX}/`) || path.startsWith('/coingecko/'),
      charge: (_path, query, route) => {
        const weight = route ? route.weight(query) : 1;
        const a = limiter.admit(weight);
        if (a.ok) return { family: 'coingecko', weight, headers: {} };
        return {
          family: 'coingecko', weight, headers: {},
          refusal: { ...coingeckoError(429, "You've exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits."),
            headers: { 'Retry-After': String(Math.max(1, Math.ceil(a.retryAfterMs / 1000))) } },
        };
      },
      notFound: (_method, path) => coingeckoError(404, `${path} not found`),
      internalError: (message) => coingeckoError(500, message),
      symbolOf: () => null,
      faultReply: (kind, retryAfter) => (kind === '429' ? { ...coingeckoError(429, 'Rate limit exceeded'), headers: { 'Retry-After': String(retryAfter) } }
        : kind === '500' || kind === '503' ? coingeckoError(Number(kind), 'Internal error') : undefined),
      mangle: (_kind, reply) => reply,
      rewrite: () => undefined,
      close: () => undefined,
    };
  },
};
