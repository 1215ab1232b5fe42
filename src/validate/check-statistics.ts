import type { Finding } from './findings.js';

/** Long + short shares may differ from 1, and a ratio from long / short, by a venue's 4-decimal rounding. */
const TOLERANCE = 2e-3;

/**
 * Health of a futures statistic's columns: no value is negative or missing (a column in `optional`, one a
 * venue may not send, may be missing); where the columns are a long/short split, long + short ≈ 1 and the
 * ratio ≈ long / short. Pure.
 */
export function checkStatistic(c: Partial<Record<string, Float64Array>>, optional: readonly string[] = []): Finding[] {
  const n = c.time?.length ?? 0;
  const values = Object.entries(c).filter(([k]) => k !== 'time');
  const bad: number[] = [];
  for (let i = 0; i < n; i++) if (values.some(([k, col]) => !(col![i]! >= 0) && !(optional.includes(k) && Number.isNaN(col![i]!)))) bad.push(i);
  const out: Finding[] = [];
  if (bad.length > 0) out.push({ code: 'NAN_VALUES', severity: 'fail', count: bad.length, message: `${bad.length} row(s) with a negative or missing value` });
  const { long, short, ratio } = c;
  if (long && short && ratio) {
    const off: number[] = [];
    for (let i = 0; i < n; i++) {
      const sum = Math.abs(long[i]! + short[i]! - 1);
      const r = short[i]! > 0 ? Math.abs(ratio[i]! / (long[i]! / short[i]!) - 1) : 0;
      if (sum > TOLERANCE || r > TOLERANCE) off.push(i);
    }
    if (off.length > 0) out.push({ code: 'INCONSISTENT', severity: 'warn', count: off.length, message: `${off.length} row(s) where long + short is not 1 or the ratio is not long / short` });
  }
  return out;
}
