// The only file that imports ccxt. Load it with a dynamic import so that commands that never touch an
// exchange (validate, list) start without paying for ccxt.
import type { Exchange } from 'ccxt';
import { ExchangeError, TemporaryExchangeError, UsageError } from '../core/errors.js';
import { frameFromRows, type CandleFrame } from '../core/frame.js';
import { rebaseApiUrls } from './api-url.js';
import type { CandleRequest, ExchangeClient, ExchangeMarket, ExchangeSettings, MarketInfo } from './exchange-client.js';
import type { Ticket, WeightScheduler } from './weight-scheduler.js';
import { allVenues, venueProfile, type VenueProfile } from './venue.js';

type Ccxt = typeof import('ccxt');
type ErrorClasses = Pick<Ccxt, 'BaseError' | 'BadResponse' | 'BadSymbol' | 'NetworkError' | 'OperationFailed'>;

/**
 * ccxt's error classes and the exchange classes of the venues with a profile. ccxt's entry module loads
 * all of its 100+ exchanges (0.75 s here, in every run that fetches); the classes of three venues and the
 * errors module they share load in 0.3 s. They are the very modules the entry re-exports (`js/src/<id>.js`,
 * `js/src/base/errors.js`), so `instanceof` holds either way; where that layout is not found (another ccxt
 * build, a bundler), the entry module is loaded instead.
 */
async function loadCcxt(): Promise<{ readonly errors: ErrorClasses; readonly classes: Readonly<Record<string, (new (cfg: object) => Exchange) | undefined>> }> {
  const ids = [...new Set(allVenues().map((v) => v.ccxtId))];
  try {
    const entry = import.meta.resolve('ccxt');
    const [errors, ...mods] = await Promise.all([
      import(new URL('./src/base/errors.js', entry).href) as Promise<ErrorClasses>,
      ...ids.map((id) => import(new URL(`./src/${id}.js`, entry).href) as Promise<{ default: new (cfg: object) => Exchange }>),
    ]);
    if (typeof errors.BaseError !== 'function' || mods.some((m) => typeof m.default !== 'function')) throw new Error('not ccxt\'s layout');
    return { errors, classes: Object.fromEntries(ids.map((id, i) => [id, mods[i]!.default])) };
  } catch {
    const full = (await import('ccxt')).default as unknown as ErrorClasses & { readonly exchanges: readonly string[] } & Record<string, new (cfg: object) => Exchange>;
    return { errors: full, classes: Object.fromEntries(ids.map((id) => [id, full.exchanges.includes(id) ? full[id] : undefined])) };
  }
}

const { errors: ccxt, classes: CLASSES } = await loadCcxt();

const FALLBACK_PAGE_LIMIT = 500;

/**
 * Build a ccxt-backed client of a venue (by its profile: which ccxt class, with which options). Public
 * data only: no API key is ever given to ccxt here. Where the profile describes the venue's budgets,
 * `scheduler` replaces ccxt's throttle: requests still go through ccxt (its URLs, parsing, symbol mapping,
 * error codes), but when each is sent is decided by the venue's budget (weight-scheduler.ts).
 */
export function createCcxtClient(s: ExchangeSettings, scheduler?: WeightScheduler): ExchangeClient {
  const profile = venueProfile(s.exchange);
  const Ctor = CLASSES[profile.ccxtId];
  if (!Ctor) throw new Error(`exchange/${profile.id}/profile: ccxt has no exchange "${profile.ccxtId}"`);
  const ex = new Ctor({
    enableRateLimit: true,
    timeout: s.timeoutMs,
    ...(s.rateLimitMs !== undefined ? { rateLimit: s.rateLimitMs } : {}),
    options: { ...profile.ccxtOptions },
  });
  if (s.apiUrl) ex.urls['api'] = rebaseApiUrls(ex.urls['api'], s.apiUrl) as Exchange['urls']['api'];
  const governed = scheduler && profile.budget ? scheduler : undefined;
  if (governed) governByBudget(ex, profile, governed);
  else if (profile.malformed) refuseMalformed(ex, profile);
  return new CcxtClient(ex, profile, governed);
}

/** The two ccxt methods every REST request passes through: the send, and the hook that sees each answer. */
interface RestHooks {
  fetch(url: string, method?: string, headers?: unknown, body?: unknown): Promise<unknown>;
  onRestResponse(status: number, statusText: string, url: string, method: string, headers: Record<string, string>, body: string, ...rest: unknown[]): string;
}

