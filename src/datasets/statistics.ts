import type { DatasetDescriptor } from '../core/dataset.js';
import { checkStatistic } from '../validate/check-statistics.js';
import { AS_SERVED, gridChecks, type DatasetRecord } from './record.js';

/**
 * A perpetual's open interest per period, `<venue>/<SYMBOL>/open-interest_<tf>.parquet`: what is open in
 * the base coin (`sum_open_interest`) and its value in the quote (`sum_open_interest_value`, null where a
 * venue does not send it) at each period's open. Venues serve a window of recent history; collected
 * daily, the store keeps everything since.
 */
export const OPEN_INTEREST: DatasetDescriptor = {
  name: 'open-interest',
  rowName: 'period',
  columns: [
    { key: 'time', name: 'time', type: 'timestamp', nullable: false },
    { key: 'contracts', name: 'sum_open_interest', type: 'double', nullable: false },
    { key: 'value', name: 'sum_open_interest_value', type: 'double', nullable: true },
  ],
  series: 'grid',
  merge: 'append',
  perTimeframe: true,
  fileName: (tf) => `open-interest_${tf}.parquet`,
  rowGroupRows: 50_000,
};

/**
 * Long and short shares (of accounts or positions) and their ratio, per period. A venue that serves only
 * the shares or only the ratio has the other derived from it (ratio = long / short; long = ratio / (1 +
 * ratio)), so every venue's store has the same columns.
 */
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

/** Long/short ratio of all accounts. */
export const LONG_SHORT_GLOBAL = longShort('long-short-global');
/** Long/short ratio of the top traders' accounts. */
export const LONG_SHORT_TOP_ACCOUNTS = longShort('long-short-top-accounts');
/** Long/short ratio of the top traders' positions. */
export const LONG_SHORT_TOP_POSITIONS = longShort('long-short-top-positions');

/**
 * Taker buy and sell volume (base coin) and their ratio (buy / sell), per period. The volumes are null
 * where the source gives the ratio only (a venue's archive of 5m statistics).
 */
export const TAKER_VOLUME: DatasetDescriptor = {
  name: 'taker-volume',
  rowName: 'period',
  columns: [
    { key: 'time', name: 'time', type: 'timestamp', nullable: false },
    { key: 'buySellRatio', name: 'buy_sell_ratio', type: 'double', nullable: false },
    { key: 'buyVolume', name: 'buy_volume', type: 'double', nullable: true },
    { key: 'sellVolume', name: 'sell_volume', type: 'double', nullable: true },
  ],
  series: 'grid',
  merge: 'append',
  perTimeframe: true,
  fileName: (tf) => `taker-volume_${tf}.parquet`,
  rowGroupRows: 50_000,
};

/** A statistic: kept as served, on its period's grid, only within what the venue still serves. */
function statisticRecord(descriptor: DatasetDescriptor): DatasetRecord {
  const optional = descriptor.columns.filter((c) => c.nullable).map((c) => c.key);
  return { descriptor, source: 'venue', plan: 'statistic', ...AS_SERVED, checks: gridChecks(undefined, (c) => checkStatistic(c, optional)) };
}

export const OPEN_INTEREST_RECORD = statisticRecord(OPEN_INTEREST);
export const LONG_SHORT_GLOBAL_RECORD = statisticRecord(LONG_SHORT_GLOBAL);
export const LONG_SHORT_TOP_ACCOUNTS_RECORD = statisticRecord(LONG_SHORT_TOP_ACCOUNTS);
export const LONG_SHORT_TOP_POSITIONS_RECORD = statisticRecord(LONG_SHORT_TOP_POSITIONS);
export const TAKER_VOLUME_RECORD = statisticRecord(TAKER_VOLUME);
