import type { ModelLiquidation, StreamClient, StreamFormat } from '../liquidation-stream.js';

/** One event as Binance sends it (its forceOrder payload). */
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

/**
 * Binance's USDT-M `forceOrder` streams: at most one order per symbol per second, the latest of that
 * second (Binance's docs), so the feed is sampled; `!forceOrder@arr` for every symbol, `<sym>@forceOrder`
 * per symbol, combined streams wrapped `{"stream":…,"data":…}`.
 */
export const BINANCE_LIQUIDATION_FORMAT: StreamFormat<SentLiquidation> = {
  accept: subscriptionOf,
  idOf: (m) => m.id,
  message: subscribe,
  frames: (events, c) => {
    const latest = new Map<string, ModelLiquidation>();
    for (const e of events) latest.set(e.market.id, e);
    return [...latest.values()].sort((a, b) => a.time - b.time).map((e) => {
      const ev = payload(e);
      // a combined stream names the stream subscribed: the all-market one, or the symbol's
      const stream = c.symbols ? `${e.market.id.toLowerCase()}@forceOrder` : '!forceOrder@arr';
      return { text: JSON.stringify(c.combined ? { stream, data: ev } : ev), sent: [ev] };
    });
  },
};

function payload(e: ModelLiquidation): SentLiquidation {
  const id = e.market.id;
  const qty = e.quantity.toFixed(3);
  // `ps` (the pair) and `st` are sent since 2026 (recorded 2026-10-06); the recorder keeps but does not read them
  return {
    e: 'forceOrder', E: e.sentAt,
    o: { s: id, S: e.side, o: 'LIMIT', f: 'IOC', q: qty, p: e.price.toFixed(e.priceDecimals), ap: e.averagePrice.toFixed(e.priceDecimals), X: 'FILLED', l: qty, z: qty, T: e.time, ps: id, st: 1 },
  };
}

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
function subscribe(text: string, c: StreamClient): { symbols?: Set<string> | undefined; reply?: string } {
  let msg: { method?: string; params?: string[]; id?: number };
  try {
    msg = JSON.parse(text) as typeof msg;
  } catch {
    return { reply: JSON.stringify({ error: { code: 2, msg: 'Invalid request' } }) };
  }
  const params = msg.params ?? [];
  let symbols = c.symbols;
  if (msg.method === 'SUBSCRIBE') {
    const add = symbolsOf(params);
    symbols = add === undefined || c.symbols === undefined ? undefined : new Set([...c.symbols, ...add]);
  } else if (msg.method === 'UNSUBSCRIBE' && c.symbols) {
    symbols = new Set(c.symbols);
    for (const s of symbolsOf(params) ?? []) symbols.delete(s);
  }
  return { symbols, reply: JSON.stringify({ result: null, id: msg.id ?? null }) };
}
