import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { MarketCatalog, SimMarket } from './market-catalog.js';
import { hash32, makeRng, mix32 } from './rng.js';

/**
 * A liquidation of the market model: one forced order on a perpetual, in the market's own units. Every
 * venue's stream is made from the same liquidations, each in its dialect's shape and completeness.
 */
export interface ModelLiquidation {
  readonly market: SimMarket;
  /** When it traded (epoch ms). */
  readonly time: number;
  /** When the venue sends it (a few ms later). */
  readonly sentAt: number;
  /** The order's side: a SELL closes a long. */
  readonly side: 'BUY' | 'SELL';
  /** Base units of the market (`1000PEPE` for a multiplier contract). */
  readonly quantity: number;
  /** The order's price (its limit: the bankruptcy price), and the average it filled at. */
  readonly price: number;
  readonly averagePrice: number;
  readonly priceDecimals: number;
}

/**
 * The liquidations of a perpetual in one second: deterministic in (seed, market, second), more on days
 * the price moves more, sometimes several in one second. `rate` scales how often (the bench raises it).
 */
export function liquidationsAt(m: SimMarket, seed: number, second: number, rate = 1): ModelLiquidation[] {
  const key = `${seed}|${m.id}`;
  let base = KEYS.get(key);
  if (base === undefined) KEYS.set(key, base = hash32(`liquidation|${key}`));
  const rng = makeRng(mix32(base, second));
  const t = second * 1000;
  const price = m.source.priceNear?.(t) ?? 1;
  const next = m.source.priceNear?.(t + 86_400_000) ?? price;
  const move = Math.abs(next / price - 1);
  const p = Math.min(1, 0.02 * rate * (1 + 20 * move));
  if (rng() > p) return [];
  // a cascade: now and then more than one order in the same second (what a sampled feed does not show)
  const count = rng() < 0.25 ? 2 + Math.floor(rng() * 3) : 1;
  const out: ModelLiquidation[] = [];
  for (let i = 0; i < count; i++) {
    const decimals = m.source.priceDecimals;
    const order = Number((price * (1 + (rng() - 0.5) * 0.02)).toFixed(decimals));
    const quantity = Number(Math.max(0.001, (rng() * 20_000) / price).toFixed(3));
    const time = t + Math.floor(rng() * 1000);
    const side = rng() < 0.5 ? 'SELL' : 'BUY';
    // the order's price is its limit; it fills at better prices on average (a sell above it, a buy below),
    // as recorded frames show (SELL p 26142.12, ap 26245.10); sometimes at the limit itself
    const better = rng() < 0.3 ? 0 : rng() * 0.005;
    const averagePrice = Number((order * (side === 'SELL' ? 1 + better : 1 - better)).toFixed(decimals));
    out.push({ market: m, time, sentAt: time + 1 + Math.floor(rng() * 5), side, quantity, price: order, averagePrice, priceDecimals: decimals });
  }
  return out.sort((a, b) => a.time - b.time);
}

const KEYS = new Map<string, number>();

/** A connection as the simulator saw it: when it opened and closed (stream clock), and what it was sent. */
export interface StreamConnection<S = unknown> {
  readonly id: number;
  readonly openedAt: number;
  closedAt?: number;
  /** How it ended: `client`, `drop`, `disconnect`, `stall` (the client gave up on a stalled stream), `idle`, `shutdown`. */
  endedBy?: string;
  /** Every event sent, in the dialect's own shape (one entry per liquidation). */
  readonly sent: S[];
}

/** A venue's liquidation stream as the simulator serves it, and faults to inject into it. */
export interface LiquidationStream<S = unknown> {
  readonly connections: StreamConnection<S>[];
  /** Drop every open connection (a broken link): sending stops now, the socket is cut a moment later. */
  drop(): void;
  /** Stop sending and stop answering pings on every open connection, as a stalled stream does. */
  stall(): void;
  /** Send a frame that is not JSON to every open connection. */
  malformed(): void;
  /** Close every open connection from the server's side (as venues do after 24 hours). */
  disconnect(): void;
  /** Keep every connection open and answering pings, but send no event (a stream that went quiet or wrong). */
  mute(): void;
  /** Answer every upgrade from now on with this HTTP status (403, 404, 429, 503…); undefined accepts again. */
  refuse(status: number | undefined): void;
  close(): void;
}

/** A client as a stream format sees it: what it follows. */
export interface StreamClient {
  /** Market ids followed (the venue's); undefined: every perpetual. */
  symbols: Set<string> | undefined;
  /** The connection was opened on a combined-stream path (a venue may wrap frames then). */
  readonly combined: boolean;
}

