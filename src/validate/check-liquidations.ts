import type { SeriesFrame } from '../core/dataset.js';
import { coverage, type Interval } from '../core/interval.js';
import type { Finding, GapItem } from './findings.js';

const DAY = 86_400_000;

/**
 * Checks of one UTC day of liquidations (pure): every event inside the day, none twice (by `eventKey`), in time order;
 * and how much of the day (up to `now`, for today) the recorder was connected. A gap in coverage is a
 * warning, not a failure: the events are right, some were never seen.
 */
export function checkLiquidationDay(f: SeriesFrame, eventKey: (f: SeriesFrame, i: number) => string, cover: readonly Interval[], day: number, now: number): Finding[] {
  const out: Finding[] = [];
  const time = f.time;
  const outside = Array.from(time).filter((t) => t < day || t >= day + DAY);
  if (outside.length > 0) {
    out.push({ code: 'OUTSIDE_DAY', severity: 'fail', count: outside.length, message: `${outside.length} event(s) outside ${new Date(day).toISOString().slice(0, 10)}`, items: outside.slice(0, 5).map((t) => ({ time: new Date(t).toISOString() })) });
  }
  let unsorted = 0;
  for (let i = 1; i < time.length; i++) if (time[i]! < time[i - 1]!) unsorted++;
  if (unsorted > 0) out.push({ code: 'UNSORTED_TIMES', severity: 'fail', count: unsorted, message: `${unsorted} event(s) before the one above them` });
  const keys = Array.from(time, (_, i) => eventKey(f, i));
  const twice = keys.length - new Set(keys).size;
  if (twice > 0) out.push({ code: 'DUPLICATE_EVENTS', severity: 'fail', count: twice, message: `${twice} event(s) stored twice` });
  const end = Math.min(day + DAY, Math.max(day, now));
  const c = coverage(cover, day, end);
  if (c.gaps.length > 0) {
    const items: GapItem[] = c.gaps.map((g) => ({ start: new Date(g.from).toISOString(), end: new Date(g.to).toISOString(), missing: Math.round((g.to - g.from) / 1000) }));
    out.push({ code: 'COVERAGE', severity: 'warn', count: c.gaps.length, message: `connected ${hm(c.covered)} of ${hm(end - day)}; ${c.gaps.length} gap(s) when no event could be seen (missing = seconds)`, items });
  }
  return out;
}

function hm(ms: number): string {
  const m = Math.round(ms / 60_000);
  return `${Math.floor(m / 60)} h ${m % 60} m`;
}
