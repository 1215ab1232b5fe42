import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../core/errors.js';
import { isLoopbackHost } from '../core/loopback.js';
import { answerWithFault, mangleReply, rewriteRequest } from './apply-fault.js';
import { FaultPlan, parseFaultSpec, type FaultRule } from './faults.js';
import { MarketCatalog } from './market-catalog.js';
import { PageCache } from './page-cache.js';
import { WeightLimiter, type RateLimitConfig } from './rate-limiter.js';
import { binanceError, Router, type ApiFamily, type SimResponse } from './router.js';
import { addFuturesRoutes } from './routes/futures.js';
import { addSpotRoutes } from './routes/spot.js';
import { addFundingRoutes } from './routes/funding.js';
import { addFuturesDataRoutes } from './routes/futures-data.js';
import { addArchiveRoutes, type ArchiveFaults } from './routes/archives.js';
import { coinMarket } from './coingecko/coin-market.js';
import { attachLiquidationStream, type LiquidationStream } from './liquidation-stream.js';
import { addCoinGeckoRoutes, coingeckoError } from './coingecko/routes.js';

export interface SimOptions {
  /** Loopback address to bind (default 127.0.0.1); anything else is refused. */
  readonly host?: string;
  /** Port; 0 picks a free one (default 8787). */
  readonly port?: number;
  /** Fixed exchange time in epoch ms; default: the real clock. */
  readonly now?: number;
  readonly seed?: number;
  readonly symbols?: readonly string[];
  readonly replay?: Readonly<Record<string, string>>;
  readonly rateLimits?: Partial<Record<ApiFamily, Partial<RateLimitConfig>>>;
  /** Clock of the rate-limit windows (default: real time), so tests can step through them. */
  readonly rateClock?: () => number;
  /**
   * Also simulate CoinGecko (under `/coingecko/api/v3`) and list the USDT-M perpetuals of its market
   * (200+, multiplier contracts included), for the universe and the daily collector.
   */
  readonly universe?: boolean;
  /** Faults to inject (see faults.ts for the spec language). */
  readonly faults?: string | readonly FaultRule[];
  /**
   * The simulated clock runs this many times faster than real time, from `now` (or from the start):
   * an hour of the liquidation stream in seconds. Default: a fixed `now`, or the real clock.
   */
  readonly speed?: number;
  /** Archive files served damaged (Binance's data.binance.vision layout, under `/data/`). */
  readonly archiveFaults?: ArchiveFaults;
  /** How often liquidations happen, relative to the default (the bench raises it). */
  readonly liquidationRate?: number;
  /** Called as each request arrives, before it is answered (tests use it to act at an exact moment). */
  readonly onRequest?: (path: string, query: URLSearchParams) => void;
}

export interface RunningSim {
  readonly url: string;
  readonly port: number;
  readonly catalog: MarketCatalog;
  now(): number;
  /** Move the exchange's clock (epoch ms). */
  setNow(t: number): void;
  /** The USDT-M liquidation streams (websocket): connections as the simulator saw them, and their faults. */
  readonly liquidations: LiquidationStream;
  /** Requests served, by path (`/api/v3/klines` → 12). */
  readonly requests: Map<string, number>;
  /** Responses by HTTP status (to check that a client backs off after a 429). */
  readonly statuses: Map<number, number>;
  /** Request weight charged, by API family (what the limiter counted, refused requests included). */
  readonly weights: Map<ApiFamily, number>;
  /** The injected faults, and how often each fired. */
  readonly faults: FaultPlan;
  /** Request headers seen, lower-cased names (to check that no API key is ever sent). */
  readonly headerNames: Set<string>;
  close(): Promise<void>;
}

