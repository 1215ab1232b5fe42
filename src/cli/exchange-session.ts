import type { ExchangeClient, ExchangeSettings } from '../exchange/exchange-client.js';
import type { FetchProgress } from '../pipeline/pager.js';
import { progressBar } from './progress.js';

/**
 * Open ccxt clients for the length of `fn`, one per exchange asked for, all with the same settings but
 * the id. ccxt is imported here, on demand, so commands that never reach an exchange start fast.
 */
export async function withExchange<T>(
  s: ExchangeSettings, fn: (clientFor: (exchange: string) => ExchangeClient, onProgress?: (p: FetchProgress) => void) => Promise<T>,
): Promise<T> {
  const { createCcxtClient } = await import('../exchange/ccxt-client.js');
  const clients = new Map<string, ExchangeClient>();
  const clientFor = (exchange: string) => {
    let c = clients.get(exchange);
    if (!c) clients.set(exchange, c = createCcxtClient({ ...s, exchange }));
    return c;
  };
  clientFor(s.exchange); // an unknown --exchange is a usage error before anything else happens
  const bar = progressBar();
  try {
    return await fn(clientFor, bar?.update);
  } finally {
    bar?.done();
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
}
