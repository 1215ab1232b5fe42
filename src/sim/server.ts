import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { UsageError } from '../core/errors.js';
import { isLoopbackHost } from '../core/loopback.js';
import { allDialects, type RunningDialect } from './dialect.js';
import { FaultPlan, parseFaultSpec, type FaultRule } from './faults.js';
import type { LiquidationStream } from './liquidation-stream.js';
import { MarketCatalog } from './market-catalog.js';
import { PageCache } from './page-cache.js';
import type { RateLimitConfig } from './rate-limiter.js';
import type { ApiFamily, SimResponse } from './router.js';
import { coinMarket } from './coingecko/coin-market.js';
import { hash32, makeRng } from './rng.js';

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
  /** Limits of the dialects' budgets, by family name (the default venue's `spot`, `futures`…; `coingecko`). */
  readonly rateLimits?: Readonly<Record<ApiFamily, Partial<RateLimitConfig>>>;
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
  /** Options of one dialect, by its id (the default venue's archive faults: `{ archiveFaults }`). */
  readonly dialectOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Only these venues' dialects (default: every one); other sources (CoinGecko) are always served. */
  readonly venues?: readonly string[];
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
  /** The default venue's liquidation stream (websocket): connections as the simulator saw them, and their faults. */
  readonly liquidations: LiquidationStream<any>;
  /** A venue's liquidation stream. */
  stream(venue: string): LiquidationStream<any>;
  /** The venues served. */
  readonly venues: readonly string[];
  /** Requests served, by path (`/api/v3/klines` → 12). */
  readonly requests: Map<string, number>;
  /** Responses by HTTP status (to check that a client backs off after a 429). */
  readonly statuses: Map<number, number>;
  /** Request weight charged, by budget (`family`, or `<venue> family` for a venue other than the default), refused requests included. */
  readonly weights: Map<string, number>;
  /** The injected faults, and how often each fired. */
  readonly faults: FaultPlan;
  /** Request headers seen, lower-cased names (to check that no API key is ever sent). */
  readonly headerNames: Set<string>;
  close(): Promise<void>;
}


