import WebSocket from 'ws';
import type { Log } from '../pipeline/log.js';
import { mergeJournals, newJournal, type Journal } from './journal.js';
import { parseLiquidation } from './events.js';

/** The exchange's clock as the recorder keeps it: coverage is recorded in exchange time, like the events. */
export interface ExchangeClock {
  now(): number;
}

export interface RecorderOptions {
  readonly dataDir: string;
  /** Base of the USDT-M websocket API: `wss://fstream.binance.com`, or the simulator's `ws://127.0.0.1:port`. */
  readonly wsBase: string;
  /** Exchange ids (`BTCUSDT`) to follow; none: every symbol, through the all-market stream. */
  readonly symbols?: readonly string[];
  readonly clock: ExchangeClock;
  readonly log: Log;
  readonly signal: AbortSignal;
  /** Journal → day files this often (default 60 s). */
  readonly mergeEveryMs?: number;
  /** Our ping, and how long its pong may take before the stream counts as stalled (default 20 s / 10 s). */
  readonly pingMs?: number;
  readonly pongTimeoutMs?: number;
  /** Reconnect backoff: first wait and most (default 250 ms … 30 s), with full jitter. */
  readonly backoffMs?: { readonly base: number; readonly max: number };
  /** Told of each event as it is journaled (the bench counts them). */
  readonly onEvent?: () => void;
}

export interface RecorderSummary {
  readonly events: number;
  readonly malformed: number;
  readonly connections: number;
}

/** The stream's URL: all symbols (`/ws/!forceOrder@arr`) or the named ones (a combined stream). */
export function streamUrl(base: string, symbols?: readonly string[]): string {
  const root = base.replace(/\/+$/, '');
  if (!symbols || symbols.length === 0) return `${root}/ws/!forceOrder@arr`;
  return `${root}/stream?streams=${symbols.map((s) => `${s.toLowerCase()}@forceOrder`).join('/')}`;
}

/**
 * Record Binance's USDT-M liquidation stream until `signal` aborts. Each frame goes to the journal
 * first; the journal is merged into per-day Parquet files every minute and at the end. The connection
 * is kept: our pings catch a stalled stream, any close (a dropped link, Binance's 24-hour cut, an error)
 * is followed by a reconnect with backoff and full jitter, and every connected period is journaled so
 * the day files know their coverage.
 */
export async function recordLiquidations(o: RecorderOptions): Promise<RecorderSummary> {
  const url = streamUrl(o.wsBase, o.symbols);
  let rotation = 0;
  let journal: Journal = await newJournal(o.dataDir, rotation++);
  // what an earlier, killed run left in its journals is finished first
  await mergeJournals(o.dataDir, journal.path);
  let events = 0, malformed = 0, connections = 0;
  let connected = false;
  let failures = 0;

  // a sign of life 4 times a second (where a killed run's coverage ends), fsync once a second
  let beats = 0;
  const heartbeat = setInterval(() => {
    if (connected) journal.mark('A', o.clock.now());
    if (++beats % 4 === 0) journal.sync();
  }, 250);
  let merging: Promise<unknown> = Promise.resolve();
  const merge = () => {
    merging = merging.then(async () => {
      const old = journal;
      journal = await newJournal(o.dataDir, rotation++);
      if (connected) {
        const t = o.clock.now();
        old.mark('A', t);
        journal.mark('U', t);
      }
      old.close();
      const r = await mergeJournals(o.dataDir, journal.path);
      if (r.events > 0) o.log.info({ days: r.days, events: r.events }, 'liquidations merged into day files');
    }).catch((e: Error) => o.log.warn({ err: e.message }, 'merging the journal failed; it is kept and merged later'));
    return merging;
  };
  const merger = setInterval(merge, o.mergeEveryMs ?? 60_000);

  try {
    while (!o.signal.aborted) {
      const opened = await connectOnce(url, o, {
        open: () => {
          connected = true;
          connections++;
          failures = 0;
          journal.mark('U', o.clock.now());
          o.log.info({ url }, 'liquidation stream connected');
        },
        frame: (text) => {
          journal.event(text);
          if (parseLiquidation(text)) {
            events++;
            o.onEvent?.();
          } else if (!text.includes('"result"')) {
            malformed++;
            o.log.warn({ frame: text.slice(0, 80) }, 'not a liquidation event: kept in the journal, skipped');
          }
        },
        close: (why) => {
          if (connected) journal.mark('D', o.clock.now());
          connected = false;
          if (!o.signal.aborted) o.log.warn({ why }, 'liquidation stream disconnected');
        },
      });
      if (o.signal.aborted) break;
      failures = opened ? 1 : failures + 1;
      const { base, max } = o.backoffMs ?? { base: 250, max: 30_000 };
      await sleep(Math.random() * Math.min(max, base * 2 ** (failures - 1)), o.signal);
    }
  } finally {
    clearInterval(heartbeat);
    clearInterval(merger);
    await merging;
    journal.close();
    await mergeJournals(o.dataDir);
  }
  return { events, malformed, connections };
}

interface Handlers {
  open(): void;
  frame(text: string): void;
  close(why: string): void;
}

/** One connection, until it closes; true when it was open at some point. */
function connectOnce(url: string, o: RecorderOptions, h: Handlers): Promise<boolean> {
  return new Promise((resolve) => {
    let opened = false;
    let done = false;
    const ws = new WebSocket(url, { handshakeTimeout: 10_000 });
    let pongDue: NodeJS.Timeout | undefined;
    const pinger = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN || pongDue) return;
      ws.ping();
      pongDue = setTimeout(() => finish('no pong: the stream stalled'), o.pongTimeoutMs ?? 10_000);
    }, o.pingMs ?? 20_000);
    // stopping: a closing handshake, so every event the server sent before it is still read (at most 1 s)
    const onAbort = () => {
      if (ws.readyState !== WebSocket.OPEN) return finish('stopped');
      ws.close(1000, 'stopping');
      setTimeout(() => finish('stopped'), 1_000).unref();
    };
    const finish = (why: string) => {
      if (done) return;
      done = true;
      clearInterval(pinger);
      if (pongDue) clearTimeout(pongDue);
      o.signal.removeEventListener('abort', onAbort);
      if (opened) h.close(why);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve(opened);
    };
    o.signal.addEventListener('abort', onAbort, { once: true });
    ws.on('open', () => {
      opened = true;
      h.open();
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) h.frame(data.toString());
    });
    ws.on('pong', () => {
      if (pongDue) clearTimeout(pongDue);
      pongDue = undefined;
    });
    ws.on('close', (code, reason) => finish(o.signal.aborted ? 'stopped' : `closed by the server (${code}${reason.length ? ` ${reason.toString()}` : ''})`));
    ws.on('error', (e) => finish(e.message));
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
