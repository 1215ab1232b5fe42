/**
 * Choosing the universe: walk CoinGecko's volume ranking, drop what is not a tradable coin of its own
 * (stablecoins, wrapped and liquid-staking tokens, by CoinGecko category), map each coin to the
 * exchange's own market (multiplier contracts such as 1000PEPE included), and fill to the size asked.
 * Pure: the ranking, the category members and the exchange's markets are read elsewhere.
 */
import type { ExchangeMarket } from '../exchange/exchange-client.js';
import type { RankedCoin } from '../sources/coingecko-client.js';

export type { ExchangeMarket, RankedCoin };

export interface SelectionRules {
  readonly size: number;
  readonly quote: string;
  readonly market: 'perp' | 'spot';
  /** CoinGecko ids that are always members (when they map), whatever their rank. */
  readonly alwaysInclude: readonly string[];
  /** Ticker → CoinGecko id, for tickers several coins share. */
  readonly tickerOwners: Readonly<Record<string, string>>;
}

export type SkipReason = 'excluded-category' | 'not-listed' | 'not-trading' | 'ambiguous-ticker';

export interface Member {
  readonly rank: number;
  readonly coin: RankedCoin;
  /** The exchange's market: `1000PEPE/USDT:USDT`. */
  readonly market: string;
  /** Coin units per contract unit: 1000 for 1000PEPE, 1 for BTC. */
  readonly multiplier: number;
}

export interface Skipped {
  readonly rank: number;
  readonly coin: RankedCoin;
  readonly reason: SkipReason;
  readonly detail: string;
}

export interface Selection {
  readonly members: readonly Member[];
  readonly skipped: readonly Skipped[];
  /** Coins of the ranking looked at before the size was reached (or the ranking ended). */
  readonly ranked: number;
}

/** `1000PEPE` → PEPE × 1000, `1000000MOG` → MOG × 1,000,000, `1MBABYDOGE` → BABYDOGE × 1,000,000. */
export function splitMultiplier(base: string): { ticker: string; multiplier: number } {
  const m = /^(1(?:0+)|1M)([A-Z0-9]{2,})$/.exec(base);
  if (!m) return { ticker: base, multiplier: 1 };
  return { ticker: m[2]!, multiplier: m[1] === '1M' ? 1_000_000 : Number(m[1]) };
}

/**
 * Walk the ranking: skip coins in an excluded category, coins sharing a ticker with a coin that owns it
 * (the override table's, else the largest market cap), coins the exchange does not list or does not
 * trade; keep the rest until `size` are members. Always-included coins are members wherever they rank.
 */
export function selectUniverse(
  ranking: readonly RankedCoin[], excluded: ReadonlyMap<string, string>, markets: readonly ExchangeMarket[], rules: SelectionRules,
): Selection {
  const byTicker = marketsByTicker(markets, rules);
  const owners = tickerOwners(ranking, rules);
  const members: Member[] = [];
  const skipped: Skipped[] = [];
  const always = new Set(rules.alwaysInclude);
  let ranked = 0;
  for (const [i, coin] of ranking.entries()) {
    const wanted = members.length < rules.size || always.has(coin.id);
    if (!wanted) continue;
    if (members.length < rules.size) ranked = i + 1;
    const rank = i + 1;
    const ticker = coin.symbol.toUpperCase();
    const category = excluded.get(coin.id);
    const owner = owners.get(ticker);
    const listed = byTicker.get(ticker);
    if (category) skipped.push({ rank, coin, reason: 'excluded-category', detail: `in CoinGecko's ${category} category` });
    else if (owner !== coin.id) skipped.push({ rank, coin, reason: 'ambiguous-ticker', detail: `ticker ${ticker} belongs to ${owner}` });
    else if (!listed) skipped.push({ rank, coin, reason: 'not-listed', detail: `no ${rules.quote} ${rules.market === 'perp' ? 'linear perpetual' : 'spot market'} for ${ticker}` });
    else if (!listed.active) skipped.push({ rank, coin, reason: 'not-trading', detail: `${listed.symbol} is listed but not trading` });
    else members.push({ rank, coin, market: listed.symbol, multiplier: listed.multiplier });
  }
  return { members, skipped, ranked };
}

interface Listed { symbol: string; multiplier: number; active: boolean }

/** The exchange's markets of the wanted kind, by coin ticker (multiplier prefixes removed). */
function marketsByTicker(markets: readonly ExchangeMarket[], rules: SelectionRules): Map<string, Listed> {
  const out = new Map<string, Listed>();
  for (const m of markets) {
    const kind = rules.market === 'perp' ? m.type === 'swap' && m.linear : m.type === 'spot';
    if (!kind || m.quote !== rules.quote) continue;
    const { ticker, multiplier } = splitMultiplier(m.base);
    const known = out.get(ticker);
    // a coin listed both plain and with a multiplier: the plain contract, and a trading one before a halted one
    if (!known || (!known.active && m.active) || (known.active === m.active && multiplier < known.multiplier)) {
      out.set(ticker, { symbol: m.symbol, multiplier, active: m.active });
    }
  }
  return out;
}

/** Which coin owns each ticker: the override table's, else the largest market cap among those sharing it. */
function tickerOwners(ranking: readonly RankedCoin[], rules: SelectionRules): Map<string, string> {
  const best = new Map<string, RankedCoin>();
  for (const coin of ranking) {
    const ticker = coin.symbol.toUpperCase();
    const known = best.get(ticker);
    if (!known || (coin.marketCap ?? 0) > (known.marketCap ?? 0)) best.set(ticker, coin);
  }
  const owners = new Map([...best.entries()].map(([t, c]) => [t, c.id]));
  for (const [ticker, id] of Object.entries(rules.tickerOwners)) owners.set(ticker.toUpperCase(), id);
  return owners;
}
