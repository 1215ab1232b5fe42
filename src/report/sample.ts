import { lowerBoundTime } from '../core/time-search.js';

/** Bucket widths a reduced series may use (ms): whole minutes to a day. */
const BUCKETS = [60_000, 300_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 43_200_000, 86_400_000, 604_800_000];

/**
 * A series' rows in [from, to), at most `max` of them: as stored when they fit; otherwise reduced to the
 * finest bucket (from BUCKETS) that fits. `candles` aggregates each bucket exactly (open first, high max,
 * low min, close last, volume summed, at the bucket's open); `last` keeps each bucket's last row as stored
 * (its own time and values), so every point drawn is a stored row. Pure.
 */
export function sampleSeries(
  columns: Readonly<Record<string, Float64Array>>, keys: readonly string[], from: number, to: number, max: number, how: 'candles' | 'last',
): { columns: Record<string, Float64Array>; bucketMs?: number } {
  const time = columns['time'] ?? new Float64Array(0);
  const a = lowerBoundTime(time, from);
  const b = lowerBoundTime(time, to);
  const cut = (k: string) => (columns[k] ?? new Float64Array(time.length).fill(NaN)).subarray(a, b);
  if (b - a <= max) return { columns: Object.fromEntries(['time', ...keys].map((k) => [k, cut(k)])) };
  const span = time[b - 1]! - time[a]!;
  const bucketMs = BUCKETS.find((w) => span / w < max) ?? BUCKETS[BUCKETS.length - 1]!;
  const t = cut('time');
  const cols = Object.fromEntries(keys.map((k) => [k, cut(k)]));
  const outTime: number[] = [];
  const out: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  for (let i = 0; i < t.length;) {
    const bucket = Math.floor(t[i]! / bucketMs) * bucketMs;
    let j = i;
    while (j < t.length && t[j]! < bucket + bucketMs) j++;
    if (how === 'last') {
      outTime.push(t[j - 1]!);
      for (const k of keys) out[k]!.push(cols[k]![j - 1]!);
    } else {
      outTime.push(bucket);
      for (const k of keys) out[k]!.push(aggregate(k, cols[k]!, i, j));
    }
    i = j;
  }
  return { columns: { time: Float64Array.from(outTime), ...Object.fromEntries(keys.map((k) => [k, Float64Array.from(out[k]!)])) }, bucketMs };
}

function aggregate(key: string, v: Float64Array, i: number, j: number): number {
  if (key === 'open') return v[i]!;
  if (key === 'close') return v[j - 1]!;
  let acc = key === 'high' ? -Infinity : key === 'low' ? Infinity : 0;
  for (let x = i; x < j; x++) {
    const y = v[x]!;
    if (Number.isNaN(y)) continue;
    acc = key === 'high' ? Math.max(acc, y) : key === 'low' ? Math.min(acc, y) : acc + y;
  }
  return Number.isFinite(acc) ? acc : NaN;
}
