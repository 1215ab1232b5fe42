import { unite, type Interval } from '../core/interval.js';
import { nextOpen, type Timeframe } from '../core/timeframe.js';

export type { Interval };

export interface PlanInput {
  readonly tf: Timeframe;
  /** The store's first and last open time, when it has rows. */
  readonly stored?: { readonly first: number; readonly last: number };
  /** Earliest open time wanted; undefined adds nothing before the store (update). Aligned. */
  readonly since?: number;
  /** Exclusive end: the open of the candle still in progress, or the user's --until. Aligned. */
  readonly until: number;
  /** Spans an interrupted run already fetched (from its checkpoint). */
  readonly covered?: readonly Interval[];
  /**
   * Rows arrive as events (funding settlements served a few ms after their hour), not on `tf`'s grid: what
   * follows the stored last row starts the millisecond after it, never a whole step later.
   */
  readonly events?: boolean;
}

/**
 * What to fetch, oldest first. A store is only ever extended, never shortened: the wanted spans are
 * before its first candle and after its last one (freqtrade's download-data does the same), and
 * whatever an interrupted run already fetched is left out. Pure.
 */
export function planFetch(p: PlanInput): Interval[] {
  const wanted: Interval[] = [];
  if (p.stored) {
    if (p.since !== undefined && p.since < p.stored.first) wanted.push({ from: p.since, to: p.stored.first });
    wanted.push({ from: p.events ? p.stored.last + 1 : nextOpen(p.tf, p.stored.last), to: p.until });
  } else if (p.since !== undefined) {
    wanted.push({ from: p.since, to: p.until });
  }
  return (p.covered ?? []).reduce(subtractAll, wanted.filter((w) => w.from < w.to));
}

function subtractAll(spans: Interval[], cut: Interval): Interval[] {
  return spans.flatMap((s) => [
    { from: s.from, to: Math.min(s.to, cut.from) },
    { from: Math.max(s.from, cut.to), to: s.to },
  ].filter((x) => x.from < x.to));
}

/** Merge overlapping or touching intervals, sorted. */
export function mergeIntervals(list: readonly Interval[]): Interval[] {
  return unite(list);
}
