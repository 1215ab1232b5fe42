import { JobFailedError, ExchangeError, StoreError, UsageError } from '../core/errors.js';
import type { StoreOutcome } from '../pipeline/outcome.js';

/** Text summary of a build/update: one line per store and a total. */
export function renderOutcomes(outcomes: readonly StoreOutcome[]): string {
  const lines = outcomes.map((o) => {
    const head = `${o.status.padEnd(10)} ${o.symbol} ${o.timeframe}`;
    if (o.status === 'failed') return `${head}  ${o.error?.message ?? ''}`;
    const range = o.first ? `${o.first} → ${o.last}` : 'no candles';
    return `${head}  ${o.rows.toLocaleString('en-US')} rows  ${range}  fetched ${o.fetched.toLocaleString('en-US')}${fixesText(o)}  gaps ${o.gaps}  ${o.path}`;
  });
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  lines.push(`${outcomes.length} store(s), ${failed} failed`);
  return lines.join('\n');
}

function fixesText(o: StoreOutcome): string {
  const c = o.clean;
  if (!c) return '';
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const fixes = [
    c.duplicates && `${c.duplicates} duplicate(s)`, c.reordered && 'reordered', c.badTime && `${c.badTime} bad time(s)`,
    sum(c.badValues) && `${sum(c.badValues)} bad value(s)`, sum(c.filled) && `${sum(c.filled)} filled`,
    c.dropped && `${c.dropped} dropped`, c.swapped && `${c.swapped} high/low swapped`,
  ].filter(Boolean);
  return fixes.length > 0 ? `  fixes: ${fixes.join(', ')}` : '';
}

/** The error a run ends with when stores failed: the common kind if all failed alike, else JobFailedError. */
export function failureOf(outcomes: readonly StoreOutcome[]): Error | undefined {
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length === 0) return undefined;
  const kinds = new Set(failed.map((o) => o.error?.kind));
  const msg = `${failed.length} of ${outcomes.length} store(s) failed: ${failed[0]!.error?.message ?? ''}`;
  if (failed.length === outcomes.length && kinds.size === 1) {
    const kind = [...kinds][0];
    if (kind === 'ExchangeError' || kind === 'TemporaryExchangeError') return new ExchangeError(msg);
    if (kind === 'StoreError') return new StoreError(msg);
    if (kind === 'UsageError') return new UsageError(msg);
  }
  return new JobFailedError(msg);
}
