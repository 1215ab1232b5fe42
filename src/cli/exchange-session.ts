import type { ExchangeClient, ExchangeSettings } from '../exchange/exchange-client.js';
import type { FetchProgress } from '../pipeline/fetch-history.js';
import { progressBar } from './progress.js';

/**
 * Open a ccxt client for the length of `fn`. ccxt is imported here, on demand, so commands that never
 * reach an exchange start fast.
 */
export async function withExchange<T>(s: ExchangeSettings, fn: (client: ExchangeClient, onProgress?: (p: FetchProgress) => void) => Promise<T>): Promise<T> {
  const { createCcxtClient } = await import('../exchange/ccxt-client.js');
  const client = createCcxtClient(s);
  const bar = progressBar();
  try {
    return await fn(client, bar?.update);
  } finally {
    bar?.done();
    await client.close();
  }
}
