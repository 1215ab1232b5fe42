import type { DatasetDescriptor } from '../core/dataset.js';

/**
 * Candles with their Wilder ATR: the master stores `<SYMBOL>/<tf>_master.parquet`, laid out as the
 * pandas system wrote them (`time, Open, High, Low, Close, Volume, ATR`).
 */
export const OHLCV: DatasetDescriptor = {
  name: 'ohlcv',
  rowName: 'candle',
  columns: [
    { key: 'time', name: 'time', type: 'timestamp', nullable: false },
    { key: 'open', name: 'Open', type: 'double', nullable: false },
    { key: 'high', name: 'High', type: 'double', nullable: false },
    { key: 'low', name: 'Low', type: 'double', nullable: false },
    { key: 'close', name: 'Close', type: 'double', nullable: false },
    { key: 'volume', name: 'Volume', type: 'double', nullable: false },
    // null in the warm-up rows, where Wilder's ATR is not yet defined
    { key: 'atr', name: 'ATR', type: 'double', nullable: true, derived: true },
  ],
  series: 'grid',
  merge: 'append',
  perTimeframe: true,
  fileName: (tf) => `${tf}_master.parquet`,
  // small enough that a date-range read skips most of a multi-year 5m store
  rowGroupRows: 50_000,
};
