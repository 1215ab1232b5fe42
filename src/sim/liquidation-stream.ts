import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { MarketCatalog, SimMarket } from './market-catalog.js';
import { hash32, makeRng, mix32 } from './rng.js';

/** One event as the simulator sent it (Binance's forceOrder payload). */
export interface SentLiquidation {
  readonly e: 'forceOrder';
  readonly E: number;
  readonly o: Readonly<Record<string, string | number>>;
}

/**
 * Binance serves `forceOrder` under the market category root only (`/market/ws/…`,
 * `/market/stream?streams=…`) since the legacy roots were retired on 2026-04-23: an upgrade anywhere
 * else is refused with 404.
 */
export const LIQUIDATION_ROOT = '/market';

/** A connection as the simulator saw it: when it opened and closed (stream clock), and what it was sent. */
export interface StreamConnection {
  readonly id: number;
  readonly openedAt: number;
  closedAt?: number;
  /** How it ended: `client`, `drop`, `disconnect`, `stall` (the client gave up on a stalled stream), `shutdown`. */
  endedBy?: string;
  readonly sent: SentLiquidation[];
}

/** The websocket side of the simulator: Binance's USDT-M liquidation streams, and faults to inject into them. */
export interface LiquidationStream {
  readonly connections: StreamConnection[];
  /** Drop every open connection (a broken link): sending stops now, the socket is cut a moment later. */
  drop(): void;
  /** Stop sending and stop answering pings on every open connection, as a stalled stream does. */
  stall(): void;
  /** Send a frame that is not JSON to every open connection. */
  malformed(): void;
  /** Close every open connection from the server's side (as Binance does after 24 hours). */
  disconnect(): void;
  /** Keep every connection open and answering pings, but send no event (a stream that went quiet or wrong). */
  mute(): void;
  /** Answer every upgrade from now on with this HTTP status (403, 404, 429, 503…); undefined accepts again. */
  refuse(status: number | undefined): void;
  close(): void;
}

/**
 * The event of a perpetual at one second of the stream, or none. Deterministic in (seed, market,
 * second), at most one per symbol per second (Binance sends the latest of each second), more often on
 * days the price moves more. `rate` scales how often (the bench raises it).
 */
export function liquidationAt(m: SimMarket, seed: number, second: number, rate = 1): SentLiquidation | undefined {
  const key = `${seed}|${m.id}`;
  let base = KEYS.get(key);
  if (base === undefined) KEYS.set(key, base = hash32(`liquidation|${key}`));
  const rng = makeRng(mix32(base, second));
  const t = second * 1000;
  const price = m.source.priceNear?.(t) ?? 1;
  const next = m.source.priceNear?.(t + 86_400_000) ?? price;
  const move = Math.abs(next / price - 1);
  if (rng() > Math.min(1, 0.02 * rate * (1 + 20 * move))) return undefined;
  const decimals = m.source.priceDecimals;
  const order = price * (1 + (rng() - 0.5) * 0.02);
  const px = order.toFixed(decimals);
  const qty = (Math.max(0.001, (rng() * 20_000) / price)).toFixed(3);
  const T = t + Math.floor(rng() * 1000);
  const side = rng() < 0.5 ? 'SELL' : 'BUY';
  // the order's price is its limit; it fills at better prices on average (a sell above it, a buy below), as
  // recorded frames show (SELL p 26142.12, ap 26245.10); sometimes at the limit itself
  const better = rng() < 0.3 ? 0 : rng() * 0.005;
  const ap = (order * (side === 'SELL' ? 1 + better : 1 - better)).toFixed(decimals);
  return {
    e: 'forceOrder', E: T + 1 + Math.floor(rng() * 5),
    // `ps` (the pair) and `st` are sent since 2026 (recorded 2026-10-06); the recorder keeps but does not read them
    o: { s: m.id, S: side, o: 'LIMIT', f: 'IOC', q: qty, p: px, ap, X: 'FILLED', l: qty, z: qty, T, ps: m.id, st: 1 },
  };
}

const KEYS = new Map<string, number>();

interface Client {
  readonly ws: WebSocket;
  readonly conn: StreamConnection;
  /** Symbols (exchange ids) followed; undefined: all. */
  symbols: Set<string> | undefined;
  /** Wrap events as a combined stream does. */
  readonly combined: boolean;
  /** Stop sending (and answering pings: a stall). */
  quiet: boolean;
  /** Stop sending, still answering pings. */
  muted: boolean;
}

