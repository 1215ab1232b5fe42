import type { ExchangeClient } from '../exchange/exchange-client.js';
import type { CoinGeckoClient } from '../sources/coingecko-client.js';
import type { StoreOutcome } from './outcome.js';
import type { FetchProgress } from './pager.js';
import type { Log } from '../core/log.js';
import type { RetryPolicy } from '../core/retry.js';

/** Settings shared by build and update, already validated (config file + flags). */
export interface RunSettings {
  readonly exchange: string;
  /** Where this run's candles come from (`qml.source`): exchange, simulator, or api-url <origin>. */
  readonly source: string;
  readonly dataDir: string;
  readonly atrPeriod: number;
  /**
   * Most stores fetched at the same time. Under a weight budget the run starts with fewer and grows
   * while the budget is spent slower than it could be; otherwise (ccxt's throttle) it is the number.
   */
  readonly concurrency: number;
  /** How long to wait for another run's lock on a store before giving up. */
  readonly lockWaitMs: number;
  readonly retry: RetryPolicy;
  /** Least time between resume checkpoints while fetching. */
  readonly checkpointMs: number;
}

/** What a run reports as it goes, for one display over the whole run. */
export interface RunProgress {
  /** `n` more stores belong to the run. */
  stores(n: number): void;
  /** A page arrived. */
  page(p: FetchProgress): void;
  /** A store is finished, whatever its status. */
  storeDone(o: StoreOutcome): void;
}

/** What a run talks to: the exchange, the log, Ctrl-C, progress display. */
export interface RunDeps {
  /** The client of a venue by its id (one run may span venues: update follows each store's). */
  readonly clientFor: (exchange: string) => ExchangeClient;
  readonly log: Log;
  readonly signal?: AbortSignal;
  /** CoinGecko, for datasets that come from it (coingecko-market). */
  readonly coingecko?: CoinGeckoClient;
  /** The run's progress display, when there is one (a terminal). */
  readonly progress?: RunProgress;
  /** Each venue's archive reader (what its profile's `archives.open` made), where the run allows archives (`--archives auto|only`). */
  readonly archives?: ReadonlyMap<string, object>;
}
