import type { ExchangeClock } from './recorder.js';

/**
 * The exchange's clock from its `/time` answers: the latest answer plus the local time since, at the rate
 * the answers advance against the local clock (1 on a real exchange; a simulator may run faster).
 * Synced twice before recording starts, then every second for ten seconds and every 30 s after that,
 * so coverage is stamped in the events' own time base (weight 1 a request).
 */
export class SyncedClock implements ExchangeClock {
  private readonly points: { local: number; server: number }[] = [];

  constructor(private readonly fetchTime: () => Promise<number>, private readonly local: () => number = Date.now) {}

  async sync(): Promise<void> {
    const before = this.local();
    const server = await this.fetchTime();
    const after = this.local();
    this.points.push({ local: (before + after) / 2, server });
    if (this.points.length > 12) this.points.shift();
  }

  now(): number {
    const last = this.points[this.points.length - 1];
    if (!last) return this.local();
    const first = this.points[0]!;
    const span = last.local - first.local;
    const rate = span >= 250 ? (last.server - first.server) / span : 1;
    return Math.round(last.server + (this.local() - last.local) * rate);
  }
}
