import { ExchangeError } from '../core/errors.js';
import { isoUtc } from '../core/time-format.js';
import type { ExchangeClient } from '../exchange/exchange-client.js';
import { PER_PAGE, type CoinGeckoClient, type RankedCoin } from '../sources/coingecko-client.js';
import { withRetry, type RetryContext } from '../core/retry.js';
import { coinOfMarket, isOfKind, selectUniverse, type Member, type SelectionRules, type Skipped, type SkipReason } from './select-universe.js';
import { DEFAULT_EXCLUDED_CATEGORIES, STABLECOIN_TICKERS } from './known-coins.js';

export interface UniverseOptions extends SelectionRules {
  readonly exchange: string;
  /** Only coins in these CoinGecko categories (the union), e.g. layer-1, layer-2; none: every coin. */
  readonly categories: readonly string[];
  /** CoinGecko categories whose coins are never members (default: stablecoins, wrapped, liquid-staking, tokenized gold). */
  readonly excludeCategories?: readonly string[];
  /** Stablecoin tickers a fallback ranking leaves out (default: STABLECOIN_TICKERS). */
  readonly stablecoins?: readonly string[];
}

export interface UniverseMember {
  readonly rank: number;
  readonly id: string;
  readonly symbol: string;
  readonly name: string;
  readonly marketCap: number | null;
  readonly volume24h: number | null;
  /** The exchange's market (`1000PEPE/USDT:USDT`) and how many coins one contract unit is. */
  readonly market: string;
  readonly multiplier: number;
  /** The alias (contract base) that mapped it, when the contract is not named after its ticker. */
  readonly alias?: string;
}

export interface UniverseSkip {
  readonly rank: number;
  readonly id: string;
  readonly symbol: string;
  readonly reason: SkipReason;
  readonly detail: string;
  /** The contract the coin owns, when it has one (an excluded coin's contract is left out by this identity). */
  readonly market?: string;
}

/** A coin that was a member and is no more: kept known, with the day and the reason (its stores stay). */
export interface InactiveMember {
  readonly id: string;
  readonly market: string;
  readonly since: string;
  readonly reason: string;
}

/** The universe as one refresh made it: what `universe show` prints and `collect` fetches. */
export interface Universe {
  readonly version: 1;
  /** Day of the refresh, UTC (`YYYY-MM-DD`): the snapshot's name. */
  readonly date: string;
  readonly createdAt: string;
  /** What ranked the coins: CoinGecko's volume ranking, or the exchange's own (the fallback). */
  readonly source: 'coingecko' | 'exchange-volume';
  readonly exchange: string;
  readonly market: 'perp' | 'spot';
  readonly quote: string;
  readonly categories: readonly string[];
  readonly asked: number;
  /** Coins of the ranking looked at to fill the size. */
  readonly ranked: number;
  readonly members: readonly UniverseMember[];
  readonly skipped: readonly UniverseSkip[];
  readonly inactive: readonly InactiveMember[];
  /** How many fewer members than asked, and why the coins looked at were left out (by reason, a count each). */
  readonly shortfall: { readonly missing: number; readonly reasons: Readonly<Record<string, number>> };
}

/** The shortfall of a universe: members missing to the size asked, and the skip reasons by count. */
export function shortfallOf(asked: number, members: number, skipped: readonly { reason: string }[]): Universe['shortfall'] {
  const reasons: Record<string, number> = {};
  for (const s of skipped) reasons[s.reason] = (reasons[s.reason] ?? 0) + 1;
  return { missing: Math.max(0, asked - members), reasons };
}

export interface RefreshDeps {
  readonly coingecko: CoinGeckoClient;
  readonly exchange: ExchangeClient;
  readonly retry: RetryContext;
  /** Now, by the exchange's clock. */
  readonly now: number;
}

/**
 * Build the universe: the excluded categories' members, the volume ranking (walked page by page until
 * the size is filled), the exchange's own markets, the selection; members of the previous universe
 * that are gone become inactive, with the day and the reason.
 */
