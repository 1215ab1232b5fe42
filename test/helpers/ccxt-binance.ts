import ccxt from 'ccxt';
import { rebaseApiUrls } from '../../src/exchange/api-url.js';

/** The real ccxt.binance, pointed at the simulator with URL overrides and options only. */
export function binanceAt(url: string) {
  const ex = new ccxt.binance({ options: { fetchMarkets: { types: ['spot', 'linear'] }, fetchCurrencies: false } });
  ex.urls['api'] = rebaseApiUrls(ex.urls['api'], url) as typeof ex.urls['api'];
  return ex;
}

/** Page through ccxt.fetchOHLCV from `since` until the simulator has nothing more. */
export async function fetchAllOhlcv(ex: ReturnType<typeof binanceAt>, symbol: string, tf: string, since: number, limit: number): Promise<number[][]> {
  const rows: number[][] = [];
  let cursor = since;
  for (;;) {
    const page = (await ex.fetchOHLCV(symbol, tf, cursor, limit)) as number[][];
    if (page.length === 0) return rows;
    rows.push(...page);
    cursor = page[page.length - 1]![0]! + 1;
  }
}