export function attachLiquidationStream(server: Server, catalog: MarketCatalog, seed: number, now: () => number, rate = 1): LiquidationStream {
  const wss = new WebSocketServer({ noServer: true, autoPong: false });
  const clients = new Set<Client>();
  const connections: StreamConnection[] = [];
  let cursor = Math.floor(now() / 1000);
  let refusal: number | undefined;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'ws://sim');
    const wanted = subscriptionOf(url);
    if (wanted === null || refusal !== undefined) {
      const status = refusal ?? 404;
      socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Refused'}\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: StreamConnection = { id: connections.length + 1, openedAt: now(), sent: [] };
      connections.push(conn);
      const c: Client = { ws, conn, symbols: wanted.symbols, combined: wanted.combined, quiet: false, muted: false };
      clients.add(c);
      ws.on('ping', (data) => { if (!c.quiet) ws.pong(data); });
      ws.on('message', (data) => subscribe(c, data.toString()));
      ws.on('close', () => end(c, conn.endedBy ?? 'client'));
      ws.on('error', () => end(c, conn.endedBy ?? 'client'));
    });
  });

  const end = (c: Client, why: string) => {
    if (!clients.delete(c)) return;
    c.conn.closedAt ??= now();
    c.conn.endedBy ??= why;
  };

  const tick = setInterval(() => {
    const upTo = Math.floor(now() / 1000);
    // a clock moved back, or far ahead (a test's setNow): the stream goes on from the new time
    if (upTo < cursor || upTo - cursor > 3600) cursor = upTo;
    if (upTo <= cursor || clients.size === 0) {
      cursor = Math.max(cursor, upTo);
      return;
    }
    for (let second = cursor; second < upTo; second++) {
      for (const m of catalog.perp.values()) {
        const ev = liquidationAt(m, seed, second, rate);
        if (!ev) continue;
        for (const c of clients) {
          if (c.quiet || c.muted || (c.symbols && !c.symbols.has(m.id)) || c.ws.readyState !== WebSocket.OPEN) continue;
          // a combined stream names the stream subscribed: the all-market one, or the symbol's
          const stream = c.symbols ? `${m.id.toLowerCase()}@forceOrder` : '!forceOrder@arr';
          c.ws.send(JSON.stringify(c.combined ? { stream, data: ev } : ev));
          c.conn.sent.push(ev);
        }
      }
    }
    cursor = upTo;
  }, 20);
  tick.unref();

  const each = (fn: (c: Client) => void) => { for (const c of [...clients]) fn(c); };
  return {
    connections,
    drop: () => each((c) => {
      c.quiet = true;
      c.conn.endedBy = 'drop';
      c.conn.closedAt = now();
      setTimeout(() => c.ws.terminate(), 30).unref();
    }),
    stall: () => each((c) => {
      c.quiet = true;
      c.conn.endedBy = 'stall';
      c.conn.closedAt = now();
    }),
    malformed: () => each((c) => c.ws.send('{"e":"forceOrder","E":17')),
    mute: () => each((c) => { c.muted = true; }),
    refuse: (status) => { refusal = status; },
    disconnect: () => each((c) => {
      c.quiet = true;
      c.conn.endedBy = 'disconnect';
      c.conn.closedAt = now();
      c.ws.close(1001, 'server shutdown');
    }),
    close: () => {
      clearInterval(tick);
      each((c) => { c.conn.endedBy ??= 'shutdown'; c.ws.terminate(); });
      wss.close();
    },
  };
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

/**
 * What a path asks for, under the market root only: `/market/ws/!forceOrder@arr`,
 * `/market/ws/<sym>@forceOrder`, `/market/stream?streams=…`, or `/market/ws` (then SUBSCRIBE).
 */
function subscriptionOf(url: URL): { symbols: Set<string> | undefined; combined: boolean } | null {
  if (!url.pathname.startsWith(`${LIQUIDATION_ROOT}/`)) return null;
  const path = url.pathname.slice(LIQUIDATION_ROOT.length);
  if (path === '/stream') {
    const streams = (url.searchParams.get('streams') ?? '').split('/').filter(Boolean);
    return { symbols: symbolsOf(streams), combined: true };
  }
  if (path === '/ws') return { symbols: new Set(), combined: false };
  const m = /^\/ws\/(.+)$/.exec(path);
  return m ? { symbols: symbolsOf([m[1]!]), combined: false } : null;
}

function symbolsOf(streams: readonly string[]): Set<string> | undefined {
  if (streams.includes('!forceOrder@arr')) return undefined;
  return new Set(streams.filter((s) => s.endsWith('@forceOrder')).map((s) => s.slice(0, -'@forceOrder'.length).toUpperCase()));
}

/** `{"method":"SUBSCRIBE","params":["btcusdt@forceOrder"],"id":1}` (and UNSUBSCRIBE), answered as Binance does. */
function subscribe(c: Client, text: string): void {
  let msg: { method?: string; params?: string[]; id?: number };
  try {
    msg = JSON.parse(text) as typeof msg;
  } catch {
    c.ws.send(JSON.stringify({ error: { code: 2, msg: 'Invalid request' } }));
    return;
  }
  const params = msg.params ?? [];
  if (msg.method === 'SUBSCRIBE') {
    const add = symbolsOf(params);
    c.symbols = add === undefined || c.symbols === undefined ? undefined : new Set([...c.symbols, ...add]);
  } else if (msg.method === 'UNSUBSCRIBE' && c.symbols) {
    for (const s of symbolsOf(params) ?? []) c.symbols.delete(s);
  }
  c.ws.send(JSON.stringify({ result: null, id: msg.id ?? null }));
}
