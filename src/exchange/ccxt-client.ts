// The only file that imports ccxt. Load it with a dynamic import so that commands that never touch an
// exchange (validate, list) start without paying for ccxt.
import ccxt, { type Exchange } from 'ccxt';
import { ExchangeError, TemporaryExchangeError, UsageError } from '../core/errors.js';
import { frameFromRows, type CandleFrame } from '../core/frame.js';
import { numberOrNaN } from '../core/numbers.js';
import { rebaseApiUrls } from './api-url.js';
import { binanceContractKind, binanceRequestCost, cheapestKlinePage, weightHeaderWindowMs, weightLimitOf } from './binance-weights.js';
import type { CandleRequest, ExchangeClient, ExchangeMarket, ExchangeSettings, MarketInfo, StatisticsEndpoint } from './exchange-client.js';
import type { Ticket, WeightScheduler } from './weight-scheduler.js';
import { venueProfile } from './venue.js';

const FALLBACK_PAGE_LIMIT = 500;
/** Exchanges whose requests the weight scheduler governs (Binance's families share one IP budget). */
const WEIGHED = new Set(['binance', 'binanceusdm']);

/** Whether requests to this exchange are governed by Binance's weight rules (else ccxt's throttle). */
export function isWeighed(exchange: string): boolean {
  return WEIGHED.has(exchange);
}

/**
 * Build a ccxt-backed client. Public data only: no API key is ever given to ccxt here. For Binance,
 * `scheduler` replaces ccxt's throttle: requests still go through ccxt (its URLs, parsing, symbol
 * mapping), but when each is sent is decided by the exchange's weight budget (weight-scheduler.ts).
 */
export function createCcxtClient(s: ExchangeSettings, scheduler?: WeightScheduler): ExchangeClient {
  const profile = venueProfile(s.exchange);
  const Ctor = (ccxt as unknown as Record<string, new (cfg: object) => Exchange>)[profile.ccxtId];
  if (!ccxt.exchanges.includes(profile.ccxtId) || !Ctor) throw new Error(`exchange/${profile.id}/profile: ccxt has no exchange "${profile.ccxtId}"`);
  const ex = new Ctor({
    enableRateLimit: true,
    timeout: s.timeoutMs,
    ...(s.rateLimitMs !== undefined ? { rateLimit: s.rateLimitMs } : {}),
    options: { ...profile.ccxtOptions },
  });
  if (s.apiUrl) ex.urls['api'] = rebaseApiUrls(ex.urls['api'], s.apiUrl) as Exchange['urls']['api'];
  const governed = scheduler && isWeighed(s.exchange) ? scheduler : undefined;
  if (governed) governByWeight(ex, governed);
  return new CcxtClient(ex, s.exchange, governed);
}

/** The two ccxt methods every REST request passes through: the send, and the hook that sees each answer. */
interface RestHooks {
  fetch(url: string, method?: string, headers?: unknown, body?: unknown): Promise<unknown>;
  onRestResponse(status: number, statusText: string, url: string, method: string, headers: Record<string, string>, body: string, ...rest: unknown[]): string;
}

/**
 * Replace ccxt's throttle with the weight scheduler: each request waits for its weight in its family's
 * window, and each answer reports the weight the IP has spent (the truth, other processes included),
 * a 429/418, or the limits `exchangeInfo` publishes.
 */
function governByWeight(ex: Exchange, scheduler: WeightScheduler): void {
  ex.enableRateLimit = false;
  const hooks = ex as unknown as RestHooks;
  const send = hooks.fetch.bind(ex);
  const answer = hooks.onRestResponse.bind(ex);
  const pending = new Map<string, Ticket[]>();
  const take = (url: string) => {
    const list = pending.get(url);
    const t = list?.shift();
    if (list && list.length === 0) pending.delete(url);
    return t;
  };
  hooks.fetch = async (url, method, headers, body) => {
    const cost = binanceRequestCost(url);
    if (!cost) return send(url, method, headers, body);
    const ticket = await scheduler.acquire(cost.family, cost.weight);
    pending.set(url, [...(pending.get(url) ?? []), ticket]);
    try {
      return await send(url, method, headers, body);
    } finally {
      const unanswered = pending.get(url)?.includes(ticket) ? ticket : undefined;
      if (unanswered) {
        pending.set(url, pending.get(url)!.filter((t) => t !== unanswered));
        scheduler.settle(unanswered);
      }
    }
  };
  hooks.onRestResponse = (status, statusText, url, method, headers, body, ...rest) => {
    const ticket = take(url);
    if (ticket) observe(scheduler, ticket, status, url, headers, body);
    // Binance answers JSON. ccxt turns some bodies that are not (a cut-off page, a maintenance page) into
    // an empty result, which a fetcher could take for the end of the data: refuse them here, to be retried.
    if (ticket && status === 200 && !looksLikeJson(body)) throw new ccxt.BadResponse(`malformed answer (not JSON) from ${new URL(url).pathname}`);
    return answer(status, statusText, url, method, headers, body, ...rest);
  };
}

/** A whole JSON array or object, by its first and last characters (the cheap check; ccxt parses it next). */
function looksLikeJson(body: string): boolean {
  const t = body.trim();
  return (t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}'));
}

