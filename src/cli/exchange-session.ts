import { BINANCE_LIMITS } from '../exchange/binance-weights.js';
import type { ExchangeClient, ExchangeSettings } from '../exchange/exchange-client.js';
import { systemClock, WeightScheduler } from '../exchange/weight-scheduler.js';
import type { Log } from '../pipeline/log.js';
import { readLearnedLimits, saveLearnedLimit } from '../store/learned-limits.js';
import type { RunProgress } from '../pipeline/run-settings.js';
import { runDisplay } from './progress.js';
import type { StatusLine } from './status-line.js';

/**
 * Open ccxt clients for the length of `fn`, one per exchange asked for, all with the same settings but
 * the id. ccxt is imported here, on demand, so commands that never reach an exchange start fast.
 */
export async function withExchange<T>(
  s: ExchangeSettings, dataDir: string, log: Log, terminal: StatusLine | undefined,
  fn: (clientFor: (exchange: string) => ExchangeClient, progress: RunProgress | undefined, scheduler: WeightScheduler) => Promise<T>,
  o: { readonly dryRun?: boolean } = {},
): Promise<T> {
  const { createCcxtClient } = await import('../exchange/ccxt-client.js');
  // One budget per run: Binance counts spot and USDT-M weight per IP, whichever client spends it. Limits
  // an earlier run learned from this API (exchangeInfo) apply from the first request.
  const origin = s.apiUrl ?? `exchange:${s.exchange}`;
  const learned = await readLearnedLimits(dataDir, origin);
  const scheduler = new WeightScheduler({ ...BINANCE_LIMITS, ...learned }, systemClock, {
    onLearn: (family, limit) => {
      log.debug({ family, ...limit }, 'learned a rate limit from the exchange');
      // a dry run writes nothing into the data folder, this file included
      if (!o.dryRun) saveLearnedLimit(dataDir, origin, family, limit).catch((e: Error) => log.warn({ err: e.message }, 'could not keep the learned rate limit'));
    },
  });
  const clients = new Map<string, ExchangeClient>();
  const clientFor = (exchange: string) => {
    let c = clients.get(exchange);
    if (!c) clients.set(exchange, c = createCcxtClient({ ...s, exchange }, scheduler));
    return c;
  };
  clientFor(s.exchange); // an unknown --exchange is a usage error before anything else happens
  const display = runDisplay(terminal, () => scheduler.usageOf());
  try {
    return await fn(clientFor, display, scheduler);
  } finally {
    display?.finish();
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
}
