import { describe, expect, it } from 'vitest';
import { checkFunding, missingSettlements } from '../../src/validate/check-funding.js';

const H = 3_600_000;
const T0 = Date.parse('2024-01-01T00:00:00Z');

/** Settlements every `hours` from `start` for `n` steps. */
function every(start: number, hours: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => start + i * hours * H);
}

describe('funding validation', () => {
  it('an interval change (8 h → 4 h → 1 h) is not a gap', () => {
    const a = every(T0, 8, 30);
    const b = every(a[a.length - 1]! + 4 * H, 4, 30);
    const c = every(b[b.length - 1]! + H, 1, 30);
    const time = Float64Array.from([...a, ...b, ...c]);
    expect(checkFunding(time, new Float64Array(time.length).fill(0.0001))).toEqual([]);
  });

  it('a removed settlement is reported, with how many are missing', () => {
    const all = [...every(T0, 8, 20), ...every(T0 + 20 * 8 * H, 4, 20)];
    const removed = all.filter((_, i) => i !== 5 && i !== 30 && i !== 31);
    expect(missingSettlements(Float64Array.from(removed))).toEqual([
      { start: new Date(all[5]!).toISOString(), end: new Date(all[5]!).toISOString(), missing: 1 },
      { start: new Date(all[30]!).toISOString(), end: new Date(all[31]!).toISOString(), missing: 2 },
    ]);
    const findings = checkFunding(Float64Array.from(removed), new Float64Array(removed.length).fill(0.0001));
    expect(findings).toMatchObject([{ code: 'GAPS', severity: 'warn', count: 2, message: '2 gap(s), 3 missing settlement(s)' }]);
  });

  // Binance serves settlement times a few ms late (recorded: …00:00:00.006, …08:00:00.005, …16:00:00.003)
  it('on jittered times, as Binance serves them: no false gap, and a removed settlement is still found', () => {
    const jitter = [6, 0, 5, 3, 1, 7, 2];
    const all = [...every(T0, 8, 20), ...every(T0 + 20 * 8 * H, 4, 20)].map((t, i) => t + jitter[i % jitter.length]!);
    expect(checkFunding(Float64Array.from(all), new Float64Array(all.length).fill(0.0001))).toEqual([]);
    const removed = all.filter((_, i) => i !== 5 && i !== 33);
    expect(missingSettlements(Float64Array.from(removed))).toEqual([
      { start: new Date(T0 + 5 * 8 * H).toISOString(), end: new Date(T0 + 5 * 8 * H).toISOString(), missing: 1 },
      { start: new Date(T0 + 20 * 8 * H + 13 * 4 * H).toISOString(), end: new Date(T0 + 20 * 8 * H + 13 * 4 * H).toISOString(), missing: 1 },
    ]);
  });

  it('a settlement without a rate fails', () => {
    const time = Float64Array.from(every(T0, 8, 5));
    const rate = Float64Array.from([0.1, NaN, 0.1, 0.1, 0.1]);
    expect(checkFunding(time, rate)[0]).toMatchObject({ code: 'NAN_VALUES', severity: 'fail', count: 1 });
  });
});
