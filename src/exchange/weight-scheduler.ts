import { setTimeout as delay } from 'node:timers/promises';
import { InterruptedError } from '../core/errors.js';

/**
 * Request weight, spent at the exchange's real limit, by budgets ("families") as each venue's profile
 * describes them:
 * - a **fixed** window aligned to the exchange's clock (a minute from :00), where the exchange may report
 *   what the IP has spent so far in every response (a weight header): the server's count is the truth,
 *   so weight spent by other processes on the same IP is respected;
 * - a **rolling** window (so many requests in any 5 s), where nothing is reported: every request counts
 *   from when it is sent until a window after its answer arrived (the server counted it in between), so
 *   the budget is never exceeded whatever the latency.
 * Families may be made on demand (`limitOf`): a budget per endpoint and instrument.
 * The scheduler spends a budget as fast as the server answers, keeps a small margin, and waits only when
 * the budget is spent.
 */

/** Time, so that the scheduler's decisions can be tested on a fake clock. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }).then(() => undefined, () => { throw new InterruptedError('interrupted'); }),
};

/** One API family's weight budget: so much weight per window, fixed (aligned to the clock) or rolling. */
export interface WindowLimit {
  readonly limit: number;
  readonly windowMs: number;
  /** Any `windowMs` span counts (no reset at a boundary). Default: fixed windows. */
  readonly rolling?: boolean;
}

/** A request admitted by the scheduler: its weight is in flight until it is settled. */
export interface Ticket {
  readonly family: string;
  readonly weight: number;
  /** Start of the window it was sent in (fixed windows). */
  readonly window: number;
  /** Its place in a rolling window's log. */
  readonly entry?: RollingEntry;
}

/** A request in a rolling window: it counts until `until` (a window after its answer; unanswered: for ever). */
interface RollingEntry {
  readonly w: number;
  until: number;
}

export interface SchedulerOptions {
  /** Share of each window's limit left unspent, for requests in flight elsewhere (default 3 %). */
  readonly margin?: number;
  /** Told when the exchange publishes a limit or window other than the one in force (to keep it for later runs). */
  readonly onLearn?: (family: string, limit: WindowLimit) => void;
  /**
   * Wait this long past a window's boundary before spending again (default 50 ms): our clock and the
   * exchange's differ by a few ms, and a request sent just before its boundary would count in the old window.
   */
  readonly boundaryGuardMs?: number;
  /** The budget of a family not given at construction (a budget per endpoint and instrument), or undefined: not limited. */
  readonly limitOf?: (family: string) => WindowLimit | undefined;
}

interface FamilyState {
  limit: number;
  windowMs: number;
  rolling: boolean;
  /** A rolling window's requests that still count. */
  log: RollingEntry[];
  /** Start of the current window (server time). */
  windowStart: number;
  /** Weight this process sent in the current window. */
  sent: number;
  /** The most the server reported the IP had spent in the current window. */
  reported: number;
  /** No request before this time: the exchange answered 429/418 with a Retry-After. */
  pausedUntil: number;
  /** Weight sent in the current window and not yet answered (what was sent before it counted in its own window). */
  inFlight: number;
  /** Recent sends (time, weight), the last RATE_SPAN_MS: the rate this run achieves. */
  sends: { t: number; w: number }[];
  /** Last time a request waited for the next window or a Retry-After: the budget, not the run, was the limit. */
  lastWaitAt: number;
}

/** How far back the achieved rate is measured. */
const RATE_SPAN_MS = 2_000;

/** What a run spent, per family: for the progress display, logs and the bench. */
export interface FamilyUsage {
  readonly family: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly requests: number;
  readonly weight: number;
  /** Times a request waited for the next window. */
  readonly windowWaits: number;
  /** Weight the server reported for the current window (all processes on this IP). */
  readonly reported: number;
}

export class WeightScheduler {
  private readonly families = new Map<string, FamilyState>();
  private readonly usage = new Map<string, { requests: number; weight: number; windowWaits: number }>();

  constructor(
    limits: Readonly<Record<string, WindowLimit>>,
    private readonly clock: Clock = systemClock,
    private readonly opts: SchedulerOptions = {},
  ) {
    for (const [family, l] of Object.entries(limits)) this.learnLimit(family, l);
  }

  /** A family's limit as the exchange publishes it (`exchangeInfo.rateLimits`, the header's window). */
  learnLimit(family: string, l: Partial<WindowLimit>): void {
    const s = this.families.get(family);
    if (s) {
      const changed = (l.limit !== undefined && l.limit !== s.limit) || (l.windowMs !== undefined && l.windowMs !== s.windowMs);
      if (l.limit !== undefined) s.limit = l.limit;
      if (l.windowMs !== undefined && l.windowMs !== s.windowMs) Object.assign(s, { windowMs: l.windowMs, windowStart: -Infinity });
      if (changed) this.opts.onLearn?.(family, { limit: s.limit, windowMs: s.windowMs });
      return;
    }
    if (l.limit === undefined || l.windowMs === undefined) return;
    this.families.set(family, {
      limit: l.limit, windowMs: l.windowMs, rolling: l.rolling === true, log: [],
      windowStart: -Infinity, sent: 0, reported: 0, inFlight: 0, pausedUntil: 0, sends: [], lastWaitAt: -Infinity,
    });
  }

  private stateOf(family: string): FamilyState | undefined {
    let s = this.families.get(family);
    if (!s && this.opts.limitOf) {
      const l = this.opts.limitOf(family);
      if (l) {
        this.learnLimit(family, l);
        s = this.families.get(family);
      }
    }
    return s;
  }