/** How one venue streams liquidations: its paths, its subscriptions and pings, its frames. */
export interface StreamFormat<S> {
  /** The subscription an upgrade path asks for; null: not this venue's stream path (refused with 404). */
  accept(url: URL): { symbols: Set<string> | undefined; combined: boolean } | null;
  /** A text message from a client (a subscription, a ping): the client's symbols after it, and the reply. */
  message(text: string, c: StreamClient): { symbols?: Set<string> | undefined; reply?: string };
  /** The venue's id of a market. */
  idOf(m: SimMarket): string;
  /**
   * The frames of one second's liquidations (already those a client follows, in time order): their text,
   * and each liquidation sent as the venue shows it. A sampled venue sends only some of them.
   */
  frames(events: readonly ModelLiquidation[], c: StreamClient, second: number): { text: string; sent: S[] }[];
  /** A connection with no message from the client for this long is closed; undefined: never. */
  readonly idleMs?: number;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

interface Client extends StreamClient {
  readonly ws: WebSocket;
  readonly conn: StreamConnection;
  /** Stop sending (and answering pings: a stall). */
  quiet: boolean;
  /** Stop sending, still answering pings. */
  muted: boolean;
  lastHeard: number;
}

/**
 * A venue's liquidation stream over the market model: `upgrade` takes the venue's websocket upgrades (the
 * server hands it those on its paths), the model's liquidations are sent in the venue's frames as the
 * stream clock passes each second.
 */
export function liquidationStream<S>(format: StreamFormat<S>, catalog: MarketCatalog, seed: number, now: () => number, rate = 1): LiquidationStream<S> & {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
} {
  const wss = new WebSocketServer({ noServer: true, autoPong: false });
  const clients = new Set<Client>();
  const connections: StreamConnection<S>[] = [];
  let cursor = Math.floor(now() / 1000);
  let refusal: number | undefined;

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = new URL(req.url ?? '/', 'ws://sim');
    const wanted = format.accept(url);
    if (wanted === null) return false;
    if (refusal !== undefined) {
      socket.end(`HTTP/1.1 ${refusal} ${STATUS_TEXT[refusal] ?? 'Refused'}\r\nContent-Length: 0\r\n\r\n`);
      return true;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: StreamConnection<S> = { id: connections.length + 1, openedAt: now(), sent: [] };
      connections.push(conn);
      const c: Client = { ws, conn, symbols: wanted.symbols, combined: wanted.combined, quiet: false, muted: false, lastHeard: Date.now() };
      clients.add(c);
      ws.on('ping', (data) => { c.lastHeard = Date.now(); if (!c.quiet) ws.pong(data); });
      ws.on('message', (data) => {
        c.lastHeard = Date.now();
        const r = format.message(data.toString(), c);
        if ('symbols' in r) c.symbols = r.symbols;
        if (r.reply !== undefined && !c.quiet) ws.send(r.reply);
      });
      ws.on('close', () => end(c, conn.endedBy ?? 'client'));
      ws.on('error', () => end(c, conn.endedBy ?? 'client'));
    });
    return true;
  };

  const end = (c: Client, why: string) => {
    if (!clients.delete(c)) return;
    c.conn.closedAt ??= now();
    c.conn.endedBy ??= why;
  };

  const tick = setInterval(() => {
    if (format.idleMs !== undefined) {
      for (const c of [...clients]) {
        if (Date.now() - c.lastHeard < format.idleMs) continue;
        c.conn.endedBy = 'idle';
        c.conn.closedAt = now();
        c.ws.terminate();
      }
    }
    const upTo = Math.floor(now() / 1000);
    // a clock moved back, or far ahead (a test's setNow): the stream goes on from the new time
    if (upTo < cursor || upTo - cursor > 3600) cursor = upTo;
    if (upTo <= cursor || clients.size === 0) {
      cursor = Math.max(cursor, upTo);
      return;
    }
    for (let second = cursor; second < upTo; second++) {
      const events: ModelLiquidation[] = [];
      for (const m of catalog.perp.values()) events.push(...liquidationsAt(m, seed, second, rate));
      if (events.length === 0) continue;
      events.sort((a, b) => a.time - b.time);
      for (const c of clients) {
        if (c.quiet || c.muted || c.ws.readyState !== WebSocket.OPEN) continue;
        const mine = c.symbols ? events.filter((e) => c.symbols!.has(format.idOf(e.market))) : events;
        if (mine.length === 0) continue;
        for (const f of format.frames(mine, c, second)) {
          c.ws.send(f.text);
          c.conn.sent.push(...f.sent);
        }
      }
    }
    cursor = upTo;
  }, 20);
  tick.unref();

  const each = (fn: (c: Client) => void) => { for (const c of [...clients]) fn(c); };
  return {
    upgrade,
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
