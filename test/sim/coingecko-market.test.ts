import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { selectUniverse, type ExchangeMarket, type RankedCoin } from '../../src/universe/select-universe.js';
import { binanceAt } from '../helpers/ccxt-binance.js';

const NOW = Date.parse('2026-11-20T00:30:00Z');
const CG = '/coingecko/api/v3';

interface MarketRow { id: string; symbol: string; name: string; market_cap: number; total_volume: number; market_cap_rank: number }

async function get<T>(sim: RunningSim, path: string): Promise<{ status: number; body: T; retryAfter: string | null }> {
  const res = await fetch(`${sim.url}${path}`);
  return { status: res.status, body: (await res.json()) as T, retryAfter: res.headers.get('retry-after') };
}

async function ranking(sim: RunningSim, category?: string): Promise<MarketRow[]> {
  const rows: MarketRow[] = [];
  for (let page = 1; ; page++) {
    const r = await get<MarketRow[]>(sim, `${CG}/coins/markets?vs_currency=usd&order=volume_desc&per_page=250&page=${page}${category ? `&category=${category}` : ''}`);
    expect(r.status).toBe(200);
    rows.push(...r.body);
    if (r.body.length < 250) return rows;
  }
}

describe("the simulator's CoinGecko and the perpetuals of its market", () => {
  let sim: RunningSim;
  beforeAll(async () => { sim = await startSim({ port: 0, now: NOW, seed: 4, universe: true }); });
  afterAll(async () => { await sim.close(); });

  it('ranks 300+ coins by volume with stablecoins on top, paged by 250, filtered by category', async () => {
    const all = await ranking(sim);
    expect(all.length).toBeGreaterThanOrEqual(300);
    expect(all[0]!.id).toBe('tether');
    expect(all.map((r) => r.total_volume)).toEqual([...all.map((r) => r.total_volume)].sort((a, b) => b - a));
    const stable = await ranking(sim, 'stablecoins');
    expect(stable.map((r) => r.id).sort()).toEqual(['dai', 'first-digital-usd', 'tether', 'usd-coin']);
    expect((await get(sim, `${CG}/coins/markets?vs_currency=usd&category=no-such-category`)).status).toBe(404);
    expect(all.filter((r) => r.symbol === 'ton').map((r) => r.id).sort()).toEqual(['the-open-network', 'tokamak-network']);
  });

  it('moves ranks from day to day', async () => {
    const today = (await ranking(sim)).map((r) => r.id);
    sim.setNow(NOW + 86_400_000);
    const tomorrow = (await ranking(sim)).map((r) => r.id);
    sim.setNow(NOW);
    expect(tomorrow).not.toEqual(today);
    expect([...tomorrow].sort()).toEqual([...today].sort());
  });

  it('serves daily market-chart points for a range', async () => {
    const from = Math.floor(Date.parse('2026-11-01T00:00:00Z') / 1000);
    const r = await get<{ prices: number[][]; market_caps: number[][]; total_volumes: number[][] }>(sim, `${CG}/coins/bitcoin/market_chart/range?vs_currency=usd&from=${from}&to=${from + 10 * 86_400}`);
    expect(r.status).toBe(200);
    expect(r.body.prices.map((p) => new Date(p[0]!).toISOString().slice(0, 10))).toEqual(Array.from({ length: 11 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`));
    expect(r.body.total_volumes).toHaveLength(11);
  });

  it('lists 200+ USDT-M perpetuals through ccxt, multiplier contracts, a delisted one and young ones included', async () => {
    const ex = binanceAt(sim.url);
    await ex.loadMarkets();
    const perps = Object.values(ex.markets!).filter((m) => m!.type === 'swap' && m!.linear);
    expect(perps.length).toBeGreaterThanOrEqual(200);
    expect(perps.map((m) => m!.id)).toEqual(expect.arrayContaining(['1000PEPEUSDT', '1000SHIBUSDT', '1000BONKUSDT', '1000000MOGUSDT', '1MBABYDOGEUSDT']));
    expect(perps.filter((m) => m!.active === false)).toHaveLength(1);
    const young = perps.filter((m) => Number((m!.info as { onboardDate: number }).onboardDate) > NOW - 90 * 86_400_000);
    expect(young.length).toBeGreaterThan(0);
    // the universe of the top 100 maps exactly 100 through the exchange's own markets
    const coins: RankedCoin[] = (await ranking(sim)).map((r) => ({ id: r.id, symbol: r.symbol, name: r.name, marketCap: r.market_cap, volume24h: r.total_volume }));
    const excluded = new Map<string, string>();
    for (const category of ['stablecoins', 'wrapped-tokens', 'liquid-staking-tokens']) for (const r of await ranking(sim, category)) excluded.set(r.id, category);
    const markets: ExchangeMarket[] = Object.values(ex.markets!).map((m) => ({ symbol: m!.symbol, id: m!.id, contractSize: 1, base: m!.base, quote: m!.quote, type: m!.type!, linear: m!.linear ?? true, active: m!.active !== false }));
    const s = selectUniverse(coins, excluded, markets, { size: 100, quote: 'USDT', market: 'perp', alwaysInclude: [], tickerOwners: {} });
    expect(s.members).toHaveLength(100);
    expect(s.members.find((m) => m.coin.id === 'pepe')).toMatchObject({ market: '1000PEPE/USDT:USDT', multiplier: 1000 });
    expect(s.skipped.find((x) => x.coin.id === 'usd-coin')?.reason).toBe('excluded-category'); // listed as a perp, still a stablecoin
    expect(new Set(s.skipped.map((x) => x.reason))).toEqual(new Set(['excluded-category', 'not-listed', 'ambiguous-ticker', 'not-trading']));
    await ex.close();
  });

  it("enforces CoinGecko's own rate limit with 429 and Retry-After", async () => {
    const small = await startSim({ port: 0, now: NOW, seed: 4, universe: true, rateLimits: { coingecko: { limit: 3, windowMs: 60_000 } } });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(await get<unknown>(small, `${CG}/ping`));
      expect(statuses.map((s) => s.status)).toEqual([200, 200, 200, 429]);
      expect(Number(statuses[3]!.retryAfter)).toBeGreaterThan(0);
      expect(statuses[3]!.body).toMatchObject({ status: { error_code: 429 } });
    } finally {
      await small.close();
    }
  });
});