/**
 * Replace ccxt's throttle with the scheduler: each request waits for its weight in its budget, and each
 * answer reports what the venue says of the budget (spent weight, published limits, a refusal, also one
 * served with HTTP 200).
 */
function governByBudget(ex: Exchange, profile: VenueProfile, scheduler: WeightScheduler): void {
  const budget = profile.budget!;
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
    const cost = budget.cost(url);
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
    if (ticket) {
      const seen = budget.observe({ status, url, headers, body });
      if (seen.learn) scheduler.learnLimit(ticket.family, seen.learn);
      scheduler.settle(ticket, seen.reported);
      if (seen.refused) scheduler.refused(ticket.family, seen.refused.retryAfterMs);
    }
    // ccxt turns some bodies that are no whole answer into an empty result, which a fetcher could take for
    // the end of the data: refuse them here, to be retried
    if (status === 200 && profile.malformed?.(body)) throw new ccxt.BadResponse(`malformed answer from ${new URL(url).pathname}`);
    return answer(status, statusText, url, method, headers, body, ...rest);
  };
}

/** Without a budget: still refuse a 200 answer that is no whole answer. */
function refuseMalformed(ex: Exchange, profile: VenueProfile): void {
  const hooks = ex as unknown as RestHooks;
  const answer = hooks.onRestResponse.bind(ex);
  hooks.onRestResponse = (status, statusText, url, method, headers, body, ...rest) => {
    if (status === 200 && profile.malformed!(body)) throw new ccxt.BadResponse(`malformed answer from ${new URL(url).pathname}`);
    return answer(status, statusText, url, method, headers, body, ...rest);
  };
}

class CcxtClient implements ExchangeClient {
  private marketsLoaded: Promise<unknown> | undefined;
  private marketsFailed = false;

  readonly wantedInFlight?: (running: number) => number;

  readonly id: string;

  constructor(private readonly ex: Exchange, private readonly profile: VenueProfile, scheduler?: WeightScheduler) {
    this.id = profile.id;
    if (scheduler) this.wantedInFlight = (running) => scheduler.wantedInFlight(running);
  }

  async market(symbol: string): Promise<MarketInfo> {
    await this.call('load markets', () => this.loadMarkets());
    const m = this.ex.markets?.[symbol];
    if (!m) throw new UsageError(`symbol "${symbol}" is not listed on ${this.id}`);
    const type = m.type ?? 'spot';
    return {
      symbol, id: m.id, type, contractSize: Number(m.contractSize ?? 1) || 1,
      candlesPerPage: this.profile.candlesPerPage?.(type) ?? FALLBACK_PAGE_LIMIT,
      listedAt: typeof m.created === 'number' ? m.created : undefined, info: (m.info ?? {}) as Record<string, unknown>,
    };
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

  async markets(o: { readonly fresh?: boolean } = {}): Promise<ExchangeMarket[]> {
    if (o.fresh) this.marketsLoaded = undefined;
    if (o.fresh) this.marketsFailed = true; // ask ccxt to load them again, not to hand back what it has
    await this.call('load markets', () => this.loadMarkets());
    return Object.values(this.ex.markets ?? {}).filter((m) => m !== undefined).map((m) => ({
      symbol: m.symbol, id: m.id, contractSize: Number(m.contractSize ?? 1) || 1, base: m.base, quote: m.quote, type: m.type ?? 'spot', linear: m.type === 'spot' || m.linear === true, active: m.active !== false,
      ...(this.profile.marketKind?.((m.info ?? {}) as Record<string, unknown>, m.type ?? 'spot') ?? {}),
    }));
  }

  /**
   * A raw request through ccxt's method for a venue endpoint (`fapiPublicGetFundingRate`,
   * `publicGetV5MarketKline`): ccxt builds the URL and reads the venue's error codes; the answer comes back
   * as the venue sent it (parsed JSON). `what` names it in errors. The market was found at start, so an
   * unknown symbol now means it was delisted.
   */
  async request(method: string, params: Readonly<Record<string, unknown>>, what: string): Promise<unknown> {
    await this.call('load markets', () => this.loadMarkets());
    const fn = (this.ex as unknown as Record<string, ((p: object) => Promise<unknown>) | undefined>)[method];
    if (typeof fn !== 'function') throw new Error(`ccxt's ${this.profile.ccxtId} has no method ${method}`);
    return this.call(what, () => fn.call(this.ex, { ...params }), true);
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
