import type { DatasetDescriptor } from '../core/dataset.js';

/**
 * A perpetual's open interest per period, `<SYMBOL>/open-interest_<tf>.parquet`: the contracts open
 * (`sum_open_interest`, base units) and their USD value (`sum_open_interest_value`) at each period's
 * open. Binance serves only the last 30 days; collected daily, the store keeps everything since.
 */
export const OPEN_INTEREST: DatasetDescriptor = {
  name: 'open-interest',
  rowName: 'period',
  columns: [
    { key: 'time', name: 'time', type: 'timestamp', nullable: false },
    { key: 'contracts', name: 'sum_open_interest', type: 'double', nullable: false },
    { key: 'value', name: 'sum_open_interest_value', type: 'double', nullable: false },
  ],
  series: 'grid',
  merge: 'append',
  perTimeframe: true,
  fileName: (tf) => `open-interest_${tf}.parquet`,
  rowGroupRows: 50_000,
};

/** Long and short shares (of accounts or positions) and their ratio, as Binance reports them per period. */
function longShort(name: string): DatasetDescriptor {
  return {
    name,
    rowName: 'period',
    columns: [
      { key: 'time', name: 'time', type: 'timestamp', nullable: false },
      { key: 'long', name: 'long_share', type: 'double', nullable: false },
      { key: 'short', name: 'short_share', type: 'double', nullable: false },
      { key: 'ratio', name: 'long_short_ratio', type: 'double', nullable: false },
    ],
    series: 'grid',
    merge: 'append',
    perTimeframe: true,
    fileName: (tf) => `${name}_${tf}.parquet`,
    rowGroupRows: 50_000,
  };
}

/** Long/short ratio of all accounts (`globalLongShortAccountRatio`). */
export const LONG_SHORT_GLOBAL = longShort('long-short-global');
/** Long/short ratio of the top traders' accounts (`topLongShortAccountRatio`). */
export const LONG_SHORT_TOP_ACCOUNTS = longShort('long-short-top-accounts');
/** Long/short ratio of the top traders' positions (`topLongShortPositionRatio`). */
export const LONG_SHORT_TOP_POSITIONS = longShort('long-short-top-positions');

/** Taker buy and sell volume (base units) and their ratio, per period (`takerlongshortRatio`). */
export const TAKER_VOLUME: DatasetDescriptor = {
  name: 'taker-volume',
  rowName: 'period',
  columns: [
    { key: 'time', name: 'time', type: 'timestamp', nullable: false },
    { key: 'buySellRatio', name: 'buy_sell_ratio', type: 'double', nullable: false },
    { key: 'buyVolume', name: 'buy_volume', type: 'double', nullable: false },
    { key: 'sellVolume', name: 'sell_volume', type: 'double', nullable: false },
  ],
  series: 'grid',
  merge: 'append',
  perTimeframe: true,
  fileName: (tf) => `taker-volume_${tf}.parquet`,
  rowGroupRows: 50_000,
};
