import type { DatasetDescriptor } from '../core/dataset.js';

/** An OHLC series of a perpetual beside its candles: `<SYMBOL>/<name>_<tf>.parquet`. */
function priceKlines(name: string): DatasetDescriptor {
  return {
    name,
    rowName: 'candle',
    columns: [
      { key: 'time', name: 'time', type: 'timestamp', nullable: false },
      { key: 'open', name: 'open', type: 'double', nullable: false },
      { key: 'high', name: 'high', type: 'double', nullable: false },
      { key: 'low', name: 'low', type: 'double', nullable: false },
      { key: 'close', name: 'close', type: 'double', nullable: false },
    ],
    series: 'grid',
    merge: 'append',
    perTimeframe: true,
    fileName: (tf) => `${name}_${tf}.parquet`,
    rowGroupRows: 50_000,
  };
}

/** The mark price's OHLC (`/fapi/v1/markPriceKlines`, USDT). */
export const MARK_PRICE = priceKlines('mark-price');
/** The premium index's OHLC (`/fapi/v1/premiumIndexKlines`): (perpetual − index) / index, a signed fraction. */
export const PREMIUM_INDEX = priceKlines('premium-index');
