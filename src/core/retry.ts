import { setTimeout as delay } from 'node:timers/promises';
import { ExchangeError, InterruptedError, TemporaryExchangeError } from './errors.js';
import type { Log } from './log.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** First backoff; doubles each attempt, with full jitter. */
  readonly baseMs: number;
  /** Cap on one backoff. */
  readonly maxMs: number;
  /** Cap on the time spent waiting for one call, all attempts together. */
  readonly totalMs: number;
}

/**
 * A pause shared by every fetch against one exchange: after a 429/418 nobody sends anything until
 * the Retry-After has passed, so concurrent fetches never walk into a longer ban.
 */
export class PauseGate {
  private until = 0;

  pauseFor(ms: number): void {
    this.until = Math.max(this.until, Date.now() + ms);
  }

  async wait(signal?: AbortSignal): Promise<void> {
    for (let left = this.until - Date.now(); left > 0; left = this.until - Date.now()) {
      await delay(left, undefined, { signal }).catch(() => { throw new InterruptedError('interrupted'); });
    }
  }
}

export interface RetryContext {
  readonly policy: RetryPolicy;
  readonly gate: PauseGate;
  readonly log: Log;
  readonly signal?: AbortSignal;
}

/** Run `fn`, retrying TemporaryExchangeErrors with exponential backoff and jitter, within the policy. */
export async function withRetry<T>(what: string, ctx: RetryContext, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    await ctx.gate.wait(ctx.signal);
    throwIfAborted(ctx.signal);
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof TemporaryExchangeError)) throw e;
      const wait = e.retryAfterMs ?? backoff(ctx.policy, attempt);
      if (e.retryAfterMs !== undefined) ctx.gate.pauseFor(e.retryAfterMs);
      const spent = Date.now() - started;
      if (attempt >= ctx.policy.attempts || spent + wait > ctx.policy.totalMs) {
        throw new ExchangeError(`${what}: gave up after ${attempt} attempt(s) over ${Math.round((spent) / 1000)} s: ${e.message}`);
      }
      ctx.log.warn({ attempt, waitMs: Math.round(wait) }, `${what}: ${e.message}; retrying`);
      if (e.retryAfterMs === undefined) await delay(wait, undefined, { signal: ctx.signal }).catch(() => undefined);
    }
  }
}

function backoff(p: RetryPolicy, attempt: number): number {
  return Math.random() * Math.min(p.maxMs, p.baseMs * 2 ** (attempt - 1));
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError('interrupted');
}
