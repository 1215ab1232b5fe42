/** The master store's on-disk contract: column names, order and footer metadata keys. */
export const STORE_SCHEMA_VERSION = '1';

/** Column order on disk; `time` first, then prices as the pandas system wrote them. */
export const DISK_COLUMNS = ['time', 'Open', 'High', 'Low', 'Close', 'Volume', 'ATR'] as const;

/** The columns a store must have to be read; ATR is derived, so a file without it is recomputed. */
export const REQUIRED_COLUMNS = ['time', 'Open', 'High', 'Low', 'Close', 'Volume'] as const;

/** Columns other tools add that carry no data of the store: pandas' saved index. */
export function isToolArtifactColumn(name: string): boolean {
  return /^__index_level_\d+__$/.test(name);
}

/** Footer key-value metadata describing what a store holds. */
export interface StoreMeta {
  readonly toolVersion: string;
  readonly schemaVersion: string;
  readonly exchange: string;
  /**
   * Where the candles came from: `exchange` (the real API), `simulator` (an --api-url on loopback) or
   * `api-url <origin>` (any other --api-url). Real and simulated candles are never mixed in one store.
   */
  readonly source: string;
  /** ccxt market type of the symbol: `spot`, `swap`, `future`. */
  readonly marketType: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly atrPeriod: number;
  /** When the store was last written, ISO UTC. */
  readonly updatedAt: string;
  /** Only on resume checkpoints: which unfinished job the rows belong to (JSON). */
  readonly partial?: string;
}

/** Footer keys, prefixed so they never collide with pandas/arrow metadata. */
export const META_KEYS: Record<keyof StoreMeta, string> = {
  toolVersion: 'qml.tool_version',
  schemaVersion: 'qml.schema_version',
  exchange: 'qml.exchange',
  source: 'qml.source',
  marketType: 'qml.market_type',
  symbol: 'qml.symbol',
  timeframe: 'qml.timeframe',
  atrPeriod: 'qml.atr_period',
  updatedAt: 'qml.updated_at',
  partial: 'qml.partial',
};
