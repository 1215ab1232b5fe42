import type { StoreOutcome } from './outcome.js';

/** One collect cycle in numbers: what the summary line, `--json`, the status file and `--on-complete` get. */
export interface CycleSummary {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly universe: { readonly date: string; readonly createdAt: string; readonly source: string; readonly refreshed: boolean; readonly members: number };
  /** Stores already holding the last closed candle, extended, built from nothing, failed. */
  readonly stores: { readonly fresh: number; readonly updated: number; readonly built: number; readonly failed: number };
  readonly rowsAdded: number;
  /** Weight spent per API family. */
  readonly weight: Readonly<Record<string, number>>;
  readonly failures: readonly { readonly symbol: string; readonly timeframe: string | null; readonly error: string }[];
  /** A cycle that could not run at all (the exchange unreachable): its error. */
  readonly error?: string;
}

/** Count a cycle's store outcomes. Pure. */
export function summarizeStores(outcomes: readonly StoreOutcome[]): Pick<CycleSummary, 'stores' | 'rowsAdded' | 'failures'> {
  const stores = { fresh: 0, updated: 0, built: 0, failed: 0 };
  let rowsAdded = 0;
  for (const o of outcomes) {
    if (o.status === 'failed') stores.failed++;
    else if (o.status === 'written' && o.rows === (o.appended ?? 0) + (o.prepended ?? 0)) stores.built++;
    else if (o.status === 'written') stores.updated++;
    else stores.fresh++;
    rowsAdded += (o.appended ?? 0) + (o.prepended ?? 0);
  }
  const failures = outcomes.filter((o) => o.status === 'failed').map((o) => ({ symbol: o.symbol, timeframe: o.timeframe, error: o.error?.message ?? 'failed' }));
  return { stores, rowsAdded, failures };
}

/**
 * When the next cycle starts: `every` after this one started (at once when the cycle took longer); with
 * `at` (`HH:MM` UTC), the next such time of day after now that is about `every` after this start. Pure.
 */
export function nextCycleAt(startedAt: number, now: number, everyMs: number, at?: { hour: number; minute: number }): number {
  if (!at) return Math.max(now, startedAt + everyMs);
  const day = 86_400_000;
  const todayAt = Math.floor(now / day) * day + (at.hour * 60 + at.minute) * 60_000;
  let next = todayAt > now ? todayAt : todayAt + day;
  while (next < startedAt + everyMs - day / 2) next += day; // every 2 days at 00:15: skip the day in between
  return next;
}
