// The only file that imports ccxt. Load it with a dynamic import so that commands that never touch an
// exchange (validate, list) start without paying for ccxt.
import ccxt, { type Exchange } from 'ccxt';
import { ExchangeError, TemporaryExchangeError, UsageError } from '../core/errors.js';
import { frameFromRows, type CandleFrame } from '../core/frame.js';
import { rebaseApiUrls } from './api-url.js';
import type { CandleRequest, ExchangeClient, ExchangeSettings, MarketInfo } from './exchange-client.js';

/** Most candles per request where ccxt does not tell (Binance: 1000 spot, 1500 USDT-M). */
const PAGE_LIMITS: Record<string, Record<string, number>> = {
  binance: { spot: 1000, swap: 1500, future: 1500 },
};
const FALLBACK_PAGE_LIMIT = 500;

/** Build a ccxt-backed client. Public data only: no API key is ever given to ccxt here. */
export function createCcxtClient(s: ExchangeSettings): ExchangeClient {
  const Ctor = (ccxt as unknown as Record<string, new (cfg: object) => Exchange>)[s.exchange];
  if (!ccxt.exchanges.includes(s.exchange) || !Ctor) {
    throw new UsageError(`unknown exchange "${s.exchange}" (expected a ccxt exchange id such as binance, bybit, okx)`);
  }
  const ex = new Ctor({
    enableRateLimit: true,
    timeout: s.timeoutMs,
    ...(s.rateLimitMs !== undefined ? { rateLimit: s.rateLimitMs } : {}),
    options: exchangeOptions(s.exchange),
  });
  if (s.apiUrl) ex.urls['api'] = rebaseApiUrls(ex.urls['api'], s.apiUrl) as Exchange['urls']['api'];
  return new CcxtClient(ex, s.exchange);
}

function exchangeOptions(id: string): Record<string, unknown> {
  // Binance: only spot and USDT-M markets (no coin-M or options endpoints), no key-only currency calls.
  if (id === 'binance') return { fetchMarkets: { types: ['spot', 'linear'] }, fetchCurrencies: false, adjustForTimeDifference: false };
  return {};
}

class CcxtClient implements ExchangeClient {
  private marketsLoaded: Promise<unknown> | undefined;

  constructor(private readonly ex: Exchange, readonly id: string) {}

  async market(symbol: string): Promise<MarketInfo> {
    await this.call('load markets', () => (this.marketsLoaded ??= this.ex.loadMarkets()));
    const m = this.ex.markets?.[symbol];
    if (!m) throw new UsageError(`symbol "${symbol}" is not listed on ${this.id}`);
    const type = m.type ?? 'spot';
    return { symbol, type, maxCandlesPerRequest: PAGE_LIMITS[this.id]?.[type] ?? FALLBACK_PAGE_LIMIT };
  }

  async serverTime(): Promise<number> {
    if (!this.ex.has['fetchTime']) return Date.now();
    const t = await this.call('fetch server time', () => this.ex.fetchTime());
    return typeof t === 'number' && Number.isFinite(t) ? t : Date.now();
  }

  async fetchCandles(r: CandleRequest): Promise<CandleFrame> {
    const rows = await this.call(`fetch ${r.symbol} ${r.timeframe} candles`, () =>
      this.ex.fetchOHLCV(r.symbol, r.timeframe, r.since, r.limit, { until: r.until - 1 }), true);
    return frameFromRows(rows as unknown[][]);
  }

  async lastCandleOpen(symbol: string, timeframe: string, before: number): Promise<number | undefined> {
    const rows = await this.call(`fetch ${symbol} ${timeframe} latest candle`, () =>
      this.ex.fetchOHLCV(symbol, timeframe, undefined, 1, { until: before - 1 }), true);
    const t = Number((rows as unknown[][])[0]?.[0]);
    return Number.isFinite(t) && t < before ? t : undefined;
  }

  async close(): Promise<void> {
    await this.ex.close();
  }

  /** Run a ccxt call and translate its errors into ours. */
  private async call<T>(what: string, fn: () => Promise<T>, listed = false): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.translate(e, what, listed);
    }
  }

  /** `listed`: the market was found at start, so "invalid symbol" now means it was delisted. */
  private translate(e: unknown, what: string, listed: boolean): Error {
    const msg = `${this.id}: ${what} failed: ${oneLine(e)}`;
    if (e instanceof ccxt.BadSymbol) return listed ? new ExchangeError(`${msg} (delisted during the run?)`) : new UsageError(msg);
    if (e instanceof ccxt.NetworkError) return new TemporaryExchangeError(msg, this.retryAfterMs());
    // OperationFailed covers malformed and empty bodies (BadResponse, NullResponse): worth asking again.
    if (e instanceof ccxt.OperationFailed) return new TemporaryExchangeError(msg);
    if (e instanceof ccxt.BaseError) return new ExchangeError(msg);
    if (isNetworkFailure(e)) return new TemporaryExchangeError(msg);
    return e instanceof Error ? e : new Error(String(e));
  }

  /** Retry-After of the last response, in ms, when the exchange sent one (429/418). */
  private retryAfterMs(): number | undefined {
    const headers = (this.ex.last_response_headers ?? {}) as Record<string, string | undefined>;
    const value = headers['retry-after'] ?? headers['Retry-After'];
    const seconds = value === undefined ? NaN : Number(value);
    return Number.isFinite(seconds) ? seconds * 1000 : undefined;
  }
}

const NETWORK_CODES = /^(ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|ENETUNREACH|EHOSTUNREACH|UND_ERR_\w+)$/;

/**
 * A connection dropped mid-body reaches us from Node's fetch (undici) without ccxt's wrapping,
 * e.g. "other side closed" with code UND_ERR_SOCKET: a network failure, worth retrying.
 */
function isNetworkFailure(e: unknown): boolean {
  for (let x: unknown = e, depth = 0; x instanceof Error && depth < 4; x = (x as Error & { cause?: unknown }).cause, depth++) {
    const code = (x as NodeJS.ErrnoException).code;
    if (code && NETWORK_CODES.test(code)) return true;
    if (x.name === 'SocketError' || /other side closed|fetch failed|socket hang up/i.test(x.message)) return true;
  }
  return false;
}

function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/\s+/g, ' ').slice(0, 300);
}