/** Start the exchange simulator on loopback: every venue's dialect (or those asked for) on one port. */
export async function startSim(opts: SimOptions = {}): Promise<RunningSim> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) throw new UsageError(`--host "${host}" is not a loopback address (expected 127.x.x.x, ::1 or localhost)`);
  let fixedNow = opts.speed ? opts.now ?? Date.now() : opts.now;
  let realAt = Date.now();
  const now = () => fixedNow === undefined ? Date.now() : opts.speed ? Math.floor(fixedNow + (Date.now() - realAt) * opts.speed) : fixedNow;
  const coins = opts.universe ? coinMarket(opts.seed ?? 1, now()) : [];
  const catalog = MarketCatalog.build({ seed: opts.seed ?? 1, symbols: opts.symbols, replay: opts.replay, perpetuals: coins.filter((c) => c.perpBase) });
  const known = allDialects().filter((d) => d.kind === 'venue').map((d) => d.id);
  for (const v of opts.venues ?? []) if (!known.includes(v)) throw new UsageError(`--exchange "${v}": the simulator speaks ${known.join(', ')}`);
  const pageCache = new PageCache();
  const dialects: RunningDialect[] = allDialects()
    .filter((d) => d.kind === 'source' || !opts.venues || opts.venues.includes(d.id))
    .map((d) => d.start({
      catalog, now, seed: opts.seed ?? 1, pageCache, rateClock: opts.rateClock, rateLimits: opts.rateLimits, coins,
      liquidationRate: opts.liquidationRate, options: opts.dialectOptions?.[d.id],
    }));
  const defaultVenue = allDialects().find((d) => d.isDefault)?.id;
  const requests = new Map<string, number>();
  const statuses = new Map<number, number>();
  const headerNames = new Set<string>();
  const faults = new FaultPlan(typeof opts.faults === 'string' ? parseFaultSpec(opts.faults) : opts.faults ?? []);
  const weights = new Map<string, number>();
  const ctx: ServeContext = { dialects, faults, seed: opts.seed ?? 1, weights, defaultVenue };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    for (const name of Object.keys(req.headers)) headerNames.add(name);
    opts.onRequest?.(path, new URL(req.url ?? '/', 'http://sim').searchParams);
    res.on('finish', () => statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1));
    serve(ctx, req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    for (const d of dialects) if (d.stream?.upgrade(req, socket, head)) return;
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, host, opts.port ?? 8787)));
    server.listen(opts.port ?? 8787, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const streamOf = (venue: string) => {
    const s = dialects.find((d) => d.id === venue)?.stream;
    if (!s) throw new UsageError(`the simulator serves no liquidation stream of "${venue}"`);
    return s;
  };
  const venues = dialects.filter((d) => known.includes(d.id)).map((d) => d.id);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port, catalog, now, requests, statuses, weights, faults, headerNames, venues,
    get liquidations() { return streamOf(defaultVenue && venues.includes(defaultVenue) ? defaultVenue : venues[0]!); },
    stream: streamOf,
    setNow: (t) => { fixedNow = t; realAt = Date.now(); },
    close: () => new Promise((resolve) => { for (const d of dialects) d.close(); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A port that is taken or not ours to bind is the user's to change: one line, no stack. */
function listenError(e: NodeJS.ErrnoException, host: string, port: number): Error {
  if (e.code === 'EADDRINUSE') return new UsageError(`--port ${port} is already in use on ${host} (expected a free port, or --port 0 for any)`);
  if (e.code === 'EACCES') return new UsageError(`--port ${port} needs privileges on ${host} (expected a port above 1023, or --port 0 for any)`);
  if (e.code === 'EADDRNOTAVAIL') return new UsageError(`--host ${host} is not an address of this machine`);
  return e;
}

interface ServeContext {
  readonly dialects: readonly RunningDialect[];
  readonly faults: FaultPlan;
  readonly seed: number;
  readonly weights: Map<string, number>;
  readonly defaultVenue: string | undefined;
}

/**
 * One request: the dialect whose path it is charges it to its budget, an injected fault may answer
 * instead (in the dialect's own shape where it has one), then its route answers.
 */
function serve(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://sim');
  const method = req.method ?? 'GET';
  const d = ctx.dialects.find((x) => x.owns(url.pathname));
  const headers: Record<string, string> = { 'Content-Type': 'application/json;charset=UTF-8' };
  if (!d) {
    res.writeHead(404, headers).end(JSON.stringify({ code: 404, msg: `Unknown endpoint ${method} ${url.pathname}.` }));
    return;
  }
  const fault = ctx.faults.pick(url.pathname, d.symbolOf(url.searchParams));
  const found = d.router.find(method, url.pathname);
  const route = found?.route;
  const charge = d.charge(url.pathname, url.searchParams, route);
  const key = d.id === ctx.defaultVenue ? charge.family : `${d.id} ${charge.family}`;
  ctx.weights.set(key, (ctx.weights.get(key) ?? 0) + charge.weight);
  Object.assign(headers, charge.headers);
  if (fault && answerWithFault(fault, d, res, headers)) return;
  if (fault) d.rewrite(fault.kind, url.pathname, url.searchParams);
  let reply: SimResponse;
  if (charge.refusal) {
    Object.assign(headers, charge.refusal.headers);
    reply = charge.refusal;
  } else if (!route) {
    reply = d.notFound(method, url.pathname);
  } else {
    try {
      reply = route.handle({ method, path: url.pathname, query: url.searchParams }, found!.match);
    } catch (e) {
      reply = d.internalError((e as Error).message);
    }
  }
  if (fault) reply = d.mangle(fault.kind, reply, makeRng(hash32(`fault|${ctx.seed}|${fault.kind}|${ctx.faults.fired.get(fault.kind) ?? 0}`)));
  if (fault?.kind === 'reset') return resetMidBody(res, headers, reply);
  res.writeHead(reply.status, reply.contentType ? { ...headers, 'Content-Type': reply.contentType } : headers).end(reply.body);
}

/** Faults that replace the answer before the route runs; true when the response is taken care of. */
function answerWithFault(f: FaultRule, d: RunningDialect, res: ServerResponse, headers: Record<string, string>): boolean {
  const own = d.faultReply(f.kind, f.retryAfter ?? 1);
  if (own) {
    res.writeHead(own.status, { ...headers, ...own.headers }).end(own.body);
    return true;
  }
  switch (f.kind) {
    case '502':
      res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return true;
    case 'hang':
      return true; // never answer; the client's timeout must save it
    case 'reset-before':
      res.socket?.destroy();
      return true;
    case 'reset-headers':
      res.writeHead(200, { ...headers, 'Content-Length': '4096' });
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), 5);
      return true;
    case 'html':
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!DOCTYPE html><html><body>System maintenance. Please try again later.</body></html>');
      return true;
    default:
      return false;
  }
}

/** Send the headers and half the body, then drop the connection. */
function resetMidBody(res: ServerResponse, headers: Record<string, string>, reply: SimResponse): void {
  const body = Buffer.from(reply.body);
  res.writeHead(reply.status, { ...headers, 'Content-Length': String(body.length) });
  res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
}
