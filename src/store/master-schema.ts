/** The master store's on-disk contract: column names, order and footer metadata keys. */
export const STORE_SCHEMA_VERSION = '1';

/** Column order on disk; `time` first, then prices as the pandas system wrote them. */
export const DISK_COLUMNS = ['time', 'Open', 'High', 'Low', 'Close', 'Volume', 'ATR'] as const;

/** Footer key-value metadata describing what a store holds. */
export interface StoreMeta {
  readonly toolVersion: string;
  readonly schemaVersion: string;
  readonly exchange: string;
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
  symbol: 'qml.symbol',
  timeframe: 'qml.timeframe',
  atrPeriod: 'qml.atr_period',
  updatedAt: 'qml.updated_at',
  partial: 'qml.partial',
};
