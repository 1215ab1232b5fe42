/**
 * Choosing the universe: walk CoinGecko's volume ranking, drop what is not a tradable coin of its own
 * (stablecoins, wrapped and liquid-staking tokens, tokenized gold, by CoinGecko category), map each coin to
 * the exchange's own market (multiplier contracts such as 1000PEPE, and contracts whose base is not the
 * coin's ticker, through an alias table), and fill to the size asked. Pure: the ranking, the category
 * members and the exchange's markets are read elsewhere.
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
  /** CoinGecko id → the exchange's base for the coin, where it is not the coin's ticker (`raydium` → `RAYSOL`). */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Leave out index, commodity, pre-market and other non-standard contracts (default true). */
  readonly excludeNonStandard?: boolean;
}

export type SkipReason = 'excluded-category' | 'not-listed' | 'not-trading' | 'ambiguous-ticker' | 'non-standard-contract';

export interface Member {
  readonly rank: number;
  readonly coin: RankedCoin;
  /** The exchange's market: `1000PEPE/USDT:USDT`. */
  readonly market: string;
  /** Coin units per contract unit: 1000 for 1000PEPE, 1 for BTC. */
  readonly multiplier: number;
  /** The alias that mapped it, when its base is not its ticker. */
  readonly alias?: string;
}

export interface Skipped {
  readonly rank: number;
  readonly coin: RankedCoin;
  readonly reason: SkipReason;
  readonly detail: string;
  /**
   * The market the coin would have mapped to (it owns that ticker): an excluded coin's contract is left
   * out by this identity, never by a ticker another coin shares.
   */
  readonly market?: string;
}

export interface Selection {
  readonly members: readonly Member[];
  readonly skipped: readonly Skipped[];
  /** Coins of the ranking looked at before the size was reached (or the ranking ended). */
  readonly ranked: number;
}

/**
 * The coin of a base written with a multiplier prefix, from the name alone (the last resort, when the venue
 * has no field for it): `1000PEPE` → PEPE × 1000, `1000000MOG` → MOG × 1,000,000, `1MBABYDOGE` → BABYDOGE ×
 * 1,000,000, `1000X` → X × 1000. The prefix is 1 and three or more zeros, or `1M`, and the ticker starts
 * with a letter, so `1INCH` is a ticker of its own and `1000X` is never `0X` × 100.
 */
export function splitMultiplier(base: string): { ticker: string; multiplier: number } {
  const m = /^(10{3,}|1M)([A-Z][A-Z0-9]*)$/.exec(base);
  if (!m) return { ticker: base, multiplier: 1 };
  return { ticker: m[2]!, multiplier: m[1] === '1M' ? 1_000_000 : Number(m[1]) };
}

/** The coin a market trades: the venue's own field when it has one, else its base's name. */
export function coinOfMarket(m: ExchangeMarket): { ticker: string; multiplier: number } {
  return m.coin ?? splitMultiplier(m.base);
}

/**
 * Walk the ranking: skip coins in an excluded category, coins sharing a ticker with a coin that owns it
 * (the override table's, else the largest market cap), coins the exchange does not list or does not
 * trade, or lists only as a non-standard contract; keep the rest until `size` are members. A coin with an
 * alias maps to the alias's contract whatever its ticker. Always-included coins are members wherever they rank.
 */
export function selectUniverse(
  ranking: readonly RankedCoin[], excluded: ReadonlyMap<string, string>, markets: readonly ExchangeMarket[], rules: SelectionRules,
): Selection {
  const { byTicker, byBase } = marketsOfKind(markets, rules);
  const owners = tickerOwners(ranking, rules);
  const aliases = rules.aliases ?? {};
  const aliased = new Set(Object.values(aliases).map((b) => b.toUpperCase()));
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
    const alias = aliases[coin.id]?.toUpperCase();
    const category = excluded.get(coin.id);
    const owner = owners.get(ticker);
    // an alias names the contract by its base; a ticker claimed as another coin's alias base is not this coin's
    const listed = alias ? byBase.get(alias) : aliased.has(ticker) ? undefined : byTicker.get(ticker);
    const owns = alias !== undefined || owner === coin.id;
    if (category) skipped.push({ rank, coin, reason: 'excluded-category', detail: `in CoinGecko's ${category} category`, ...(owns && listed ? { market: listed.symbol } : {}) });
    else if (!owns) skipped.push({ rank, coin, reason: 'ambiguous-ticker', detail: `ticker ${ticker} belongs to ${owner}` });
    else if (!listed) skipped.push({ rank, coin, reason: 'not-listed', detail: `no ${rules.quote} ${rules.market === 'perp' ? 'linear perpetual' : 'spot market'} for ${alias ?? ticker}` });
    else if (!listed.standard) skipped.push({ rank, coin, reason: 'non-standard-contract', detail: `${listed.symbol} is ${article(listed.kind)} contract, not a standard one on the coin`, market: listed.symbol });
    else if (!listed.active) skipped.push({ rank, coin, reason: 'not-trading', detail: `${listed.symbol} is listed but not trading`, market: listed.symbol });
    else members.push({ rank, coin, market: listed.symbol, multiplier: listed.multiplier, ...(alias ? { alias } : {}) });
  }
  return { members, skipped, ranked };
}

function article(kind: string): string {
  return /^[aeiou]/i.test(kind) ? `an ${kind}` : `a ${kind}`;
}

interface Listed { symbol: string; multiplier: number; active: boolean; standard: boolean; kind: string }

/** Whether a market is of the kind the universe wants: linear perpetuals or spot markets in the quote. */
export function isOfKind(m: ExchangeMarket, rules: Pick<SelectionRules, 'market' | 'quote'>): boolean {
  const kind = rules.market === 'perp' ? m.type === 'swap' && m.linear : m.type === 'spot';
  return kind && m.quote === rules.quote;
}

/** The exchange's markets of the wanted kind, by coin ticker (multiplier prefixes removed) and by base. */
function marketsOfKind(markets: readonly ExchangeMarket[], rules: SelectionRules): { byTicker: Map<string, Listed>; byBase: Map<string, Listed> } {
  const byTicker = new Map<string, Listed>();
  const byBase = new Map<string, Listed>();
  const strict = rules.excludeNonStandard !== false;
  for (const m of markets) {
    if (!isOfKind(m, rules)) continue;
    const { ticker, multiplier } = coinOfMarket(m);
    const l: Listed = { symbol: m.symbol, multiplier, active: m.active, standard: !strict || m.coinContract !== false, kind: m.kind ?? 'non-standard' };
    byBase.set(m.base, l);
    const known = byTicker.get(ticker);
    // a coin listed both plain and with a multiplier: a standard contract first, then a trading one, then the plain one
    if (!known || rankOf(l) < rankOf(known) || (rankOf(l) === rankOf(known) && multiplier < known.multiplier)) byTicker.set(ticker, l);
  }
  return { byTicker, byBase };
}

function rankOf(l: Listed): number {
  return (l.standard ? 0 : 2) + (l.active ? 0 : 1);
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
