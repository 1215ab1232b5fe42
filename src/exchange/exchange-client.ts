import type { CandleFrame } from '../core/frame.js';

/** A market the exchange lists, as ccxt's `loadMarkets` describes it. */
export interface ExchangeMarket {
  /** ccxt symbol: `1000PEPE/USDT:USDT`. */
  readonly symbol: string;
  /** The venue's own id: `1000PEPEUSDT`, `PEPE-USDT-SWAP`. */
  readonly id: string;
  /** Coins of the base one contract is (the venue's contract value); 1 where the venue counts in coins. */
  readonly contractSize: number;
  /** The exchange's base asset, multiplier prefix included: `1000PEPE`. */
  readonly base: string;
  readonly quote: string;
  /** ccxt market type: `swap` (perpetual) or `spot`. */
  readonly type: string;
  /** Linear (settled in the quote currency); spot markets count as linear. */
  readonly linear: boolean;
  /** Trading now (ccxt `active`). */
  readonly active: boolean;
  /**
   * A standard contract on one coin: not an index (a BTC dominance contract), a commodity or stock, a
   * pre-market contract, or a dated future. Undefined when the venue says nothing (then it counts as one).
   */
  readonly coinContract?: boolean;
  /** What the venue says the contract is when it is not a standard coin contract (`index`, `pre-market`…). */
  readonly kind?: string;
  /**
   * The coin the contract is on, from the venue's own fields when it has one (a contract value's currency), and how
   * many coins one unit of the base is; undefined: only the base's name says it (`1000PEPE`).
   */
  readonly coin?: { readonly ticker: string; readonly multiplier: number };
}

/** What the pipeline needs to know about a market before fetching it. */
export interface MarketInfo {
  readonly symbol: string;
  /** The venue's own id of the market (`BTCUSDT`, `BTC-USDT-SWAP`). */
  readonly id: string;
  /** ccxt market type: spot, swap, future, ... */
  readonly type: string;
  /** Coins of the base one contract is (1 where the venue counts in coins). */
  readonly contractSize: number;
  /** Candles asked for per request: the page with the lowest cost per candle (the venue profile's choice). */
  readonly candlesPerPage: number;
  /** When the market listed (epoch ms), where the venue says. */
  readonly listedAt?: number;
  /** The venue's own description of the market (its instruments entry). */
  readonly info?: Readonly<Record<string, unknown>>;
}

export interface CandleRequest {
  readonly symbol: string;
  readonly timeframe: string;
  /** First open time wanted (inclusive). */
  readonly since: number;
  /** Open times must be before this (exclusive). */
  readonly until: number;
  readonly limit: number;
  /** Another price series of a perpetual on the same grid: its mark price, its index price, or its premium index. */
  readonly price?: 'mark' | 'index' | 'premiumIndex';
}

/**
 * The few exchange calls qml-data makes. The ccxt adapter implements it; tests may pass a small fake.
 * Errors are our own kinds: UsageError (unknown symbol/timeframe), TemporaryExchangeError (worth
 * retrying), ExchangeError (not).
 */
export interface ExchangeClient {
  readonly id: string;
  /** Look up a market; throws UsageError when the exchange does not list it. */
  market(symbol: string): Promise<MarketInfo>;
  /** Every market the exchange lists (what the universe maps coins to); `fresh`: read again, not the ones loaded. */
  markets(o?: { readonly fresh?: boolean }): Promise<ExchangeMarket[]>;
  /**
   * A raw request to one of the venue's endpoints, through ccxt's method for it (`publicGetV5MarketKline`):
   * the answer as the venue sent it (parsed JSON), errors translated; `what` names it in messages. The
   * venue profiles' fetchers use it for what ccxt's unified methods do not do right.
   */
  request(method: string, params: Readonly<Record<string, unknown>>, what: string): Promise<unknown>;
  /** 24 h quote volume of every market of a kind, in one request (the universe's fallback ranking). */
  quoteVolumes(kind: 'perp' | 'spot'): Promise<{ symbol: string; quoteVolume: number }[]>;
  /**
   * How many stores a run should fetch at once, `running` now, to spend the weight budget (the
   * scheduler's answer); undefined for an exchange whose requests ccxt's own throttle spaces.
   */
  wantedInFlight?(running: number): number;
  /** The exchange's clock (epoch ms), or the local clock when the exchange has none. */
  serverTime(): Promise<number>;
  /** One page of candles, ascending, as the exchange returned them (not yet cleaned). */
  fetchCandles(req: CandleRequest): Promise<CandleFrame>;
  /** Open time of the newest candle opening before `before`, or undefined when there is none. */
  lastCandleOpen(symbol: string, timeframe: string, before: number): Promise<number | undefined>;
  close(): Promise<void>;
}

export interface ExchangeSettings {
  readonly exchange: string;
  /** Base URL every API family of the exchange is pointed at (the simulator), or undefined for the real one. */
  readonly apiUrl?: string;
  /** ccxt's minimum delay between requests in ms; undefined keeps ccxt's default for the exchange. */
  readonly rateLimitMs?: number;
  readonly timeoutMs: number;
}
