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
