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
