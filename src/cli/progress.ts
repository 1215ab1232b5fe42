import type { FamilyUsage } from '../exchange/weight-scheduler.js';
import type { StoreOutcome } from '../pipeline/outcome.js';
import type { FetchProgress } from '../pipeline/pager.js';
import type { RunProgress } from '../pipeline/run-settings.js';
import type { StatusLine } from './status-line.js';

const FRAME_MS = 200;

/** What the run display knows; rendered by `renderRunStatus`. */
export interface RunState {
  readonly startedAt: number;
  total: number;
  done: number;
  failed: number;
  /** Candles fetched so far, over every store. */
  candles: number;
  /** Stores being fetched: the share of their span reached. */
  readonly active: Map<string, { share: number; rows: number }>;
}

/**
 * One status line for the whole run: stores done of the total, candles, the weight used of each
 * budget, and the time left. Pure: the state and the clock in, the line out.
 */
export function renderRunStatus(s: RunState, usage: readonly FamilyUsage[], now: number): string {
  const parts = [`stores ${s.done}/${s.total || '?'}`];
  if (s.failed > 0) parts.push(`${s.failed} failed`);
  const candles = s.candles + [...s.active.values()].reduce((a, x) => a + x.rows, 0);
  parts.push(`${candles.toLocaleString('en-US')} candles`);
  for (const u of usage.filter((x) => x.requests > 0)) {
    parts.push(`${u.family} weight ${Math.max(u.reported, 0).toLocaleString('en-US')}/${u.limit.toLocaleString('en-US')} per ${u.windowMs % 60_000 === 0 ? `${u.windowMs / 60_000}m` : `${Math.round(u.windowMs / 1000)}s`}`);
  }
  const share = s.total > 0 ? (s.done + [...s.active.values()].reduce((a, x) => a + x.share, 0)) / s.total : 0;
  const elapsed = now - s.startedAt;
  parts.push(share > 0.01 && elapsed > 2000 ? `ETA ${span(elapsed * (1 - share) / share)}` : 'ETA …');
  return parts.join(' · ');
}

function span(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/**
 * The run's progress display on a terminal (`line`); none without one, so pipes and log files stay clean.
 * `usage` reads the weight spent from the run's scheduler.
 */
export function runDisplay(line: StatusLine | undefined, usage: () => readonly FamilyUsage[]): (RunProgress & { finish(): void }) | undefined {
  if (!line) return undefined;
  const state: RunState = { startedAt: Date.now(), total: 0, done: 0, failed: 0, candles: 0, active: new Map() };
  let drawn = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - drawn < FRAME_MS) return;
    drawn = now;
    line.show(renderRunStatus(state, usage(), now));
  };
  return {
    stores: (n) => { state.total += n; draw(true); },
    page: (p: FetchProgress) => {
      state.active.set(`${p.dataset} ${p.symbol} ${p.timeframe}`, { share: Math.min(1, (p.reached - p.since) / Math.max(1, p.until - p.since)), rows: p.rows });
      draw();
    },
    storeDone: (o: StoreOutcome) => {
      const key = [...state.active.keys()].find((k) => k.endsWith(` ${o.symbol} ${o.timeframe ?? ''}`));
      if (key) state.active.delete(key);
      state.done++;
      state.candles += o.fetched;
      if (o.status === 'failed') state.failed++;
      draw(true);
    },
    finish: () => line.clear(),
  };
}
