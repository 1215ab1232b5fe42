import type { DatasetDescriptor } from '../core/dataset.js';

/**
 * CoinGecko's daily market data of a universe coin: price, market cap and total volume in USD, one row
 * per day at 00:00 UTC, kept beside the coin's candles as `<SYMBOL>/coingecko-market.parquet`.
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
