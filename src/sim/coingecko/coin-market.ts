import { hash32, makeRng, normal } from '../rng.js';
import type { CoinProfile } from '../symbol-profiles.js';

/**
 * The simulator's crypto market as CoinGecko sees it: 300+ coins whose volume ranking moves from day to
 * day, with everything that makes choosing a universe hard. Stablecoins lead the volume ranking;
 * wrapped and liquid-staking tokens rank high; some coins share a ticker; some trade on the venues'
 * USDT-M markets only as 1000x/1000000x contracts; some are not listed at all; some perpetuals list
 * inside the last 90 days; one is delisted on a given day. Deterministic for a seed.
 */
export interface SimCoin {
  readonly id: string;
  /** CoinGecko's ticker, lower case. */
  readonly symbol: string;
  readonly name: string;
  /** CoinGecko category ids (`stablecoins`, `wrapped-tokens`, `liquid-staking-tokens`, `layer-1`, `layer-2`, …). */
  readonly categories: readonly string[];
  /** Typical price (USD), market cap and 24 h volume; each day moves them. */
  readonly price: number;
  readonly marketCap: number;
  readonly volume: number;
  /** The base of its USDT-M perpetual (`BTC`, `1000PEPE`), when it has one. */
  readonly perpBase?: string;
  /** Coin units per contract unit (1000 for 1000PEPE). */
  readonly multiplier: number;
  readonly perpListedAt?: number;
  /** The day its perpetual stops trading (delisted), when it does. */
  readonly perpDelistedAt?: number;
  /** A perpetual that is not a standard coin contract: listed before the coin trades (pre-market). */
  readonly perpPreMarket?: boolean;
}

const DAY = 86_400_000;

interface Seed { id: string; symbol: string; name: string; categories: string[]; price: number; cap: number; volume: number; perp?: string | null; preMarket?: boolean }

