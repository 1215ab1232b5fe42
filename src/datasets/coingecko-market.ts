import type { DatasetDescriptor } from '../core/dataset.js';
import { parseTimeframe } from '../core/timeframe.js';
import { AS_SERVED, gridChecks, type DatasetRecord } from './record.js';

/**
 * CoinGecko's daily market data of a universe coin: price, market cap and total volume in USD, one row
 * per day at 00:00 UTC, `coingecko/<SYMBOL>/coingecko-market.parquet` (the symbol of the universe member).
 */
export const COINGECKO_MARKET: DatasetDescriptor = {
  name: 'coingecko-market',
  rowName: 'day',
  columns: [
    { key: 'time', name: 'time', type: 'timestamp', nullable: false },
    { key: 'price', name: 'price', type: 'double', nullable: false },
    { key: 'marketCap', name: 'market_cap', type: 'double', nullable: true },
    { key: 'totalVolume', name: 'total_volume', type: 'double', nullable: true },
  ],
  series: 'grid',
  merge: 'append',
  perTimeframe: false,
  fileName: () => 'coingecko-market.parquet',
  rowGroupRows: 50_000,
};

/** CoinGecko's days: whole past days, kept as served. */
export const COINGECKO_MARKET_RECORD: DatasetRecord = {
  descriptor: COINGECKO_MARKET, source: 'coingecko', plan: 'days', ...AS_SERVED, checks: gridChecks(parseTimeframe('1d')),
};
