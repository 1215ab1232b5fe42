import type { DatasetDescriptor, SeriesFrame } from '../core/dataset.js';
import { isoUtc } from '../core/time-format.js';

/**
 * Why writing `next` over `stored` would lose data, or undefined when every stored row is kept with
 * the same values (new rows may come before, between and after them). Derived columns (ATR) may be
 * recomputed; the rest may not change. Pure: both frames are ascending in time.
 */
export function rowLoss(d: DatasetDescriptor, stored: SeriesFrame, next: SeriesFrame): string | undefined {
  const n = stored.time.length;
  if (n === 0) return undefined;
  if (d.merge === 'distinct') return eventLoss(d, stored, next);
  if (next.time.length < n) return `it would keep ${next.time.length} of its ${n} rows`;
  if (!(next.time[0]! <= stored.time[0]!)) return `its first row would move from ${isoUtc(stored.time[0])} to ${isoUtc(next.time[0])}`;
  const values = d.columns.filter((c) => c.key !== 'time' && !c.derived);
  let j = 0;
  for (let i = 0; i < n; i++) {
    const t = stored.time[i]!;
    while (j < next.time.length && next.time[j]! < t) j++;
    if (next.time[j] !== t) return `the stored ${d.rowName} at ${isoUtc(t) ?? String(t)} would be dropped`;
    for (const c of values) {
      const was = stored[c.key]![i];
      const now = next[c.key]![j];
      if (!Object.is(was, now)) return `the stored ${d.rowName} at ${isoUtc(t)} would change (${c.name} ${was} → ${now})`;
    }
    j++;
  }
  return undefined;
}

/** Events (many may share a time): every stored event, by all its non-derived values, must be in `next`. */
function eventLoss(d: DatasetDescriptor, stored: SeriesFrame, next: SeriesFrame): string | undefined {
  const keys = d.columns.filter((c) => !c.derived).map((c) => c.key);
  const keyOf = (f: SeriesFrame, i: number) => keys.map((k) => String(f[k]![i])).join('|');
  const kept = new Set<string>();
  for (let i = 0; i < next.time.length; i++) kept.add(keyOf(next, i));
  let lost = 0;
  let first = -1;
  for (let i = 0; i < stored.time.length; i++) {
    if (kept.has(keyOf(stored, i))) continue;
    if (first < 0) first = i;
    lost++;
  }
  return lost === 0 ? undefined : `${lost} stored ${d.rowName}(s) would be dropped or changed, the first at ${isoUtc(stored.time[first]!)}`;
}
