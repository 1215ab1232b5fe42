import { ConfigError, JobFailedError, ExchangeError, StoreError, UsageError } from '../core/errors.js';
import { causeOf, type StoreOutcome } from '../pipeline/outcome.js';

/** Text summary of a build/update: one line per store and a total. */
export function renderOutcomes(outcomes: readonly StoreOutcome[]): string {
  const lines = outcomes.map((o) => {
    const what = o.dataset && o.dataset !== 'ohlcv' ? `${o.dataset}${o.dataset === 'funding' ? '' : ` ${o.timeframe ?? ''}`}` : o.timeframe ?? '';
    const head = `${o.status.padEnd(14)} ${o.symbol} ${what}`.trimEnd();
    if (o.status === 'failed') return `${head}  ${o.error?.message ?? ''}`;
    const range = o.first ? `${o.first} → ${o.last}` : 'no rows';
    return `${head}  ${o.rows.toLocaleString('en-US')} rows  ${range}  fetched ${o.fetched.toLocaleString('en-US')}${addedText(o)}${fixesText(o)}  gaps ${o.gaps}  ${o.path}${o.note ? `\n${' '.repeat(15)}${o.note}` : ''}`;
  });
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  lines.push(`${outcomes.length} store(s), ${failed} failed`);
  return lines.join('\n');
}

function addedText(o: StoreOutcome): string {
  if (o.prepended === undefined || o.appended === undefined) return '';
  return `  prepended ${o.prepended.toLocaleString('en-US')}, appended ${o.appended.toLocaleString('en-US')}`;
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

/**
 * The error a run ends with when stores failed. A bug inside a store's job is rethrown as it is (exit 70,
 * with its stack). When every store failed for the same kind of reason, the run exits with that kind's
 * code; a mix, or some stores written, exits 1.
 */
export function failureOf(outcomes: readonly StoreOutcome[]): Error | undefined {
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length === 0) return undefined;
  const causes = failed.map((o) => causeOf(o) ?? new JobFailedError(o.error?.message ?? 'failed'));
  const bug = causes.find((e) => kindOf(e) === undefined);
  if (bug) return bug;
  const msg = `${failed.length} of ${outcomes.length} store(s) failed: ${failed[0]!.error?.message ?? ''}`;
  const kinds = new Set(causes.map(kindOf));
  const Kind = kinds.size === 1 && failed.length === outcomes.length ? [...kinds][0]! : JobFailedError;
  return new Kind(msg);
}

const KINDS = [UsageError, ConfigError, ExchangeError, StoreError, JobFailedError] as const;

function kindOf(e: Error): (typeof KINDS)[number] | undefined {
  return KINDS.find((K) => e instanceof K);
}
