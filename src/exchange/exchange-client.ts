import type { CandleFrame } from '../core/frame.js';

/** A market the exchange lists, as ccxt's `loadMarkets` describes it. */
export interface ExchangeMarket {
  /** ccxt symbol: `1000PEPE/USDT:USDT`. */
  readonly symbol: string;
  /** The venue's own id: `1000PEPEUSDT`, `PEPE-USDT-SWAP`. */
  readonly id: string;
  /** Coins of the base one contract is (OKX's `ctVal`); 1 where the venue counts in coins. */
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
   * A standard contract on one coin: not an index (Binance's BTCDOMUSDT), a commodity or stock, a
   * pre-market contract, or a dated future. Undefined when the venue says nothing (then it counts as one).
   */
  readonly coinContract?: boolean;
  /** What the venue says the contract is when it is not a standard coin contract (`index`, `pre-market`…). */
  readonly kind?: string;
  /**
   * The coin the contract is on, from the venue's own fields when it has one (OKX's `ctValCcy`), and how
   * many coins one unit of the base is; undefined: only the base's name says it (`1000PEPE`).
   */
  readonly coin?: { readonly ticker: string; readonly multiplier: number };
}

export type StatisticsEndpoint = 'openInterestHist' | 'globalLongShortAccountRatio' | 'topLongShortAccountRatio' | 'topLongShortPositionRatio' | 'takerlongshortRatio';

/** What the pipeline needs to know about a market before fetching it. */
export interface MarketInfo {
  readonly symbol: string;
  /** ccxt market type: spot, swap, future, ... */
  readonly type: string;
  /** Candles asked for per request: the page with the lowest weight per candle (Binance USDT-M: 499). */
  readonly candlesPerPage: number;
}

export interface CandleRequest {
  readonly symbol: string;
  readonly timeframe: string;
  /** First open time wanted (inclusive). */
  readonly since: number;
  /** Open times must be before this (exclusive). */
  readonly until: number;
  readonly limit: number;
  /** Another price series of a perpetual on the same grid: its mark price, or its premium index. */
  readonly price?: 'mark' | 'premiumIndex';
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
  /** Every market the exchange lists (what the universe maps coins to). */
  markets(): Promise<ExchangeMarket[]>;
  /**
   * Funding settlements of a perpetual from `since` (at most `limit`, ascending, before `until`): time,
   * rate and mark price columns.
   */
  fundingRates(symbol: string, since: number, until: number, limit: number): Promise<{ time: Float64Array; rate: Float64Array; markPrice: Float64Array }>;
  /**
   * One page of a Binance futures statistic (`/futures/data/<endpoint>`: openInterestHist,
   * globalLongShortAccountRatio, topLongShortAccountRatio, topLongShortPositionRatio, takerlongshortRatio)
   * per `period` in [since, until): rows as the exchange sends them, each with its `timestamp`.
   */
  statistics(endpoint: StatisticsEndpoint, symbol: string, period: string, since: number, until: number, limit: number): Promise<Record<string, unknown>[]>;
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
