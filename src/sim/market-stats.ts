import type { SimMarket } from './market-catalog.js';
import { hash32, makeRng, normal } from './rng.js';

const DAY = 86_400_000;

/** The market model's statistics of a perpetual at a period's open: every dialect serves these, in its own shape. */

/** A long/short split (of accounts, top accounts, top positions: `kind`): the long share moves slowly around one half, 4 decimals. */
export function longShareAt(kind: string, m: SimMarket, seed: number, t: number): { long: number; short: number } {
  const rng = makeRng(hash32(`${kind}|${seed}|${m.id}|${t}`));
  const long = Math.round(Math.min(0.8, Math.max(0.2, 0.5 + 0.15 * Math.sin(t / (3 * DAY) + m.id.length) + 0.03 * normal(rng))) * 1e4) / 1e4;
  return { long, short: Math.round((1 - long) * 1e4) / 1e4 };
}

/** Taker buy and sell volume in a period (base units, 3 decimals). */
export function takerVolumesAt(m: SimMarket, seed: number, t: number): { buy: number; sell: number } {
  const rng = makeRng(hash32(`taker|${seed}|${m.id}|${t}`));
  const base = openInterestAt(m, seed, t).contracts / 200;
  const buy = Math.round(base * Math.exp(0.3 * normal(rng)) * 1000) / 1000;
  const sell = Math.round(base * Math.exp(0.3 * normal(rng)) * 1000) / 1000;
  return { buy, sell };
}

/** The coin's circulating supply as CoinMarketCap reports it beside open interest: a whole number of coins, growing slowly. */
export function circulatingSupply(m: SimMarket, t: number): number {
  const base = 10 ** (7 + (hash32(`supply|${m.id}`) % 300) / 100);
  return Math.round(base * (1 + (t - Date.UTC(2020, 0, 1)) / (3650 * DAY) * 0.05));
}

/** A market's open interest at a period's open: a slow random walk around a level set by its price. */
export function openInterestAt(m: SimMarket, seed: number, t: number): { contracts: number; value: number } {
  const rng = makeRng(hash32(`oi|${seed}|${m.id}|${t}`));
  const price = m.source.priceNear?.(t) ?? 1;
  const base = 2e8 / Math.max(price, 1e-9);
  const wave = 1 + 0.2 * Math.sin(t / (7 * DAY)) + 0.02 * normal(rng);
  const contracts = Math.round(base * wave * 1000) / 1000;
  return { contracts, value: Math.round(contracts * price * 1e8) / 1e8 };
}

