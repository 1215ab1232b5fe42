import { describe, expect, it } from 'vitest';
import { parseTimeframe } from '../../src/core/timeframe.js';
import { mergeIntervals, planFetch } from '../../src/pipeline/fetch-plan.js';

const H = 3_600_000;
const tf = parseTimeframe('1h');
const at = (h: number) => Date.parse('2024-01-01T00:00Z') + h * H;
const span = (a: number, b: number) => ({ from: at(a), to: at(b) });

describe('planFetch: a store is only extended, and nothing is fetched twice', () => {
  it('a new store: the whole range', () => {
    expect(planFetch({ tf, since: at(0), until: at(10) })).toEqual([span(0, 10)]);
  });

  it('an existing store: before its first candle and after its last, never inside', () => {
    expect(planFetch({ tf, stored: { first: at(5), last: at(7) }, since: at(0), until: at(10) })).toEqual([span(0, 5), span(8, 10)]);
  });

  it('a range inside the store asks for nothing (it would only shorten the store)', () => {
    expect(planFetch({ tf, stored: { first: at(0), last: at(9) }, since: at(3), until: at(10) })).toEqual([]);
  });

  it('update (no since): only after the last candle; nothing when the last closed one is stored', () => {
    expect(planFetch({ tf, stored: { first: at(0), last: at(7) }, until: at(10) })).toEqual([span(8, 10)]);
    expect(planFetch({ tf, stored: { first: at(0), last: at(9) }, until: at(10) })).toEqual([]);
  });

  it('events (funding served at 08:00:00.007): what follows starts the next millisecond, so a 1 h settlement at 09:00:00.002 is asked for', () => {
    expect(planFetch({ tf, stored: { first: at(0), last: at(8) + 7 }, until: at(10), events: true })).toEqual([{ from: at(8) + 8, to: at(10) }]);
  });

  it('leaves out what a checkpoint covers, even when the range moved on (a --days build resumed later)', () => {
    expect(planFetch({ tf, since: at(1), until: at(12), covered: [span(0, 6)] })).toEqual([span(6, 12)]);
    expect(planFetch({ tf, stored: { first: at(50), last: at(60) }, since: at(0), until: at(70), covered: [span(0, 20), span(61, 65)] }))
      .toEqual([span(20, 50), span(65, 70)]);
  });

  it('merges touching and overlapping spans', () => {
    expect(mergeIntervals([span(5, 6), span(0, 2), span(2, 3), span(1, 2.5)])).toEqual([span(0, 3), span(5, 6)]);
  });
});