const DEFAULT_LIMITS: Record<ApiFamily, RateLimitConfig> = {
  spot: { limit: 6000, windowMs: 60_000, banBaseMs: 120_000 },
  futures: { limit: 2400, windowMs: 60_000, banBaseMs: 120_000 },
  // funding history and funding info share 500 requests per 5 minutes per IP, apart from the weight budget
  funding: { limit: 500, windowMs: 300_000, banBaseMs: 120_000 },
  // the futures statistics (/futures/data): 1,000 requests per 5 minutes per IP
  'futures-data': { limit: 1000, windowMs: 300_000, banBaseMs: 120_000 },
  // CoinGecko's paid plans allow 500 calls a minute (the free demo plan 30); a 429 carries Retry-After
  coingecko: { limit: 500, windowMs: 60_000, banBaseMs: 0 },
  // data.binance.vision is a file host: no weight, no limit
  archive: { limit: Number.MAX_SAFE_INTEGER, windowMs: 60_000, banBaseMs: 0 },
};

/** Start the Binance-dialect exchange simulator on loopback. */
export async function startSim(opts: SimOptions = {}): Promise<RunningSim> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) throw new UsageError(`--host "${host}" is not a loopback address (expected 127.x.x.x, ::1 or localhost)`);
  let fixedNow = opts.speed ? opts.now ?? Date.now() : opts.now;
  let realAt = Date.now();
  const now = () => fixedNow === undefined ? Date.now() : opts.speed ? Math.floor(fixedNow + (Date.now() - realAt) * opts.speed) : fixedNow;
  const coins = opts.universe ? coinMarket(opts.seed ?? 1, now()) : [];
  const catalog = MarketCatalog.build({ seed: opts.seed ?? 1, symbols: opts.symbols, replay: opts.replay, perpetuals: coins.filter((c) => c.perpBase) });
  const limits = limitConfig(opts.rateLimits);
  const limiters = {
    spot: new WeightLimiter(limits.spot, opts.rateClock),
    futures: new WeightLimiter(limits.futures, opts.rateClock),
    funding: new WeightLimiter(limits.funding, opts.rateClock),
    'futures-data': new WeightLimiter(limits['futures-data'], opts.rateClock),
    coingecko: new WeightLimiter(limits.coingecko, opts.rateClock),
    archive: new WeightLimiter(limits.archive, opts.rateClock),
  };
  const router = new Router();
  const pageCache = new PageCache();
  addSpotRoutes(router, { catalog, now, rateLimit: limits.spot, pageCache });
  addFuturesRoutes(router, { catalog, now, rateLimit: limits.futures, pageCache });
  addFundingRoutes(router, { catalog, now, seed: opts.seed ?? 1 });
  addFuturesDataRoutes(router, { catalog, now, seed: opts.seed ?? 1 });
  if (opts.universe) addCoinGeckoRoutes(router, { coins, seed: opts.seed ?? 1, now });
  addArchiveRoutes(router, { catalog, now, faults: opts.archiveFaults });
  const requests = new Map<string, number>();
  const statuses = new Map<number, number>();
  const headerNames = new Set<string>();
  const faults = new FaultPlan(typeof opts.faults === 'string' ? parseFaultSpec(opts.faults) : opts.faults ?? []);
  const weights = new Map<ApiFamily, number>();
  const ctx: ServeContext = { router, limiters, faults, catalog, seed: opts.seed ?? 1, weights };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    for (const name of Object.keys(req.headers)) headerNames.add(name);
    opts.onRequest?.(path, new URL(req.url ?? '/', 'http://sim').searchParams);
    res.on('finish', () => statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1));
    serve(ctx, req, res);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, host, opts.port ?? 8787)));
    server.listen(opts.port ?? 8787, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const liquidations = attachLiquidationStream(server, catalog, opts.seed ?? 1, now, opts.liquidationRate);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port, catalog, now, requests, statuses, weights, faults, headerNames, liquidations,
    setNow: (t) => { fixedNow = t; realAt = Date.now(); },
    close: () => new Promise((resolve) => { liquidations.close(); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A port that is taken or not ours to bind is the user's to change: one line, no stack. */
function listenError(e: NodeJS.ErrnoException, host: string, port: number): Error {
  if (e.code === 'EADDRINUSE') return new UsageError(`--port ${port} is already in use on ${host} (expected a free port, or --port 0 for any)`);
  if (e.code === 'EACCES') return new UsageError(`--port ${port} needs privileges on ${host} (expected a port above 1023, or --port 0 for any)`);
  if (e.code === 'EADDRNOTAVAIL') return new UsageError(`--host ${host} is not an address of this machine`);
  return e;
}

function limitConfig(custom: SimOptions['rateLimits']): Record<ApiFamily, RateLimitConfig> {
  return {
    spot: { ...DEFAULT_LIMITS.spot, ...custom?.spot },
    futures: { ...DEFAULT_LIMITS.futures, ...custom?.futures },
    funding: { ...DEFAULT_LIMITS.funding, ...custom?.funding },
    'futures-data': { ...DEFAULT_LIMITS['futures-data'], ...custom?.['futures-data'] },
    coingecko: { ...DEFAULT_LIMITS.coingecko, ...custom?.coingecko },
    archive: DEFAULT_LIMITS.archive,
  };
}

interface ServeContext {
  readonly router: Router;
  readonly limiters: Record<ApiFamily, WeightLimiter>;
  readonly faults: FaultPlan;
  readonly catalog: MarketCatalog;
  readonly seed: number;
  readonly weights: Map<ApiFamily, number>;
}

function serve(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://sim');
  const family: ApiFamily = url.pathname.startsWith('/data/') ? 'archive'
    : url.pathname.startsWith('/coingecko') ? 'coingecko'
    : /\/funding(Rate|Info)$/.test(url.pathname) ? 'funding'
    : url.pathname.startsWith('/futures/data/') ? 'futures-data'
    : url.pathname.startsWith('/fapi') || url.pathname.startsWith('/futures') ? 'futures' : 'spot';
  const fault = ctx.faults.pick(url.pathname, url.searchParams.get('symbol')?.toUpperCase() ?? null);
  const found = ctx.router.find(req.method ?? 'GET', url.pathname);
  const route = found?.route;
  const weight = route ? route.weight(url.searchParams) : 1;
  ctx.weights.set(family, (ctx.weights.get(family) ?? 0) + weight);
  const admission = ctx.limiters[family].admit(weight);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json;charset=UTF-8',
    ...(family === 'coingecko' || family === 'archive' ? {} : { [`X-MBX-USED-WEIGHT-${windowLabel(ctx.limiters[family].config.windowMs)}`]: String(admission.used) }),
  };
  if (fault && answerWithFault(fault, res, headers)) return;
  if (fault) rewriteRequest(fault, url.searchParams, ctx.catalog, family);
  let reply: SimResponse;
  if (!admission.ok) {
    headers['Retry-After'] = String(Math.max(1, Math.ceil(admission.retryAfterMs / 1000)));
    reply = family === 'coingecko'
      ? coingeckoError(429, "You've exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits.")
      : admission.status === 429
      ? binanceError(429, -1003, 'Too many requests; current limit of IP(127.0.0.1) is exceeded. Please use the websocket for live updates to avoid polling the API.')
      : binanceError(418, -1003, `Way too many requests; IP(127.0.0.1) banned until ${Date.now() + admission.retryAfterMs}. Please use the websocket for live updates to avoid bans.`);
  } else if (!route) {
    reply = binanceError(404, -1000, `Unknown endpoint ${req.method} ${url.pathname}.`);
  } else {
    reply = handleSafely(() => route.handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams }, found!.match));
  }
  if (fault) reply = mangleReply(fault, reply, ctx.seed, ctx.faults.fired.get(fault.kind) ?? 0);
  if (fault?.kind === 'reset') return resetMidBody(res, headers, reply);
  res.writeHead(reply.status, reply.contentType ? { ...headers, 'Content-Type': reply.contentType } : headers).end(reply.body);
}

/** A window as Binance names it in its weight header: 60 s → `1M`, 10 s → `10S`. */
export function windowLabel(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}M` : `${Math.max(1, Math.round(ms / 1000))}S`;
}

/** Send the headers and half the body, then drop the connection. */
function resetMidBody(res: ServerResponse, headers: Record<string, string>, reply: SimResponse): void {
  const body = Buffer.from(reply.body);
  res.writeHead(reply.status, { ...headers, 'Content-Length': String(body.length) });
  res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
}

function handleSafely(handle: () => SimResponse): SimResponse {
  try {
    return handle();
  } catch (e) {
    return binanceError(500, -1000, `An unknown error occurred while processing the request. (${(e as Error).message})`);
  }
}
