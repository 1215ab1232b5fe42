import { ExchangeError } from '../core/errors.js';
import { isoUtc } from '../core/time-format.js';
import type { ExchangeClient } from '../exchange/exchange-client.js';
import { PER_PAGE, type CoinGeckoClient, type RankedCoin } from '../sources/coingecko-client.js';
import { withRetry, type RetryContext } from '../pipeline/retry.js';
import { selectUniverse, splitMultiplier, type Member, type SelectionRules, type Skipped, type SkipReason } from './select-universe.js';

/** CoinGecko categories whose coins are never universe members: they are not coins of their own. */
export const EXCLUDED_CATEGORIES = ['stablecoins', 'wrapped-tokens', 'liquid-staking-tokens'] as const;

export interface UniverseOptions extends SelectionRules {
  readonly exchange: string;
  /** Only coins in these CoinGecko categories (the union), e.g. layer-1, layer-2; none: every coin. */
  readonly categories: readonly string[];
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
}

export interface UniverseSkip {
  readonly rank: number;
  readonly id: string;
  readonly symbol: string;
  readonly reason: SkipReason;
  readonly detail: string;
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
  for (const category of EXCLUDED_CATEGORIES) for (const coin of await allPages(deps, category)) excluded.set(coin.id, category);
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
  return {
    version: 1, date, createdAt: new Date(deps.now).toISOString(), source: 'coingecko', exchange: o.exchange, market: o.market,
    quote: o.quote, categories: o.categories, asked: o.size, ranked: selection.ranked, members,
    skipped: selection.skipped.map(skipOf), inactive: inactiveAfter(previous, members, selection.skipped, date),
  };
}

/**
 * The fallback when CoinGecko cannot be reached: the exchange's trading markets of the kind asked,
 * ranked by 24 h quote volume (one ticker request). Coins the previous universe knew to be in an
 * excluded category stay out; the universe records that the exchange ranked it.
 */
async function fromExchangeVolume(o: UniverseOptions, deps: RefreshDeps, previous: Universe | undefined): Promise<Universe> {
  const markets = await withRetry('load markets', deps.retry, () => deps.exchange.markets());
  const volumes = new Map((await withRetry('fetch 24 h tickers', deps.retry, () => deps.exchange.quoteVolumes(o.market))).map((t) => [t.symbol, t.quoteVolume]));
  const excludedTickers = new Set((previous?.skipped ?? []).filter((s) => s.reason === 'excluded-category').map((s) => s.symbol.toUpperCase()));
  const ranking = markets
    .filter((m) => m.active && m.quote === o.quote && (o.market === 'perp' ? m.type === 'swap' && m.linear : m.type === 'spot'))
    .map((m) => ({ m, ...splitMultiplier(m.base), volume: volumes.get(m.symbol) ?? 0 }))
    .sort((a, b) => b.volume - a.volume);
  const members: UniverseMember[] = [];
  const skipped: UniverseSkip[] = [];
  for (const [i, r] of ranking.entries()) {
    if (members.length >= o.size) break;
    const id = `${o.exchange}:${r.ticker.toLowerCase()}`;
    if (excludedTickers.has(r.ticker)) skipped.push({ rank: i + 1, id, symbol: r.ticker.toLowerCase(), reason: 'excluded-category', detail: 'excluded in the last CoinGecko universe' });
    else members.push({ rank: i + 1, id, symbol: r.ticker.toLowerCase(), name: r.ticker, marketCap: null, volume24h: r.volume, market: r.m.symbol, multiplier: r.multiplier });
  }
  const date = isoUtc(deps.now)!.slice(0, 10);
  return {
    version: 1, date, createdAt: new Date(deps.now).toISOString(), source: 'exchange-volume', exchange: o.exchange, market: o.market,
    quote: o.quote, categories: o.categories, asked: o.size, ranked: members.length + skipped.length, members, skipped,
    inactive: inactiveAfter(previous, members, [], date),
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
  return { rank: m.rank, id: m.coin.id, symbol: m.coin.symbol, name: m.coin.name, marketCap: m.coin.marketCap, volume24h: m.coin.volume24h, market: m.market, multiplier: m.multiplier };
}

function skipOf(s: Skipped): UniverseSkip {
  return { rank: s.rank, id: s.coin.id, symbol: s.coin.symbol, reason: s.reason, detail: s.detail };
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
