import { describe, expect, it } from 'vitest';
import { renderRunStatus, runDisplay, type RunState } from '../../src/cli/progress.js';
import { StatusLine } from '../../src/cli/status-line.js';
import type { FamilyUsage } from '../../src/exchange/weight-scheduler.js';

const usage: FamilyUsage[] = [
  { family: 'usdm', limit: 2400, windowMs: 60_000, requests: 900, weight: 1800, windowWaits: 0, reported: 1820 },
  { family: 'spot', limit: 6000, windowMs: 60_000, requests: 0, weight: 0, windowWaits: 0, reported: 0 },
];

describe('the run display', () => {
  it('shows stores done of the total, failures, candles, the weight used of each budget in use, and the time left', () => {
    const s: RunState = { startedAt: 0, total: 100, done: 40, failed: 1, candles: 1_000_000, active: new Map([['ohlcv A 5m', { share: 0.5, rows: 12_000 }], ['ohlcv B 5m', { share: 0.5, rows: 13_000 }]]) };
    // 41 of 100 stores' worth done in 82 s: 118 s to go
    expect(renderRunStatus(s, usage, 82_000)).toBe('stores 40/100 · 1 failed · 1,025,000 candles · usdm weight 1,820/2,400 per 1m · ETA 1m 58s');
  });

  it('keeps log lines above the status: a log clears the line, writes, and draws the status again', () => {
    const out: string[] = [];
    const line = new StatusLine({ write: (s: string) => out.push(s) });
    line.log('before\n');
    line.show('stores 1/2');
    line.log('a warning\n');
    line.clear();
    expect(out).toEqual(['before\n', '\r\x1b[2Kstores 1/2', '\r\x1b[2K', 'a warning\n', 'stores 1/2', '\r\x1b[2K']);
  });

  it('is absent without a terminal, so pipes and log files get no control characters', () => {
    expect(runDisplay(undefined, () => usage)).toBeUndefined();
  });
});
