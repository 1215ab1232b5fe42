import { describe, expect, it } from 'vitest';
import type { SeriesFrame } from '../../src/core/dataset.js';
import { BINANCE_LIQUIDATIONS } from '../../src/exchange/binance/liquidation-feed.js';
import { EventColumns } from '../../src/liquidations/events.js';
import { eventKey } from '../../src/datasets/liquidations.js';
import { checkLiquidationDay } from '../../src/validate/check-liquidations.js';

const DAY = Date.parse('2026-11-20T00:00:00Z');
const H = 3_600_000;

/** A forceOrder event as Binance sends it (the example of Binance's documentation, moved to our day). */
function ev(T: number, s = 'BTCUSDT', q = '0.014'): object {
  return { e: 'forceOrder', E: T + 3, o: { s, S: 'SELL', o: 'LIMIT', f: 'IOC', q, p: '9910', ap: '9910', X: 'FILLED', l: q, z: q, T } };
}

/** The events read as the recorder reads them: through Binance's feed. */
function toFrame(frames: readonly object[]): SeriesFrame {
  const cols = new EventColumns();
  for (const f of frames) expect(BINANCE_LIQUIDATIONS.parse(JSON.stringify(f), { contractSize: () => 1 }, (e) => cols.add(e))).toBe('events');
  return cols.frame();
}

describe('checks of a liquidations day', () => {
  it('a clean, fully covered day has no finding', () => {
    expect(checkLiquidationDay(toFrame([ev(DAY + H), ev(DAY + 2 * H, 'ETHUSDT')]), eventKey, [{ from: DAY, to: DAY + 24 * H }], DAY, DAY + 30 * H)).toEqual([]);
  });

  it('an event twice, one from another day, and two hours without a connection', () => {
    const f = toFrame([ev(DAY - 5), ev(DAY + H), ev(DAY + H), ev(DAY + 5 * H, 'ETHUSDT', '2')]);
    const findings = checkLiquidationDay(f, eventKey, [{ from: DAY, to: DAY + 10 * H }, { from: DAY + 11 * H, to: DAY + 23 * H }], DAY, DAY + 30 * H);
    expect(findings.map((x) => [x.code, x.severity, x.count])).toEqual([['OUTSIDE_DAY', 'fail', 1], ['DUPLICATE_EVENTS', 'fail', 1], ['COVERAGE', 'warn', 2]]);
    expect(findings[2]!.message).toBe('connected 22 h 0 m of 24 h 0 m; 2 gap(s) when no event could be seen (missing = seconds)');
    expect(findings[2]!.items).toEqual([
      { start: '2026-11-20T10:00:00.000Z', end: '2026-11-20T11:00:00.000Z', missing: 3600 },
      { start: '2026-11-20T23:00:00.000Z', end: '2026-11-21T00:00:00.000Z', missing: 3600 },
    ]);
  });

  it('today is judged up to now', () => {
    const findings = checkLiquidationDay(toFrame([ev(DAY + H)]), eventKey, [{ from: DAY, to: DAY + 6 * H }], DAY, DAY + 6 * H);
    expect(findings).toEqual([]);
  });
});
