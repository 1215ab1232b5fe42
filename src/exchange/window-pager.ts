import type { SeriesFrame } from '../core/dataset.js';
import type { Pager } from '../core/pager.js';
import { isoUtc } from '../core/time-format.js';
import { addCandles, type Timeframe } from '../core/timeframe.js';

/**
 * A window pager for an API that answers newest first within a range: each request asks for exactly one
 * page of rows (so the answer never holds more than a page, whichever end the venue anchors a full range to),
 * from listing on; a window with nothing in it (a halt, before data starts) is stepped over once it is
 * empty twice, and the window that reaches the span's end is its last page.
 */
export function windowPager(o: {
  readonly what: string; readonly until: number; readonly floor: number;
  /** Where the window starting at `from` ends (exclusive). */
  windowEnd(from: number): number;
  /** The cursor after a page. */
  next(page: SeriesFrame): number;
  /** The rows in [from, to], ascending. */
  rows(from: number, to: number): Promise<SeriesFrame>;
  readonly suspicious?: (f: SeriesFrame) => boolean;
}): Pager<SeriesFrame> {
  let lastTo = -Infinity;
  return {
    describe: (cursor) => `${o.what} ${isoUtc(Math.max(cursor, o.floor))} → ${isoUtc(o.until)}`,
    fetch: async (cursor) => {
      for (let from = Math.max(cursor, o.floor); ;) {
        const to = Math.min(o.until, o.windowEnd(from));
        lastTo = to;
        let f = await o.rows(from, to - 1);
        if (f.time.length === 0 && to < o.until) f = await o.rows(from, to - 1);
        if (f.time.length > 0 || to >= o.until) return f;
        from = to;
      }
    },
    next: o.next,
    // an empty answer for the span's last window is believed once asked twice (the paging loop asks again)
    confirmEnd: async () => true,
    isLastPage: (p) => p.time.length > 0 && lastTo >= o.until,
    ...(o.suspicious ? { suspicious: o.suspicious } : {}),
  };
}

/** A window of `page` periods of `tf`. */
export function periods(tf: Timeframe, page: number): (from: number) => number {
  return (from) => (tf.calendarMonth ? addCandles(tf, from, page) : from + page * tf.ms);
}
