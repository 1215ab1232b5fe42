import type { DatasetDescriptor } from '../core/dataset.js';
import { AS_SERVED, gridChecks, type DatasetRecord } from './record.js';

/** An OHLC series of a perpetual beside its candles: `<venue>/<SYMBOL>/<name>_<tf>.parquet`, kept as served. */
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

/** The mark price's OHLC (quote currency). */
export const MARK_PRICE = priceKlines('mark-price');
/** The index price's OHLC (quote currency): the spot index the mark price follows. */
export const INDEX_PRICE = priceKlines('index-price');
/** The premium index's OHLC: (perpetual − index) / index, a signed fraction. */
export const PREMIUM_INDEX = priceKlines('premium-index');

function priceKlinesRecord(descriptor: DatasetDescriptor): DatasetRecord {
  return { descriptor, source: 'venue', plan: 'klines', ...AS_SERVED, checks: gridChecks() };
}

export const MARK_PRICE_RECORD = priceKlinesRecord(MARK_PRICE);
export const INDEX_PRICE_RECORD = priceKlinesRecord(INDEX_PRICE);
export const PREMIUM_INDEX_RECORD = priceKlinesRecord(PREMIUM_INDEX);
