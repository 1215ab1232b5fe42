import { isoUtc } from '../core/time-format.js';
import { splitUnrecoverable, type Finding } from './findings.js';
import { settlementSlot } from '../datasets/funding.js';

const EXAMPLES = 10;

/**
 * Health of a funding series. An interval change (8 h → 4 h) is not a gap: the new interval goes on.
 * A missing settlement is: a step that is a whole multiple (×2 or more) of the interval in force both
 * before and after it. Pure: times (epoch ms, ascending) and rates in.
 */
export function checkFunding(time: Float64Array, rate: Float64Array, unrecoverable?: string): Finding[] {
  if (time.length === 0) return [{ code: 'EMPTY', severity: 'fail', count: 0, message: 'store has no rows' }];
  const findings: Finding[] = [];
  const nan = [];
  for (let i = 0; i < rate.length; i++) if (!Number.isFinite(rate[i]!)) nan.push(i);
  if (nan.length > 0) findings.push({ code: 'NAN_VALUES', severity: 'fail', count: nan.length, message: `${nan.length} settlement(s) without a rate`, items: nan.slice(0, EXAMPLES).map((i) => ({ time: isoUtc(time[i]) ?? '' })) });
  // a gap inside a span the store records as unrecoverable (no source serves it) is named as such
  const { plain: missing, lost } = splitUnrecoverable(missingSettlements(time), unrecoverable);
  if (missing.length > 0) {
    const count = missing.reduce((a, m) => a + m.missing, 0);
    findings.push({ code: 'GAPS', severity: 'warn', count: missing.length, message: `${missing.length} gap(s), ${count} missing settlement(s)`, items: missing.slice(0, EXAMPLES) });
  }
  return [...findings, ...lost];
}

/** Steps that skip settlements: a multiple of the interval before them that the series keeps after them. */
export function missingSettlements(served: Float64Array): { start: string; end: string; missing: number }[] {
  const out: { start: string; end: string; missing: number }[] = [];
  // judged on the schedule's slots: served times are a few ms late, never exactly a multiple of the interval
  const time = served.map(settlementSlot);
  for (let i = 1; i < time.length; i++) {
    const step = time[i]! - time[i - 1]!;
    const before = i >= 2 ? time[i - 1]! - time[i - 2]! : undefined;
    const after = i + 1 < time.length ? time[i + 1]! - time[i]! : undefined;
    const interval = before ?? after;
    if (interval === undefined || step <= interval || step % interval !== 0) continue;
    if (after !== undefined && before !== undefined && after !== before) continue; // around a change: not judged
    const k = step / interval;
    out.push({ start: isoUtc(time[i - 1]! + interval)!, end: isoUtc(time[i]! - interval)!, missing: k - 1 });
  }
  return out;
}
