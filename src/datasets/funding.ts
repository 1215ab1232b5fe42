import type { DatasetDescriptor } from '../core/dataset.js';

/**
 * A perpetual's funding settlements, `<SYMBOL>/funding.parquet`: one row per settlement at its time,
 * with the rate, the mark price, and the interval in force (hours since the previous settlement: 8, 4 or
 * 1, which Binance changes per symbol over time).
 */
export const FUNDING: DatasetDescriptor = {
  name: 'funding',
  rowName: 'settlement',
  columns: [
    { key: 'time', name: 'time', type: 'timestamp', nullable: false },
    { key: 'rate', name: 'funding_rate', type: 'double', nullable: false },
    { key: 'markPrice', name: 'mark_price', type: 'double', nullable: true },
    { key: 'intervalHours', name: 'interval_hours', type: 'double', nullable: true, derived: true },
  ],
  series: 'events',
  merge: 'append',
  perTimeframe: false,
  fileName: () => 'funding.parquet',
  rowGroupRows: 50_000,
};

const HOUR = 3_600_000;

/**
 * The scheduled settlement a served funding time belongs to. Settlements are scheduled on whole UTC hours
 * and served a few milliseconds late (Binance: …00:00:00.001, …08:00:00.007), so a time is rounded to its
 * nearest hour. Pure.
 */
export function settlementSlot(t: number): number {
  return Math.round(t / HOUR) * HOUR;
}
