import type { SchemaElement } from 'hyparquet';

/**
 * How a file stores its `time` column. Other tools write candle times in many ways: TIMESTAMP in
 * NANOS, MICROS or MILLIS (UTC-adjusted or naive), Spark's INT96, DATE, or a bare integer epoch.
 * Timestamps carry their unit; a bare epoch does not, so its unit is read from its magnitude.
 */
export type TimeEncoding =
  | { readonly kind: 'timestamp'; readonly statMillis: (v: unknown) => number | undefined }
  | { readonly kind: 'epoch'; readonly statMillis: (v: unknown) => number | undefined };

/** The encoding of a `time` column from its schema element. Naive timestamps are taken as UTC. */
export function timeEncodingOf(el: SchemaElement): TimeEncoding {
  const isTimestamp = el.logical_type?.type === 'TIMESTAMP' || el.converted_type === 'TIMESTAMP_MILLIS'
    || el.converted_type === 'TIMESTAMP_MICROS' || el.converted_type === 'DATE' || el.type === 'INT96';
  if (isTimestamp) return { kind: 'timestamp', statMillis: (v) => (v instanceof Date ? v.getTime() : undefined) };
  return { kind: 'epoch', statMillis: (v) => (typeof v === 'bigint' || typeof v === 'number' ? epochToMillis(Number(v)) : undefined) };
}

/**
 * A bare epoch's unit by its magnitude, for instants between 1973 and 2286: below 1e11 seconds, below
 * 1e14 milliseconds, below 1e17 microseconds, else nanoseconds. Candle history has no earlier instants.
 * Returns what one unit is in ms.
 */
export function epochUnitMs(v: number): number {
  const a = Math.abs(v);
  if (a < 1e11) return 1000;
  if (a < 1e14) return 1;
  if (a < 1e17) return 1e-3;
  return 1e-6;
}

export function epochToMillis(v: number): number {
  const unit = epochUnitMs(v);
  return unit >= 1 ? v * unit : Math.round(v / Math.round(1 / unit));
}

/** Convert a decoded bare-epoch column to ms in place, one unit for the whole column (its largest value's). */
export function epochMillisByMagnitude(time: Float64Array): void {
  let max = 0;
  for (let i = 0; i < time.length; i++) if (Math.abs(time[i]!) > max) max = Math.abs(time[i]!);
  const unit = epochUnitMs(max);
  if (unit === 1) return;
  const div = Math.round(1 / unit);
  for (let i = 0; i < time.length; i++) time[i] = unit > 1 ? time[i]! * unit : Math.round(time[i]! / div);
}
