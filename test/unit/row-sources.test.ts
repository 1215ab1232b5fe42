import { describe, expect, it } from 'vitest';
import { addSource, laySources, rowSourcesFromJson, rowSourcesToJson } from '../../src/core/row-sources.js';
import { FUNDING_RECORD } from '../../src/datasets/funding.js';
import { parseFundingArchiveCsv } from '../../src/exchange/binance/archives.js';

const H = 3_600_000;

describe('row sources: which rows of a store came from which source', () => {
  it('a later fetch of a span replaces what an earlier source said of it; touching spans of one source join', () => {
    let s = addSource({}, 'archive', { from: 0, to: 10 * H });
    s = addSource(s, 'archive', { from: 10 * H, to: 20 * H });
    s = addSource(s, 'rest', { from: 20 * H, to: 30 * H });
    expect(s['archive']).toEqual([{ from: 0, to: 20 * H }]);
    // REST refetches 15 h → 25 h: the archive keeps 0 → 15 h
    const laid = laySources(s, { rest: [{ from: 15 * H, to: 25 * H }] });
    expect(laid['archive']).toEqual([{ from: 0, to: 15 * H }]);
    expect(laid['rest']).toEqual([{ from: 15 * H, to: 30 * H }]);
  });

  it('round-trips through the footer text; an unreadable footer reads as none', () => {
    const s = { rest: [{ from: 5, to: 9 }], archive: [{ from: 1, to: 5 }] };
    const text = rowSourcesToJson(s)!;
    expect(text).toBe('{"archive":[[1,5]],"rest":[[5,9]]}');
    expect(rowSourcesFromJson(text)).toEqual(s);
    expect(rowSourcesFromJson('{broken')).toEqual({});
    expect(rowSourcesFromJson('[1,2]')).toEqual({});
    expect(rowSourcesToJson({ rest: [] })).toBeUndefined();
  });
});

describe('funding settlements from two sources', () => {
  it('a settlement the store holds as served (REST, ms late) is not added again at its scheduled hour (archive)', () => {
    const stored = { time: Float64Array.of(8 * H + 7, 16 * H + 1), rate: Float64Array.of(1e-4, 2e-4), markPrice: Float64Array.of(100, 101), intervalHours: Float64Array.of(NaN, 8) };
    const fresh = { time: Float64Array.of(0, 8 * H, 16 * H), rate: Float64Array.of(3e-4, 9, 9), markPrice: new Float64Array(3).fill(NaN), intervalHours: new Float64Array(3).fill(NaN) };
    const { frame } = FUNDING_RECORD.derive(stored, fresh, {});
    expect(Array.from(frame.time)).toEqual([0, 8 * H + 7, 16 * H + 1]);
    expect(Array.from(frame['rate']!)).toEqual([3e-4, 1e-4, 2e-4]);
    expect(Array.from(frame['intervalHours']!)).toEqual([NaN, 8, 8]);
  });

  it('reads the fundingRate archive: header, ms or µs times, the interval and the rate as printed; a row without a rate is refused', () => {
    const f = parseFundingArchiveCsv('calc_time,funding_interval_hours,last_funding_rate\n1704067200000,8,0.00010000\n1704096000000000,8,-0.00002817\n', 'x.csv');
    expect(Array.from(f.time)).toEqual([Date.parse('2024-01-01T00:00:00Z'), Date.parse('2024-01-01T08:00:00Z')]);
    expect(Array.from(f.rate)).toEqual([0.0001, -0.00002817]);
    expect(Array.from(f.intervalHours)).toEqual([8, 8]);
    expect(() => parseFundingArchiveCsv('calc_time,funding_interval_hours,last_funding_rate\n1704067200000,8,\n', 'x.csv')).toThrow(/no rate/);
    expect(() => parseFundingArchiveCsv('time,rate\n1,2\n', 'x.csv')).toThrow(/no column calc_time/);
  });
});
