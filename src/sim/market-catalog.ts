import { parseSymbol } from '../core/symbol.js';
import { UsageError } from '../core/errors.js';
import type { CandleSource } from './base-bars.js';
import { ReplaySource } from './recorded-file.js';
import { coinProfile, DEFAULT_COINS } from './symbol-profiles.js';
import { perpProfile, type SimCoin } from './coingecko/coin-market.js';
import { SyntheticSource } from './synthetic-source.js';

export type MarketKind = 'spot' | 'perp';

/** One tradable market of the simulated exchange. */
export interface SimMarket {
  /** ccxt symbol: `BTC/USDT` or `BTC/USDT:USDT`. */
  readonly symbol: string;
  /** Exchange id: `BTCUSDT` (the same for spot and perpetual, on different API families). */
  readonly id: string;
  readonly base: string;
  readonly quote: string;
  readonly kind: MarketKind;
  readonly source: CandleSource;
  /** When the market stopped trading (exchangeInfo then says SETTLING); its candles stay served. */
  readonly delistedAt?: number;
  /** A contract that is not a standard one on a coin: on an index (BTC dominance), or listed before its coin trades. */
  readonly contract?: 'index' | 'pre-market';
  /**
   * The coin the market trades and how many coins one unit of its base is (`1000PEPE`: PEPE, 1000), for a
   * venue that lists the coin itself (in contracts of a value); absent: the base, one coin.
   */
  readonly coin?: { readonly ticker: string; readonly multiplier: number };
}

export interface CatalogOptions {
  readonly seed: number;
  /** Coins as `X/USDT` (spot and perpetual) or `X/USDT:USDT` (perpetual only). */
  readonly symbols?: readonly string[];
  /** ccxt symbol → recorded candle file. */
  readonly replay?: Readonly<Record<string, string>>;
  /** Coins of the simulated CoinGecko market with a USDT-M perpetual (universe mode). */
  readonly perpetuals?: readonly SimCoin[];
}

/** The markets the simulator lists, by API family and exchange id. */
export class MarketCatalog {
  readonly spot = new Map<string, SimMarket>();
  readonly perp = new Map<string, SimMarket>();

  static build(opts: CatalogOptions): MarketCatalog {
    const catalog = new MarketCatalog();
    const symbols = opts.symbols ?? DEFAULT_COINS.map((c) => `${c}/USDT`);
    for (const text of symbols) catalog.addSynthetic(text, opts.seed);
    for (const [symbol, file] of Object.entries(opts.replay ?? {})) catalog.addReplay(symbol, file);
    for (const coin of opts.perpetuals ?? []) catalog.addCoinPerpetual(coin, opts.seed);
    // the universe's market also lists an index perpetual (a BTC dominance index): not a coin
    if ((opts.perpetuals ?? []).length > 0) catalog.addIndexPerpetual('BTCDOM', opts.seed);
    return catalog;
  }

  private addIndexPerpetual(base: string, seed: number): void {
    const source = new SyntheticSource({ seed, profile: { ...coinProfile(base), anchor: 5000, perpListedAt: Date.parse('2021-01-01T00:00:00Z') }, market: 'perp' });
    this.perp.set(`${base}USDT`, { symbol: `${base}/USDT:USDT`, id: `${base}USDT`, base, quote: 'USDT', kind: 'perp', source, contract: 'index' });
  }

  private addSynthetic(text: string, seed: number): void {
    const p = parseSymbol(text);
    const profile = coinProfile(p.base);
    if (p.settle === undefined) this.add(p.base, p.quote, 'spot', new SyntheticSource({ seed, profile, market: 'spot' }));
    this.add(p.base, p.quote, 'perp', new SyntheticSource({ seed, profile, market: 'perp' }));
  }

  private addCoinPerpetual(coin: SimCoin, seed: number): void {
    const base = coin.perpBase!;
    if (this.perp.has(`${base}USDT`)) return;
    const source = new SyntheticSource({ seed, profile: perpProfile(coin), market: 'perp' });
    this.perp.set(`${base}USDT`, { symbol: `${base}/USDT:USDT`, id: `${base}USDT`, base, quote: 'USDT', kind: 'perp', source, delistedAt: coin.perpDelistedAt,
      coin: { ticker: coin.symbol.toUpperCase(), multiplier: coin.multiplier },
      ...(coin.perpPreMarket ? { contract: 'pre-market' as const } : {}) });
  }

  private addReplay(symbol: string, file: string): void {
    const p = parseSymbol(symbol);
    if (p.settle !== undefined && p.settle !== p.quote) {
      throw new UsageError(`replay symbol "${symbol}": only linear perpetuals (BASE/QUOTE:QUOTE) are simulated`);
    }
    this.add(p.base, p.quote, p.settle === undefined ? 'spot' : 'perp', ReplaySource.fromFile(file));
  }

  private add(base: string, quote: string, kind: MarketKind, source: CandleSource): void {
    const symbol = kind === 'spot' ? `${base}/${quote}` : `${base}/${quote}:${quote}`;
    const market: SimMarket = { symbol, id: `${base}${quote}`, base, quote, kind, source };
    (kind === 'spot' ? this.spot : this.perp).set(market.id, market);
  }

  /** Remove a market (a delisting); later requests for it answer "Invalid symbol". */
  delist(kind: MarketKind, id: string): void {
    (kind === 'spot' ? this.spot : this.perp).delete(id);
  }
}
