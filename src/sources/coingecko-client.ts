import { ExchangeError, TemporaryExchangeError } from '../core/errors.js';
import type { WeightScheduler } from '../exchange/weight-scheduler.js';

/** One row of CoinGecko's `/coins/markets`, in ranking order. */
export interface RankedCoin {
  readonly id: string;
  readonly symbol: string;
  readonly name: string;
  readonly marketCap: number | null;
  readonly volume24h: number | null;
}

/** The CoinGecko calls the universe needs. */
export interface CoinGeckoClient {
  /** One page (250 coins) of `/coins/markets` by 24 h volume, within a category when given. */
  marketsPage(page: number, category?: string): Promise<RankedCoin[]>;
  /** `/coins/{id}/market_chart/range` over [from, to] (epoch ms): points as CoinGecko sends them. */
  marketChart(id: string, from: number, to: number): Promise<MarketChart>;
}

/** Price, market cap and total volume points, `[epoch ms, value]`, in time order. */
export interface MarketChart {
  readonly prices: readonly (readonly [number, number])[];
  readonly marketCaps: readonly (readonly [number, number])[];
  readonly totalVolumes: readonly (readonly [number, number])[];
}

export interface CoinGeckoSettings {
  /** API base, e.g. `https://api.coingecko.com/api/v3` or the simulator's `<sim>/coingecko/api/v3`. */
  readonly baseUrl: string;
  /** From COINGECKO_API_KEY; sent as a header, never logged. */
  readonly apiKey?: string;
  /** `demo` keys go to api.coingecko.com with x-cg-demo-api-key, `pro` keys to pro-api with x-cg-pro-api-key. */
  readonly plan: 'demo' | 'pro';
  readonly timeoutMs: number;
}

export const PER_PAGE = 250;

/** CoinGecko over fetch; every call waits for its turn in the `coingecko` budget of `scheduler`. */
export function createCoinGeckoClient(s: CoinGeckoSettings, scheduler: WeightScheduler): CoinGeckoClient {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (s.apiKey) headers[s.plan === 'pro' ? 'x-cg-pro-api-key' : 'x-cg-demo-api-key'] = s.apiKey;
  return {
    async marketsPage(page, category) {
      const q = new URLSearchParams({ vs_currency: 'usd', order: 'volume_desc', per_page: String(PER_PAGE), page: String(page) });
      if (category) q.set('category', category);
      const rows = await call(s, scheduler, headers, `/coins/markets?${q}`);
      if (!Array.isArray(rows)) throw new TemporaryExchangeError(`coingecko: /coins/markets answered ${typeof rows}, not a list`);
      return rows.map(rankedCoin);
    },
    async marketChart(id, from, to) {
      const q = new URLSearchParams({ vs_currency: 'usd', from: String(Math.floor(from / 1000)), to: String(Math.floor(to / 1000)) });
      const body = await call(s, scheduler, headers, `/coins/${encodeURIComponent(id)}/market_chart/range?${q}`) as Record<string, unknown>;
      const points = (k: string) => (Array.isArray(body?.[k]) ? body[k] as [number, number][] : []);
      if (!Array.isArray(body?.['prices'])) throw new TemporaryExchangeError(`coingecko: market_chart of ${id} has no prices`);
      return { prices: points('prices'), marketCaps: points('market_caps'), totalVolumes: points('total_volumes') };
    },
  };
}

async function call(s: CoinGeckoSettings, scheduler: WeightScheduler, headers: Record<string, string>, path: string): Promise<unknown> {
  const what = `coingecko ${path.split('?')[0]}`;
  const ticket = await scheduler.acquire('coingecko', 1);
  let res: Response;
  let text: string;
  // the body is read inside the guard: a connection reset mid-body is a network fault, retried
  try {
    res = await fetch(`${s.baseUrl}${path}`, { headers, signal: AbortSignal.timeout(s.timeoutMs), redirect: 'error' });
    text = await res.text();
  } catch (e) {
    const err = e as Error & { cause?: Error };
    throw new TemporaryExchangeError(`${what} failed: ${err.message}${err.cause?.message ? ` (${err.cause.message})` : ''}`);
  } finally {
    scheduler.settle(ticket);
  }
  if (res.status === 429) {
    const seconds = Number(res.headers.get('retry-after'));
    const wait = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
    scheduler.refused('coingecko', wait);
    throw new TemporaryExchangeError(`${what}: 429 rate limited`, wait);
  }
  if (res.status >= 500) throw new TemporaryExchangeError(`${what}: ${res.status} ${text.slice(0, 200)}`);
  if (res.status !== 200) throw new ExchangeError(`${what}: ${res.status} ${text.slice(0, 200)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TemporaryExchangeError(`${what}: the answer is not JSON (${text.slice(0, 80)})`);
  }
}

function rankedCoin(r: Record<string, unknown>): RankedCoin {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return { id: String(r['id']), symbol: String(r['symbol']), name: String(r['name']), marketCap: num(r['market_cap']), volume24h: num(r['total_volume']) };
}
