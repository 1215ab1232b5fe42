import { json, type Router, type SimResponse } from '../router.js';
import { coinOnDay, type SimCoin } from './coin-market.js';

/** Where the simulator serves CoinGecko's API, beside the venues' (`<sim>/coingecko/api/v3/…`). */
export const COINGECKO_PREFIX = '/coingecko/api/v3';

const DAY = 86_400_000;

export interface CoinGeckoContext {
  readonly coins: readonly SimCoin[];
  readonly seed: number;
  readonly now: () => number;
}

/** `/coins/markets` (ranking, paged, by category) and `/coins/{id}/market_chart/range` (daily points). */
export function addCoinGeckoRoutes(router: Router, ctx: CoinGeckoContext): void {
  router.add('GET', `${COINGECKO_PREFIX}/ping`, { family: 'coingecko', weight: () => 1, handle: () => json({ gecko_says: '(V3) To the Moon!' }) });
  router.add('GET', `${COINGECKO_PREFIX}/coins/markets`, { family: 'coingecko', weight: () => 1, handle: (req) => markets(ctx, req.query) });
  router.addPattern('GET', new RegExp(`^${COINGECKO_PREFIX}/coins/([a-z0-9-]+)/market_chart/range$`), {
    family: 'coingecko', weight: () => 1, handle: (req, m) => marketChart(ctx, m[1]!, req.query),
  });
}

export function coingeckoError(status: number, message: string): SimResponse {
  return { status, body: JSON.stringify({ status: { error_code: status, error_message: message } }) };
}

function markets(ctx: CoinGeckoContext, q: URLSearchParams): SimResponse {
  if (q.get('vs_currency') !== 'usd') return coingeckoError(400, 'invalid vs_currency');
  const perPage = Number(q.get('per_page') ?? 100);
  const page = Number(q.get('page') ?? 1);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 250) return coingeckoError(400, 'per_page must be between 1 and 250');
  if (!Number.isInteger(page) || page < 1) return coingeckoError(400, 'invalid page');
  const category = q.get('category');
  const known = new Set(ctx.coins.flatMap((c) => c.categories));
  if (category && !known.has(category)) return coingeckoError(404, 'category not found');
  const day = Math.floor(ctx.now() / DAY);
  const rows = ctx.coins
    .filter((c) => !category || c.categories.includes(category))
    .map((c) => ({ c, today: coinOnDay(c, ctx.seed, day) }));
  const byCap = [...rows].sort((a, b) => b.today.marketCap - a.today.marketCap);
  const capRank = new Map(byCap.map((r, i) => [r.c.id, i + 1]));
  const order = q.get('order') ?? 'market_cap_desc';
  if (order === 'volume_desc') rows.sort((a, b) => b.today.volume - a.today.volume);
  else rows.sort((a, b) => b.today.marketCap - a.today.marketCap);
  const iso = new Date(ctx.now()).toISOString();
  return json(rows.slice((page - 1) * perPage, page * perPage).map(({ c, today }) => ({
    id: c.id, symbol: c.symbol, name: c.name, image: `https://example.invalid/${c.id}.png`,
    current_price: today.price, market_cap: today.marketCap, market_cap_rank: capRank.get(c.id), fully_diluted_valuation: today.marketCap,
    total_volume: today.volume, high_24h: today.price, low_24h: today.price, price_change_24h: 0, price_change_percentage_24h: 0,
    last_updated: iso,
  })));
}

/** Daily points at 00:00 UTC within [from, to] (seconds), as CoinGecko gives for ranges over 90 days. */
function marketChart(ctx: CoinGeckoContext, id: string, q: URLSearchParams): SimResponse {
  const coin = ctx.coins.find((c) => c.id === id);
  if (!coin) return coingeckoError(404, 'coin not found');
  const from = Number(q.get('from')) * 1000;
  const to = Math.min(Number(q.get('to')) * 1000, ctx.now());
  if (q.get('vs_currency') !== 'usd' || !Number.isFinite(from) || !Number.isFinite(to)) return coingeckoError(400, 'invalid parameters');
  const prices: number[][] = [];
  const caps: number[][] = [];
  const volumes: number[][] = [];
  for (let day = Math.ceil(from / DAY); day * DAY <= to; day++) {
    const d = coinOnDay(coin, ctx.seed, day);
    prices.push([day * DAY, d.price]);
    caps.push([day * DAY, d.marketCap]);
    volumes.push([day * DAY, d.volume]);
  }
  return json({ prices, market_caps: caps, total_volumes: volumes });
}
