import { spansFromJson } from '../core/interval.js';

/** A health finding about one store: data, rendered separately as text or JSON. */
export type Severity = 'fail' | 'warn';

export interface GapItem { readonly start: string; readonly end: string; readonly missing: number }
export interface TimeItem { readonly time: string }

export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly count: number;
  readonly message: string;
  readonly items?: ReadonlyArray<GapItem | TimeItem | { readonly column: string }>;
}

export type FindingCode =
  | 'EMPTY' | 'MISSING_COLUMNS' | 'NAN_VALUES' | 'NONPOSITIVE_PRICE' | 'HIGH_BELOW_LOW' | 'GAPS'
  | 'DUPLICATE_TIMES' | 'UNSORTED_TIMES' | 'OFF_GRID' | 'OPEN_CANDLE' | 'ATR_MISMATCH' | 'UNREADABLE'
  | 'STALE' | 'EXTRA_COLUMNS' | 'INCONSISTENT' | 'UNRECOVERABLE'
  // liquidation day files
  | 'COVERAGE' | 'DUPLICATE_EVENTS' | 'OUTSIDE_DAY';

export type Status = 'ok' | 'warn' | 'fail';

/** The worst severity among findings. */
export function statusOf(findings: readonly Finding[]): Status {
  if (findings.some((f) => f.severity === 'fail')) return 'fail';
  return findings.length > 0 ? 'warn' : 'ok';
}

/**
 * Gaps split by the store's unrecoverable spans (footer `qml.unrecoverable`): the plain ones, and those wholly
 * inside a span no source serves any more, reported as UNRECOVERABLE (kept as holes, not asked for again). Pure.
 */
export function splitUnrecoverable<G extends GapItem>(gaps: readonly G[], unrecoverable: string | undefined): { plain: G[]; lost: Finding[] } {
  const spans = spansFromJson(unrecoverable);
  const known = gaps.filter((g) => spans.some((l) => Date.parse(g.start) >= l.from && Date.parse(g.end) < l.to));
  const plain = gaps.filter((g) => !known.includes(g));
  return {
    plain,
    lost: known.length === 0 ? [] : [{ code: 'UNRECOVERABLE', severity: 'warn', count: known.length,
      message: `${known.length} span(s) no source serves any more and no run fetched in time (kept as holes, not asked for again)`, items: known.slice(0, 10) }],
  };
}
