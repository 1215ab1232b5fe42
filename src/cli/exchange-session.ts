import type { ExchangeClient, ExchangeSettings } from '../exchange/exchange-client.js';
import { systemClock, WeightScheduler, type FamilyUsage } from '../exchange/weight-scheduler.js';
import { allVenues, venueProfile } from '../exchange/venue.js';
import type { Log } from '../core/log.js';
import { readLearnedLimits, saveLearnedLimit } from '../store/learned-limits.js';
import { isRemote, localStateDir } from '../store/object-store.js';
import { mkdir } from 'node:fs/promises';
import type { RunProgress } from '../pipeline/run-settings.js';
import { runDisplay } from './progress.js';
import type { StatusLine } from './status-line.js';

/**
 * Open ccxt clients for the length of `fn`, one per venue asked for, all with the same settings but the
 * venue. Each venue spends its own budget (its profile's) through its own scheduler, so venues fetched in
 * one run go in parallel; `scheduler` is the run's scheduler for sources other than a venue (CoinGecko).
 * ccxt is imported here, on demand, so commands that never reach an exchange start fast.
 */
export async function withExchange<T>(
  s: ExchangeSettings, storeDir: string, log: Log, terminal: StatusLine | undefined,
  fn: (clientFor: (exchange: string) => ExchangeClient, progress: RunProgress | undefined, scheduler: WeightScheduler, usage: () => FamilyUsage[]) => Promise<T>,
  o: { readonly dryRun?: boolean } = {},
): Promise<T> {
  const { createCcxtClient } = await import('../exchange/ccxt-client.js');
  // learned limits are this machine's (a budget is per IP): for stores in a bucket they stay in its local state folder
  const dataDir = localStateDir(storeDir);
  if (isRemote(storeDir) && !o.dryRun) await mkdir(dataDir, { recursive: true });
  // Limits an earlier run learned from a venue at this API (a published limit) apply from the first request.
  const learned = new Map<string, Awaited<ReturnType<typeof readLearnedLimits>>>();
  const originOf = (venue: string) => `${s.apiUrl ?? 'exchange'}#${venue}`;
  for (const v of allVenues()) learned.set(v.id, await readLearnedLimits(dataDir, originOf(v.id)));
  const schedulers = new Map<string, WeightScheduler>();
  const schedulerOf = (venue: string) => {
    let sch = schedulers.get(venue);
    if (!sch) {
      const budget = venueProfile(venue).budget;
      sch = new WeightScheduler({ ...budget?.limits, ...learned.get(venue) }, systemClock, {
        ...(budget?.limitOf ? { limitOf: (family: string) => budget.limitOf!(family) } : {}),
        onLearn: (family, limit) => {
          log.debug({ exchange: venue, family, ...limit }, 'learned a rate limit from the exchange');
          // a dry run writes nothing into the data folder, this file included
          if (!o.dryRun) saveLearnedLimit(dataDir, originOf(venue), family, limit).catch((e: Error) => log.warn({ err: e.message }, 'could not keep the learned rate limit'));
        },
      });
      schedulers.set(venue, sch);
    }
    return sch;
  };
  const shared = new WeightScheduler({}, systemClock);
  const clients = new Map<string, ExchangeClient>();
  const clientFor = (exchange: string) => {
    let c = clients.get(exchange);
    if (!c) clients.set(exchange, c = createCcxtClient({ ...s, exchange }, schedulerOf(exchange)));
    return c;
  };
  clientFor(s.exchange); // an unknown --exchange is a usage error before anything else happens
  // what the run spent, per budget: each venue's (named `<venue> <family>`) and the other sources'
  const usage = () => [...[...schedulers.entries()].flatMap(([venue, sch]) => sch.usageOf().map((u) => ({ ...u, family: `${venue} ${u.family}` }))), ...shared.usageOf()];
  const display = runDisplay(terminal, usage);
  try {
    return await fn(clientFor, display, shared, usage);
  } finally {
    display?.finish();
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
}