export async function refreshUniverse(o: UniverseOptions, deps: RefreshDeps, previous?: Universe): Promise<Universe> {
  try {
    return await fromCoinGecko(o, deps, previous);
  } catch (e) {
    if (!(e instanceof ExchangeError) || /load markets/.test(e.message)) throw e;
    deps.retry.log.warn({ err: e.message }, 'CoinGecko failed; ranking the exchange\'s own markets by 24 h quote volume instead');
    return fromExchangeVolume(o, deps, previous);
  }
}

async function fromCoinGecko(o: UniverseOptions, deps: RefreshDeps, previous: Universe | undefined): Promise<Universe> {
  const excluded = new Map<string, string>();
  for (const category of o.excludeCategories ?? DEFAULT_EXCLUDED_CATEGORIES) for (const coin of await allPages(deps, category)) excluded.set(coin.id, category);
  const markets = await withRetry('load markets', deps.retry, () => deps.exchange.markets());
  const ranking = o.categories.length > 0 ? byVolume(await Promise.all(o.categories.map((c) => allPages(deps, c)))) : [];
  let selection = selectUniverse(ranking, excluded, markets, o);
  for (let page = 1; o.categories.length === 0; page++) {
    const rows = await withRetry('coingecko ranking', deps.retry, () => deps.coingecko.marketsPage(page));
    ranking.push(...rows);
    selection = selectUniverse(ranking, excluded, markets, o);
    if (selection.members.length >= o.size || rows.length < PER_PAGE) break;
  }
  const date = isoUtc(deps.now)!.slice(0, 10);
  const members = selection.members.map(memberOf);
  const skipped = selection.skipped.map(skipOf);
  return {
    version: 1, date, createdAt: new Date(deps.now).toISOString(), source: 'coingecko', exchange: o.exchange, market: o.market,
    quote: o.quote, categories: o.categories, asked: o.size, ranked: selection.ranked, members,
    skipped, inactive: inactiveAfter(previous, members, selection.skipped, date), shortfall: shortfallOf(o.size, members.length, skipped),
  };
}

/**
 * The fallback when CoinGecko cannot be reached: the exchange's trading markets of the kind asked,
 * ranked by 24 h quote volume (one ticker request). Left out: the contracts the last CoinGecko universe's
 * excluded coins owned (by identity: a wrapped token sharing SOL's ticker never takes SOL out),
 * stablecoins (the list shipped, for when CoinGecko never answered) and non-standard contracts (an index
 * such as BTCDOMUSDT). The universe records that the exchange ranked it.
 */
