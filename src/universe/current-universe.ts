import { JobFailedError } from '../core/errors.js';
import { PauseGate, withRetry, type RetryContext } from '../core/retry.js';
import type { Log } from '../core/log.js';
import type { ExchangeClient } from '../exchange/exchange-client.js';
import type { WeightScheduler } from '../exchange/weight-scheduler.js';
import { createCoinGeckoClient, type CoinGeckoClient, type CoinGeckoSettings } from '../sources/coingecko-client.js';
import { readCurrentUniverse, writeUniverse } from '../store/universe-files.js';
import { exchangeNames } from '../exchange/venue.js';
import type { RetryPolicy } from '../core/retry.js';
import { refreshUniverse, type Universe, type UniverseOptions } from './refresh-universe.js';

/** A universe shorter than the least the user accepts (`--min-size`): refused, the previous one stays in force. */
export class UniverseTooSmallError extends JobFailedError {
  override name = 'UniverseTooSmallError';
}

export interface EnsureUniverse {
  readonly options: UniverseOptions;
  /** Fewer members than this fails the refresh (UniverseTooSmallError) and keeps the previous universe. */
  readonly minSize?: number;
  readonly dataDir: string;
  /** A universe younger than this (by this machine's clock) is reused. */
  readonly maxAgeMs: number;
  readonly force: boolean;
  /** Several collectors share the data folder (`collect --shard`): the first refresh of a day is every collector's. */
  readonly shared?: boolean;
  readonly coingecko: Omit<CoinGeckoSettings, 'timeoutMs'> & { readonly timeoutMs: number; readonly callsPerMinute: number };
  readonly retry: RetryPolicy;
}

export interface EnsureDeps {
  readonly exchange: ExchangeClient;
  readonly scheduler: WeightScheduler;
  readonly log: Log;
  readonly signal?: AbortSignal;
}

/** The CoinGecko client a universe request describes, with its own budget in the run's scheduler. */
export function coinGeckoFor(o: EnsureUniverse, scheduler: WeightScheduler): CoinGeckoClient {
  scheduler.learnLimit('coingecko', { limit: o.coingecko.callsPerMinute, windowMs: 60_000 });
  return createCoinGeckoClient(o.coingecko, scheduler);
}

/**
 * The universe in force: the current one when it is young enough, else a fresh refresh, kept as the
 * day's snapshot and as the current one. `refreshed` says which.
 */
export async function ensureUniverse(o: EnsureUniverse, deps: EnsureDeps): Promise<{ universe: Universe; refreshed: boolean }> {
  const previous = await readCurrentUniverse(o.dataDir, o.options.exchange, exchangeNames(o.options.exchange)) as Universe | undefined;
  if (previous && !o.force && Date.now() - Date.parse(previous.createdAt) < o.maxAgeMs) {
    deps.log.info({ date: previous.date }, 'the current universe is young enough; reusing it');
    return { universe: previous, refreshed: false };
  }
  const coingecko = coinGeckoFor(o, deps.scheduler);
  const retry: RetryContext = { policy: o.retry, gate: new PauseGate(), log: deps.log, signal: deps.signal };
  const now = await withRetry('fetch exchange time', retry, () => deps.exchange.serverTime());
  const made = await refreshUniverse(o.options, { coingecko, exchange: deps.exchange, retry, now }, previous);
  if (o.minSize !== undefined && made.members.length < o.minSize) {
    const why = Object.entries(made.shortfall.reasons).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join(', ');
    throw new UniverseTooSmallError(`the universe of ${made.date} has ${made.members.length} member(s), fewer than the ${o.minSize} required (--min-size; left out: ${why || 'none'}); `
      + `${previous ? `the universe of ${previous.date} stays in force` : 'no universe is in force'}`);
  }
  // its age (for the max age) is counted on this machine's clock; its date is the exchange's day
  const universe: Universe = { ...made, createdAt: new Date().toISOString() };
  const kept = await writeUniverse(o.dataDir, o.options.exchange, universe as unknown as Universe & Record<string, unknown>, { shared: o.shared ?? false }) as unknown as Universe;
  if (kept !== (universe as unknown)) deps.log.info({ date: kept.date, createdAt: kept.createdAt }, 'another collector refreshed the universe of the day first; collecting its members');
  return { universe: kept, refreshed: true };
}