/** The coins whose quirks the universe must handle, at realistic sizes. */
const NOTABLE: Seed[] = [
  { id: 'tether', symbol: 'usdt', name: 'Tether', categories: ['stablecoins'], price: 1, cap: 140e9, volume: 120e9, perp: null },
  { id: 'usd-coin', symbol: 'usdc', name: 'USDC', categories: ['stablecoins'], price: 1, cap: 60e9, volume: 9e9, perp: 'USDC' },
  { id: 'first-digital-usd', symbol: 'fdusd', name: 'First Digital USD', categories: ['stablecoins'], price: 1, cap: 2e9, volume: 7e9, perp: null },
  { id: 'dai', symbol: 'dai', name: 'Dai', categories: ['stablecoins'], price: 1, cap: 5e9, volume: 0.3e9, perp: null },
  { id: 'bitcoin', symbol: 'btc', name: 'Bitcoin', categories: ['layer-1'], price: 95_000, cap: 1.9e12, volume: 40e9, perp: 'BTC' },
  { id: 'ethereum', symbol: 'eth', name: 'Ethereum', categories: ['layer-1', 'smart-contract-platform'], price: 3_400, cap: 400e9, volume: 25e9, perp: 'ETH' },
  { id: 'wrapped-bitcoin', symbol: 'wbtc', name: 'Wrapped Bitcoin', categories: ['wrapped-tokens'], price: 95_000, cap: 12e9, volume: 0.4e9, perp: null },
  { id: 'weth', symbol: 'weth', name: 'WETH', categories: ['wrapped-tokens'], price: 3_400, cap: 9e9, volume: 1.1e9, perp: null },
  { id: 'lido-staked-ether', symbol: 'steth', name: 'Lido Staked Ether', categories: ['liquid-staking-tokens'], price: 3_400, cap: 30e9, volume: 0.8e9, perp: null },
  { id: 'wrapped-steth', symbol: 'wsteth', name: 'Wrapped stETH', categories: ['liquid-staking-tokens', 'wrapped-tokens'], price: 4_000, cap: 12e9, volume: 0.2e9, perp: null },
  { id: 'solana', symbol: 'sol', name: 'Solana', categories: ['layer-1'], price: 180, cap: 85e9, volume: 4e9, perp: 'SOL' },
  { id: 'binancecoin', symbol: 'bnb', name: 'BNB', categories: ['layer-1'], price: 650, cap: 95e9, volume: 1.5e9, perp: 'BNB' },
  { id: 'ripple', symbol: 'xrp', name: 'XRP', categories: ['layer-1'], price: 2.1, cap: 120e9, volume: 6e9, perp: 'XRP' },
  { id: 'dogecoin', symbol: 'doge', name: 'Dogecoin', categories: ['meme-token', 'layer-1'], price: 0.35, cap: 50e9, volume: 3e9, perp: 'DOGE' },
  { id: 'the-open-network', symbol: 'ton', name: 'Toncoin', categories: ['layer-1'], price: 5.5, cap: 14e9, volume: 0.5e9, perp: 'TON' },
  { id: 'tokamak-network', symbol: 'ton', name: 'Tokamak Network', categories: ['layer-2'], price: 2.2, cap: 0.08e9, volume: 0.9e9, perp: null },
  { id: 'pepe', symbol: 'pepe', name: 'Pepe', categories: ['meme-token'], price: 0.000018, cap: 7e9, volume: 2.5e9, perp: '1000PEPE' },
  { id: 'shiba-inu', symbol: 'shib', name: 'Shiba Inu', categories: ['meme-token'], price: 0.000022, cap: 13e9, volume: 0.9e9, perp: '1000SHIB' },
  { id: 'bonk', symbol: 'bonk', name: 'Bonk', categories: ['meme-token'], price: 0.00003, cap: 2.2e9, volume: 0.6e9, perp: '1000BONK' },
  { id: 'mog-coin', symbol: 'mog', name: 'Mog Coin', categories: ['meme-token'], price: 0.0000018, cap: 0.7e9, volume: 0.09e9, perp: '1000000MOG' },
  { id: 'baby-doge-coin', symbol: 'babydoge', name: 'Baby Doge Coin', categories: ['meme-token'], price: 0.0000000025, cap: 0.4e9, volume: 0.08e9, perp: '1MBABYDOGE' },
  { id: 'arbitrum', symbol: 'arb', name: 'Arbitrum', categories: ['layer-2'], price: 0.8, cap: 3.5e9, volume: 0.7e9, perp: 'ARB' },
  { id: 'optimism', symbol: 'op', name: 'Optimism', categories: ['layer-2'], price: 1.9, cap: 2.5e9, volume: 0.4e9, perp: 'OP' },
  { id: 'leo-token', symbol: 'leo', name: 'LEO Token', categories: ['exchange-based-tokens'], price: 9, cap: 8e9, volume: 0.002e9, perp: null },
  { id: 'uniswap', symbol: 'uni', name: 'Uniswap', categories: ['decentralized-exchange'], price: 13, cap: 8e9, volume: 0.5e9, perp: 'UNI' },
  { id: 'universe-token', symbol: 'uni', name: 'Universe', categories: [], price: 0.01, cap: 0.002e9, volume: 0.0004e9, perp: null },
  // a wrapped token sharing a major coin's ticker: excluded, and never the reason SOL is left out
  { id: 'wrapped-solana', symbol: 'sol', name: 'Wrapped SOL', categories: ['wrapped-tokens'], price: 180, cap: 1.5e9, volume: 2.5e9, perp: null },
  // contracts whose base is not the coin's ticker (the alias table)
  { id: 'raydium', symbol: 'ray', name: 'Raydium', categories: ['decentralized-exchange'], price: 3.2, cap: 0.9e9, volume: 0.3e9, perp: 'RAYSOL' },
  { id: 'terra-luna-2', symbol: 'luna', name: 'Terra', categories: ['layer-1'], price: 0.4, cap: 0.3e9, volume: 0.12e9, perp: 'LUNA2' },
  { id: 'beam-2', symbol: 'beam', name: 'Beam', categories: ['gaming'], price: 0.02, cap: 1e9, volume: 0.1e9, perp: 'BEAMX' },
  // X Empire trades as 1000X: the ticker is X, never 0X × 100
  { id: 'x-empire', symbol: 'x', name: 'X Empire', categories: ['meme-token'], price: 0.00012, cap: 0.08e9, volume: 0.15e9, perp: '1000X' },
  // commodity-backed tokens: not coins of their own
  { id: 'pax-gold', symbol: 'paxg', name: 'PAX Gold', categories: ['tokenized-gold'], price: 2650, cap: 0.6e9, volume: 0.35e9, perp: 'PAXG' },
  { id: 'tether-gold', symbol: 'xaut', name: 'Tether Gold', categories: ['tokenized-gold'], price: 2650, cap: 0.7e9, volume: 0.04e9, perp: null },
  { id: 'kinesis-silver', symbol: 'kag', name: 'Kinesis Silver', categories: ['tokenized-commodities'], price: 31, cap: 0.05e9, volume: 0.001e9, perp: null },
  // a pre-market contract: listed before the coin trades normally
  { id: 'sim-pre-market', symbol: 'pmk', name: 'Pre-Market Coin', categories: ['layer-2'], price: 0.5, cap: 0.4e9, volume: 0.5e9, perp: 'PMK', preMarket: true },
];

