import { concatSeries, uniqueByTime, type DatasetDescriptor, type SeriesFrame } from '../core/dataset.js';
import { checkFunding, missingSettlements } from '../validate/check-funding.js';
import type { DatasetRecord } from './record.js';

/**
 * A perpetual's funding settlements, `<venue>/<SYMBOL>/funding.parquet`: one row per settlement at its
 * time, with the rate, the mark price where the venue sends one, and the interval in force (hours since
 * the previous settlement: 8, 4, 2 or 1, which venues change per symbol over time).
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
 * and may be served a few milliseconds late (…00:00:00.001, …08:00:00.007), so a time is rounded to its
 * nearest hour. Pure.
 */
export function settlementSlot(t: number): number {
  return Math.round(t / HOUR) * HOUR;
}

/**
 * Funding settlements: paged by their own cursor, never by an assumed 8 h step, so 4 h and 1 h intervals
 * leave no holes; the interval is derived from the settlements themselves.
 */
export const FUNDING_RECORD: DatasetRecord = {
  descriptor: FUNDING,
  source: 'venue',
  plan: 'settlements',
  derive: (stored, fresh) => ({ frame: withIntervals(uniqueByTime(stored ? concatSeries([stored, newSettlements(stored, fresh)]) : fresh)) }),
  deriveAfter: (tail, fresh) => {
    const rows = withIntervals(concatSeries([tail, uniqueByTime(fresh)]));
    rows['intervalHours']!.set(tail['intervalHours']!.subarray(0, tail.time.length), 0);
    return { frame: rows };
  },
  checks: {
    findings: (c, x) => checkFunding(c.time ?? new Float64Array(0), c['rate'] ?? new Float64Array(0), x.facts.unrecoverable),
    gaps: (time) => missingSettlements(time).length,
    behind: () => null,
  },
};

/**
 * The fresh rows of settlements the store does not hold. One settlement may come with two times: as
 * served (REST: a few ms after the hour) and as scheduled (an archive: the hour); the stored row stays.
 */
function newSettlements(stored: SeriesFrame, fresh: SeriesFrame): SeriesFrame {
  const held = new Set(Array.from(stored.time, settlementSlot));
  const times = new Set(stored.time);
  const keep: number[] = [];
  for (let i = 0; i < fresh.time.length; i++) if (!held.has(settlementSlot(fresh.time[i]!)) || times.has(fresh.time[i]!)) keep.push(i);
  if (keep.length === fresh.time.length) return fresh;
  return Object.fromEntries(Object.entries(fresh).map(([k, col]) => [k, Float64Array.from(keep, (i) => col[i]!)])) as SeriesFrame;
}

/**
 * Hours since the previous settlement: the interval in force (null for the first one known). Settlement
 * times are kept as served, a few ms late (…08:00:00.007); the interval is counted between the schedule's
 * slots they belong to, so it is a whole number of hours.
 */
function withIntervals(f: SeriesFrame): SeriesFrame {
  const hours = new Float64Array(f.time.length).fill(NaN);
  for (let i = 1; i < f.time.length; i++) hours[i] = (settlementSlot(f.time[i]!) - settlementSlot(f.time[i - 1]!)) / HOUR;
  return { ...f, intervalHours: hours };
}
