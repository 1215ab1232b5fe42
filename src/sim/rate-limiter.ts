/** A request-weight limit for one API family in fixed windows, with a 429 → 418 escalation. */
export interface RateLimitConfig {
  /** Weight allowed per window. */
  readonly limit: number;
  readonly windowMs: number;
  /** First IP ban for a client that keeps calling after a 429 (growing with each). */
  readonly banBaseMs: number;
}

export type Admission =
  | { readonly ok: true; readonly used: number }
  | { readonly ok: false; readonly status: 429 | 418; readonly used: number; readonly retryAfterMs: number };

/**
 * Fixed-window weight counter. Over the limit → 429 with Retry-After until the window ends. Calling
 * again before that, or while banned, → 418 with a ban that doubles each time.
 */
export class WeightLimiter {
  private windowStart = -1;
  private used = 0;
  private limitedUntil = 0;
  private bannedUntil = 0;
  private bans = 0;

  constructor(
    readonly config: RateLimitConfig,
    private readonly clock: () => number = Date.now,
  ) {}

  admit(weight: number): Admission {
    const now = this.clock();
    const windowStart = Math.floor(now / this.config.windowMs) * this.config.windowMs;
    if (windowStart !== this.windowStart) {
      this.windowStart = windowStart;
      this.used = 0;
    }
    if (now < this.limitedUntil || now < this.bannedUntil) return this.ban(now);
    this.used += weight;
    if (this.used <= this.config.limit) return { ok: true, used: this.used };
    this.limitedUntil = windowStart + this.config.windowMs;
    return { ok: false, status: 429, used: this.used, retryAfterMs: this.limitedUntil - now };
  }

  private ban(now: number): Admission {
    this.bannedUntil = now + this.config.banBaseMs * 2 ** this.bans;
    this.bans++;
    return { ok: false, status: 418, used: this.used, retryAfterMs: this.bannedUntil - now };
  }
}

/** A budget of requests in any window of `windowMs` (a rolling window), and what a breach costs. */
export interface RollingLimitConfig {
  readonly limit: number;
  readonly windowMs: number;
  /** How long a breach bans the client (every request refused meanwhile); 0: only the breaching requests are refused. */
  readonly banMs: number;
}

/**
 * Rolling-window counter: a request is admitted while fewer than `limit` were admitted in the last
 * `windowMs`. A breach is refused, and bans the client for `banMs` when set (a venue's ban: an HTTP 403 for at least
 * ten minutes). Refused requests are not counted.
 */
export class RollingLimiter {
  private readonly admitted: number[] = [];
  private bannedUntil = 0;
  refusals = 0;

  constructor(
    readonly config: RollingLimitConfig,
    private readonly clock: () => number = Date.now,
  ) {}

  admit(weight = 1): { ok: true; used: number } | { ok: false; retryAfterMs: number; banned: boolean } {
    const now = this.clock();
    if (now < this.bannedUntil) {
      this.refusals++;
      return { ok: false, retryAfterMs: this.bannedUntil - now, banned: true };
    }
    while (this.admitted.length > 0 && this.admitted[0]! <= now - this.config.windowMs) this.admitted.shift();
    if (this.admitted.length + weight > this.config.limit) {
      this.refusals++;
      if (this.config.banMs > 0) this.bannedUntil = now + this.config.banMs;
      return { ok: false, retryAfterMs: this.config.banMs > 0 ? this.config.banMs : this.admitted[0]! + this.config.windowMs - now, banned: this.config.banMs > 0 };
    }
    for (let i = 0; i < weight; i++) this.admitted.push(now);
    return { ok: true, used: this.admitted.length };
  }
}