async function fromExchangeVolume(o: UniverseOptions, deps: RefreshDeps, previous: Universe | undefined): Promise<Universe> {
  const markets = await withRetry('load markets', deps.retry, () => deps.exchange.markets());
  const volumes = new Map((await withRetry('fetch 24 h tickers', deps.retry, () => deps.exchange.quoteVolumes(o.market))).map((t) => [t.symbol, t.quoteVolume]));
  const excludedMarkets = new Set((previous?.skipped ?? []).filter((s) => s.reason === 'excluded-category' && s.market).map((s) => s.market!));
  const stablecoins = new Set((o.stablecoins ?? STABLECOIN_TICKERS).map((t) => t.toUpperCase()));
  const ranking = markets
    .filter((m) => m.active && isOfKind(m, o))
    .map((m) => ({ m, ...coinOfMarket(m), volume: volumes.get(m.symbol) ?? 0 }))
    .sort((a, b) => b.volume - a.volume);
  const members: UniverseMember[] = [];
  const skipped: UniverseSkip[] = [];
  for (const [i, r] of ranking.entries()) {
    if (members.length >= o.size) break;
    const id = `${o.exchange}:${r.ticker.toLowerCase()}`;
    const skip = (reason: SkipReason, detail: string) => skipped.push({ rank: i + 1, id, symbol: r.ticker.toLowerCase(), reason, detail, market: r.m.symbol });
    if (excludedMarkets.has(r.m.symbol)) skip('excluded-category', 'its coin was in an excluded category in the last CoinGecko universe');
    else if (stablecoins.has(r.ticker)) skip('excluded-category', `${r.ticker} is a stablecoin (the list shipped for rankings without CoinGecko)`);
    else if (o.excludeNonStandard !== false && r.m.coinContract === false) skip('non-standard-contract', `${r.m.symbol} is ${r.m.kind ?? 'a non-standard'} contract, not a standard one on a coin`);
    else members.push({ rank: i + 1, id, symbol: r.ticker.toLowerCase(), name: r.ticker, marketCap: null, volume24h: r.volume, market: r.m.symbol, multiplier: r.multiplier });
  }
  const date = isoUtc(deps.now)!.slice(0, 10);
  return {
    version: 1, date, createdAt: new Date(deps.now).toISOString(), source: 'exchange-volume', exchange: o.exchange, market: o.market,
    quote: o.quote, categories: o.categories, asked: o.size, ranked: members.length + skipped.length, members, skipped,
    inactive: inactiveAfter(previous, members, [], date), shortfall: shortfallOf(o.size, members.length, skipped),
  };
}

async function allPages(deps: RefreshDeps, category: string): Promise<RankedCoin[]> {
  const out: RankedCoin[] = [];
  for (let page = 1; ; page++) {
    const rows = await withRetry(`coingecko category ${category}`, deps.retry, () => deps.coingecko.marketsPage(page, category));
    out.push(...rows);
    if (rows.length < PER_PAGE) return out;
  }
}

/** Several category rankings as one, each coin once, by 24 h volume. */
function byVolume(lists: readonly RankedCoin[][]): RankedCoin[] {
  const seen = new Map<string, RankedCoin>();
  for (const c of lists.flat()) if (!seen.has(c.id)) seen.set(c.id, c);
  return [...seen.values()].sort((a, b) => (b.volume24h ?? 0) - (a.volume24h ?? 0));
}

function memberOf(m: Member): UniverseMember {
  return { rank: m.rank, id: m.coin.id, symbol: m.coin.symbol, name: m.coin.name, marketCap: m.coin.marketCap, volume24h: m.coin.volume24h, market: m.market, multiplier: m.multiplier, ...(m.alias ? { alias: m.alias } : {}) };
}

function skipOf(s: Skipped): UniverseSkip {
  return { rank: s.rank, id: s.coin.id, symbol: s.coin.symbol, reason: s.reason, detail: s.detail, ...(s.market ? { market: s.market } : {}) };
}

/** Members that left since the previous universe, added to the ones already inactive (a returning coin is active again). */
function inactiveAfter(previous: Universe | undefined, members: readonly UniverseMember[], skipped: readonly Skipped[], date: string): InactiveMember[] {
  if (!previous) return [];
  // by market: a market's stores are what a member stands for, whichever source ranked it
  const active = new Set(members.map((m) => m.market));
  const why = new Map(skipped.map((s) => [s.coin.id, s.detail]));
  const left = previous.members.filter((m) => !active.has(m.market))
    .map((m) => ({ id: m.id, market: m.market, since: date, reason: why.get(m.id) ?? `no longer among the top ${previous.asked} by volume` }));
  const still = previous.inactive.filter((x) => !active.has(x.market) && !left.some((l) => l.market === x.market));
  return [...still, ...left];
}

/** What changed from one universe to another, by the markets collected. */
export function diffUniverse(before: Universe, after: Universe): { added: UniverseMember[]; removed: UniverseMember[] } {
  const was = new Set(before.members.map((m) => m.market));
  const is = new Set(after.members.map((m) => m.market));
  return { added: after.members.filter((m) => !was.has(m.market)), removed: before.members.filter((m) => !is.has(m.market)) };
}