  /**
   * Wait until `weight` fits in the family's current window (what this process sent, what the server
   * reported, and what is in flight, below the limit less the margin), then count it as in flight.
   */
  async acquire(family: string, weight: number, signal?: AbortSignal): Promise<Ticket> {
    const s = this.stateOf(family);
    if (!s) return { family, weight, window: 0 };
    for (let waited = false; ; waited = true) {
      const now = this.clock.now();
      if (now < s.pausedUntil) {
        s.lastWaitAt = now;
        await this.clock.sleep(s.pausedUntil - now, signal);
        continue;
      }
      if (s.rolling) {
        s.log = s.log.filter((e) => e.until > now);
        const spent = s.log.reduce((n, e) => n + e.w, 0);
        if (spent + weight <= this.capOf(s) || s.log.length === 0) {
          const entry: RollingEntry = { w: weight, until: Infinity };
          s.log.push(entry);
          this.sent(s, family, weight, now, waited);
          return { family, weight, window: 0, entry };
        }
        s.lastWaitAt = now;
        // until the oldest answered request leaves the window; while none is answered yet, a moment
        const next = Math.min(...s.log.map((e) => e.until));
        await this.clock.sleep(Number.isFinite(next) ? next - now + 1 : 10, signal);
        continue;
      }
      this.roll(s, now);
      const spent = Math.max(s.sent, s.reported + s.inFlight);
      if (spent + weight <= this.capOf(s) || (spent === 0 && s.inFlight === 0)) {
        s.sent += weight;
        s.inFlight += weight;
        this.sent(s, family, weight, now, waited);
        return { family, weight, window: s.windowStart };
      }
      s.lastWaitAt = now;
      await this.clock.sleep(s.windowStart + s.windowMs - now + (this.opts.boundaryGuardMs ?? 50), signal);
    }
  }

  /**
   * The answer to a request arrived: its weight is no longer in flight. `reported` is the server's count
   * for the window (the weight header), which includes every process on this IP.
   */
  settle(t: Ticket, reported?: number): void {
    const s = this.families.get(t.family);
    if (!s) return;
    if (t.entry) {
      // the server counted it at some moment before now: it leaves the window by now + the window
      t.entry.until = Math.min(t.entry.until, this.clock.now() + s.windowMs);
      return;
    }
    if (t.window !== s.windowStart) return;
    s.inFlight = Math.max(0, s.inFlight - t.weight);
    if (reported !== undefined && Number.isFinite(reported)) s.reported = Math.max(s.reported, reported);
  }

  /**
   * The exchange refused for its limit (429, or 418 after ignoring one): nothing more is sent to the
   * family until its Retry-After has passed, or, without one, until the window ends.
   */
  refused(family: string, retryAfterMs?: number): void {
    const s = this.stateOf(family);
    if (!s) return;
    const now = this.clock.now();
    if (!s.rolling) this.roll(s, now);
    s.pausedUntil = Math.max(s.pausedUntil, retryAfterMs !== undefined ? now + retryAfterMs : s.rolling ? now + s.windowMs : s.windowStart + s.windowMs);
  }

  /**
   * How many requests a run should keep in flight, given `current`: more while a family it is using
   * spends weight slower than the rate that would spend the rest of its window by the window's end
   * (scaled by that shortfall, at most doubling); the same number while the budget is what holds it
   * back (it waited for a window or a Retry-After lately), since more would only wait. The scheduler
   * still decides when each request goes, so a larger pool never spends more than the budget.
   */
  wantedInFlight(current: number): number {
    const now = this.clock.now();
    let want = current;
    for (const s of this.families.values()) {
      const recent = s.sends.filter((x) => x.t >= now - RATE_SPAN_MS);
      if (recent.length === 0 || now - s.lastWaitAt < s.windowMs) continue;
      const span = now - recent[0]!.t;
      if (span < RATE_SPAN_MS / 4) continue;
      const achieved = recent.reduce((sum, x) => sum + x.w, 0) / span;
      let needed: number;
      if (s.rolling) {
        needed = this.capOf(s) / s.windowMs;
      } else {
        this.roll(s, now);
        const remaining = this.capOf(s) - Math.max(s.sent, s.reported + s.inFlight);
        needed = remaining / Math.max(1, s.windowStart + s.windowMs - now);
      }
      if (achieved < 0.9 * needed) want = Math.max(want, Math.ceil(current * Math.min(2, needed / achieved)));
    }
    return want;
  }

  private sent(s: FamilyState, family: string, weight: number, now: number, waited: boolean): void {
    s.sends.push({ t: now, w: weight });
    while (s.sends[0]!.t < now - RATE_SPAN_MS) s.sends.shift();
    this.count(family, weight, waited);
  }

  usageOf(): FamilyUsage[] {
    return [...this.families.entries()].map(([family, s]) => ({
      family, limit: s.limit, windowMs: s.windowMs, reported: s.reported,
      ...(this.usage.get(family) ?? { requests: 0, weight: 0, windowWaits: 0 }),
    }));
  }

  private capOf(s: FamilyState): number {
    return s.limit - Math.max(1, Math.ceil(s.limit * (this.opts.margin ?? 0.03)));
  }

  private roll(s: FamilyState, now: number): void {
    const start = Math.floor(now / s.windowMs) * s.windowMs;
    if (start === s.windowStart) return;
    s.windowStart = start;
    s.sent = 0;
    s.reported = 0;
    s.inFlight = 0;
  }

  private count(family: string, weight: number, waited: boolean): void {
    const u = this.usage.get(family) ?? { requests: 0, weight: 0, windowWaits: 0 };
    this.usage.set(family, { requests: u.requests + 1, weight: u.weight + weight, windowWaits: u.windowWaits + (waited ? 1 : 0) });
  }
}
