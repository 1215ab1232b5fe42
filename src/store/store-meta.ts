/** What every store records in its Parquet footer, whatever its dataset. */
export const STORE_SCHEMA_VERSION = '1';

/** Columns other tools add that carry no data of the store: pandas' saved index. */
export function isToolArtifactColumn(name: string): boolean {
  return /^__index_level_\d+__$/.test(name);
}

/** Footer key-value metadata describing what a store holds. */
export interface StoreMeta {
  readonly toolVersion: string;
  readonly schemaVersion: string;
  /** The dataset's name (`ohlcv`, …); files written before it was recorded are taken by their file name. */
  readonly dataset: string;
  readonly exchange: string;
  /**
   * Where the rows came from: `exchange` (the real API), `simulator` (an --api-url on loopback) or
   * `api-url <origin>` (any other --api-url). Real and simulated rows are never mixed in one store.
   */
  readonly source: string;
  /** ccxt market type of the symbol: `spot`, `swap`, `future`. */
  readonly marketType: string;
  /** The symbol of a per-symbol store; none for a venue's store (liquidations). */
  readonly symbol?: string;
  /** The timeframe of a per-timeframe dataset. */
  readonly timeframe?: string;
  /** The ATR period of a candle store. */
  readonly atrPeriod?: number;
  /** When the store was last written, ISO UTC. */
  readonly updatedAt: string;
  /** Only on resume checkpoints: which unfinished job the rows belong to (JSON). */
  readonly partial?: string;
  /**
   * Spans the source no longer serves and the store will never hold (JSON `[{ "from", "to" }]`, epoch
   * ms): a venue's statistics older than what it serves that no run fetched in time.
   */
  readonly unrecoverable?: string;
  /**
   * When rows the store held were last replaced (`--erase`), ISO UTC; absent while it has only ever been
   * extended. A mirror (the database sink) copies only new rows while this stays the same.
   */
  readonly rewrittenAt?: string;
  /** A recorded stream's connected periods (JSON `[[from, to], …]`, epoch ms): when events could be seen. */
  readonly coverage?: string;
  /** Whether the venue's stream sends every event (`complete`) or some (`sampled`: one a second per contract). */
  readonly feed?: string;
  /**
   * Which rows came from which source, for a dataset read from a venue's archive and its API (JSON
   * `{"archive": [[from, to], …], "rest": […]}`, epoch ms, [from, to)); see core/row-sources.
   */
  readonly rowSources?: string;
}

/** Footer keys, prefixed so they never collide with pandas/arrow metadata. */
export const META_KEYS: Record<keyof StoreMeta, string> = {
  toolVersion: 'qml.tool_version',
  schemaVersion: 'qml.schema_version',
  dataset: 'qml.dataset',
  exchange: 'qml.exchange',
  source: 'qml.source',
  marketType: 'qml.market_type',
  symbol: 'qml.symbol',
  timeframe: 'qml.timeframe',
  atrPeriod: 'qml.atr_period',
  updatedAt: 'qml.updated_at',
  partial: 'qml.partial',
  unrecoverable: 'qml.unrecoverable',
  coverage: 'qml.coverage',
  feed: 'qml.feed',
  rewrittenAt: 'qml.rewritten_at',
  rowSources: 'qml.row_sources',
};

/** What a written store records about itself, beyond the tool and schema versions and the write time. */
export type WriteIdentity = Pick<StoreMeta, 'exchange' | 'source' | 'marketType'>
  & Partial<Pick<StoreMeta, 'symbol' | 'timeframe' | 'atrPeriod' | 'unrecoverable' | 'coverage' | 'feed' | 'rowSources'>>;