const FILLER_CATEGORIES = ['layer-1', 'layer-2', 'meme-token', 'decentralized-finance-defi', 'gaming', 'artificial-intelligence', 'real-world-assets'];
const COINS = 320;

/** The market for a seed: the notable coins and generated ones, 320 in all. */
export function coinMarket(seed: number, now: number): SimCoin[] {
  const rng = makeRng(hash32(`coingecko|${seed}`));
  const out: SimCoin[] = NOTABLE.map((c) => ({
    id: c.id, symbol: c.symbol, name: c.name, categories: c.categories, price: c.price, marketCap: c.cap, volume: c.volume,
    multiplier: multiplierOf(c.perp), ...(c.perp ? { perpBase: c.perp, perpListedAt: Date.parse('2021-01-01T00:00:00Z') } : {}),
    ...(c.preMarket ? { perpPreMarket: true } : {}),
  }));
  for (let i = out.length; i < COINS; i++) {
    const n = String(i).padStart(3, '0');
    const cap = 2e9 * Math.exp(-i / 60) * Math.exp(0.5 * normal(rng));
    const listed = rng() < 0.8;
    // some perpetuals are younger than the 90 days a daily collection reaches back
    const young = listed && rng() < 0.08;
    out.push({
      id: `sim-coin-${n}`, symbol: `q${n}`, name: `Sim Coin ${n}`, categories: [FILLER_CATEGORIES[Math.floor(rng() * FILLER_CATEGORIES.length)]!],
      price: Number((10 ** (rng() * 5 - 3)).toPrecision(4)), marketCap: cap, volume: cap * (0.02 + rng() * 0.3), multiplier: 1,
      ...(listed ? { perpBase: `Q${n}`, perpListedAt: young ? Math.floor((now - (10 + rng() * 70) * DAY) / 3_600_000) * 3_600_000 : Date.parse('2022-01-01T00:00:00Z') } : {}),
    });
  }
  // one perpetual stops trading on a given day: 3 days before the clock the market was built at
  const i = out.findIndex((c) => c.id === 'uniswap');
  out[i] = { ...out[i]!, perpDelistedAt: Math.floor(now / DAY) * DAY - 3 * DAY };
  return out;
}

function multiplierOf(base: string | null | undefined): number {
  const m = /^(10{3,}|1M)[A-Z]/.exec(base ?? '');
  return !m ? 1 : m[1] === '1M' ? 1_000_000 : Number(m[1]);
}

/** A coin's price, market cap and 24 h volume on a day: a daily wobble, so ranks move from day to day. */
export function coinOnDay(c: SimCoin, seed: number, day: number): { price: number; marketCap: number; volume: number } {
  const rng = makeRng(hash32(`coingecko|${seed}|${c.id}|${day}`));
  const drift = Math.exp(0.04 * normal(rng));
  const activity = Math.exp(0.25 * normal(rng));
  const price = Number((c.price * drift).toPrecision(6));
  return { price, marketCap: Math.round(c.marketCap * drift), volume: Math.round(c.volume * activity) };
}

/** The synthetic candle profile of a coin's perpetual: its listing and a price level per contract. */
export function perpProfile(c: SimCoin): CoinProfile {
  const listed = c.perpListedAt ?? Date.parse('2022-01-01T00:00:00Z');
  return { base: c.perpBase ?? c.symbol.toUpperCase(), spotListedAt: listed, perpListedAt: listed, anchor: c.price * c.multiplier, dailyVol: 0.05 };
}