function observe(scheduler: WeightScheduler, ticket: Ticket, status: number, url: string, headers: Record<string, string>, body: string): void {
  const header = Object.keys(headers).find((k) => weightHeaderWindowMs(k) !== undefined);
  if (header) scheduler.learnLimit(ticket.family, { windowMs: weightHeaderWindowMs(header) });
  scheduler.settle(ticket, header ? Number(headers[header]) : undefined);
  if (status === 429 || status === 418) {
    const seconds = Number(headers['retry-after'] ?? headers['Retry-After']);
    scheduler.refused(ticket.family, Number.isFinite(seconds) ? seconds * 1000 : undefined);
  }
  if (status === 200 && /\/exchangeInfo$/.test(new URL(url).pathname)) {
    try {
      const limit = weightLimitOf((JSON.parse(body) as { rateLimits?: unknown }).rateLimits);
      if (limit) scheduler.learnLimit(ticket.family, limit);
    } catch {
      // a malformed body is ccxt's to report
    }
  }
}

class CcxtClient implements ExchangeClient {
  private marketsLoaded: Promise<unknown> | undefined;
  private marketsFailed = false;

  readonly wantedInFlight?: (running: number) => number;

  constructor(private readonly ex: Exchange, readonly id: string, scheduler?: WeightScheduler) {
    if (scheduler) this.wantedInFlight = (running) => scheduler.wantedInFlight(running);
  }

  async market(symbol: string): Promise<MarketInfo> {
    await this.call('load markets', () => this.loadMarkets());
    const m = this.ex.markets?.[symbol];
    if (!m) throw new UsageError(`symbol "${symbol}" is not listed on ${this.id}`);
    const type = m.type ?? 'spot';
    return { symbol, type, candlesPerPage: isWeighed(this.id) ? cheapestKlinePage(type) : FALLBACK_PAGE_LIMIT };
  }

  /**
   * The exchange's markets, loaded once. ccxt keeps a failed load's promise and hands it back to every later
   * call, so a single reset of exchangeInfo would fail the whole run: a failed load is forgotten, and the
   * next call asks ccxt to load again.
   */
  private loadMarkets(): Promise<unknown> {
    this.marketsLoaded ??= this.ex.loadMarkets(this.marketsFailed).catch((e: unknown) => {
      this.marketsLoaded = undefined;
      this.marketsFailed = true;
      throw e;
    });
    return this.marketsLoaded;
  }

  async markets(): Promise<ExchangeMarket[]> {
    await this.call('load markets', () => this.loadMarkets());
    return Object.values(this.ex.markets ?? {}).filter((m) => m !== undefined).map((m) => ({
      symbol: m.symbol, id: m.id, contractSize: Number(m.contractSize ?? 1) || 1, base: m.base, quote: m.quote, type: m.type ?? 'spot', linear: m.type === 'spot' || m.linear === true, active: m.active !== false,
      ...(isWeighed(this.id) && m.type !== 'spot' ? binanceContractKind(m.info as Record<string, unknown>) : {}),
    }));
  }

  async fundingRates(symbol: string, since: number, until: number, limit: number): Promise<{ time: Float64Array; rate: Float64Array; markPrice: Float64Array }> {
    const rows = await this.call(`fetch ${symbol} funding`, () => this.ex.fetchFundingRateHistory(symbol, since, limit, { until: until - 1 }), true);
    const kept = rows.filter((r) => Number(r.timestamp) >= since && Number(r.timestamp) < until);
    // from the exchange's own fields: early settlements carry `"markPrice": ""`, which is missing, not 0
    const info = (r: (typeof kept)[number]) => (r.info ?? {}) as Record<string, unknown>;
    return {
      time: Float64Array.from(kept, (r) => Number(r.timestamp)),
      rate: Float64Array.from(kept, (r) => numberOrNaN(info(r)['fundingRate'] ?? r.fundingRate)),
      markPrice: Float64Array.from(kept, (r) => numberOrNaN(info(r)['markPrice'])),
    };
  }

  async statistics(endpoint: StatisticsEndpoint, symbol: string, period: string, since: number, until: number, limit: number): Promise<Record<string, unknown>[]> {
    await this.markets();
    const id = this.ex.market(symbol).id;
    // ccxt's implicit method for the endpoint (fapiDataGetOpenInterestHist, …): its URL, signing and errors
    const method = `fapiDataGet${endpoint[0]!.toUpperCase()}${endpoint.slice(1)}`;
    const call = (this.ex as unknown as Record<string, (p: object) => Promise<unknown>>)[method]!.bind(this.ex);
    const rows = await this.call(`fetch ${symbol} ${endpoint}`, () => call({ symbol: id, period, startTime: since, endTime: until - 1, limit }), true);
    if (!Array.isArray(rows)) throw new TemporaryExchangeError(`${this.id}: fetch ${symbol} ${endpoint} failed: the answer is not a list of rows`);
    return (rows as Record<string, unknown>[]).filter((r) => Number(r['timestamp']) >= since && Number(r['timestamp']) < until);
  }

  async quoteVolumes(kind: 'perp' | 'spot'): Promise<{ symbol: string; quoteVolume: number }[]> {
    await this.markets();
    const tickers = await this.call('fetch 24 h tickers', () => this.ex.fetchTickers(undefined, kind === 'perp' ? { type: 'swap', subType: 'linear' } : { type: 'spot' }));
    return Object.values(tickers).filter((t) => t.symbol !== undefined).map((t) => ({ symbol: String(t.symbol), quoteVolume: Number(t.quoteVolume ?? 0) }));
  }

  async serverTime(): Promise<number> {
    if (!this.ex.has['fetchTime']) return Date.now();
    const t = await this.call('fetch server time', () => this.ex.fetchTime());
    return typeof t === 'number' && Number.isFinite(t) ? t : Date.now();
  }

  async fetchCandles(r: CandleRequest): Promise<CandleFrame> {
    const rows = await this.call(`fetch ${r.symbol} ${r.timeframe} candles`, () =>
      this.ex.fetchOHLCV(r.symbol, r.timeframe, r.since, r.limit, { until: r.until - 1, ...(r.price ? { price: r.price } : {}) }), true);
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
