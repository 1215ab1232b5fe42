import { join } from 'node:path';
import WebSocket from 'ws';
import { ExchangeError } from '../core/errors.js';
import type { Log } from '../core/log.js';
import { writeJsonFile } from '../store/json-file.js';
import { liquidationsDir, mergeJournals, newJournal, type Journal, type MergeTarget } from './journal.js';
import type { FeedContext, LiquidationFeed } from './feed.js';

/** The exchange's clock as the recorder keeps it: coverage is recorded in exchange time, like the events. */
export interface ExchangeClock {
  now(): number;
}

export interface RecorderOptions {
  readonly dataDir: string;
  /** The venue recorded: its folder holds the day stores and the journal. */
  readonly venue: string;
  /** Names the venue's stores went by (the legacy layout's footers). */
  readonly aliases?: readonly string[];
  /** The venue's stream: where, how to subscribe, how to read a frame. */
  readonly feed: LiquidationFeed;
  /** What a frame's reader needs of the markets (contract sizes). */
  readonly ctx: FeedContext;
  /** Where the events come from (`exchange`, `simulator`), for the footer. */
  readonly source: string;
  /** Base of the venue's websocket API (its real one, or the simulator's `ws://127.0.0.1:port`). */
  readonly wsBase: string;
  /** Exchange ids (`BTCUSDT`) to follow; none: every symbol (the all-market stream, or every perpetual where the venue has none). */
  readonly symbols?: readonly string[];
  /** The symbols were named by the user (not every perpetual of a venue without an all-market stream). */
  readonly named?: boolean;
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
  /**
   * A connection that delivers no frame for this long is taken for a wrong or retired stream: logged as an
   * error, its silent time left out of the coverage, and reconnected. 0 turns it off. Default: 15 minutes
   * on the all-market stream (liquidations happen somewhere every few seconds), off for named symbols
   * (one symbol may rightly be quiet for hours).
   */
  readonly maxQuietMs?: number;
  /** Told of each event as it is journaled (the bench counts them). */
  readonly onEvent?: () => void;
}

export interface RecorderSummary {
  readonly events: number;
  readonly malformed: number;
  readonly connections: number;
  /** Connection attempts that failed (refused upgrades, network errors, silent streams). */
  readonly failedAttempts: number;
}

/** The all-market stream's default quiet limit. */
export const ALL_MARKET_MAX_QUIET_MS = 15 * 60_000;

/** Where a venue's recorder keeps its state for `status`: `<dataDir>/<venue>/liquidations/recorder-status.json`. */
export function recorderStatusPath(dataDir: string, venue: string): string {
  return join(liquidationsDir(dataDir, venue), 'recorder-status.json');
}

/** What `status` shows of the recorder: where it listens, whether it is connected, and its last failure. */
export interface RecorderStatus {
  readonly url: string;
  readonly pid: number;
  readonly state: 'connecting' | 'connected' | 'retrying' | 'stopped' | 'failed';
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly connections: number;
  readonly events: number;
  readonly failedAttempts: number;
  readonly lastEventAt: string | null;
  readonly lastError: { readonly at: string; readonly message: string; readonly status: number | null } | null;
}

/** How one connection ended. */
interface Attempt {
  /** It was open at some point. */
  readonly opened: boolean;
  /** The HTTP status of a refused upgrade. */
  readonly status?: number;
  readonly why: string;
}

/**
 * A refused upgrade that asking again will not change: any 4xx but 408 (timeout) and 429 (too many
 * requests). A moved or retired path answers 404, a forbidden one 403.
 */
function isPermanent(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * Record a venue's liquidation stream until `signal` aborts. Each frame goes to the journal
 * first; the journal is merged into per-day Parquet files every minute and at the end. The connection
 * is kept: our pings catch a stalled stream, any close (a dropped link, a venue's 24-hour cut, an error)
 * is followed by a reconnect with backoff and full jitter, and every connected period is journaled so
 * the day files know their coverage. Every failed attempt is logged as an error with the URL and the
 * HTTP status; a refusal that cannot pass (a 4xx) ends the recording with an ExchangeError.
 */
export async function recordLiquidations(o: RecorderOptions): Promise<RecorderSummary> {
  const url = o.feed.url(o.wsBase, o.symbols);
  const maxQuietMs = o.maxQuietMs ?? ((o.named ?? (o.symbols !== undefined && o.symbols.length > 0)) ? 0 : ALL_MARKET_MAX_QUIET_MS);
  const target: MergeTarget = { dataDir: o.dataDir, venue: o.venue, aliases: o.aliases, feed: o.feed, ctx: o.ctx, source: o.source };
  let rotation = 0;
  let journal: Journal = await newJournal(o.dataDir, o.venue, rotation++);
  // what an earlier, killed run left in its journals is finished first
  await mergeJournals(target, journal.path);
  let events = 0, malformed = 0, connections = 0, failedAttempts = 0;
  let connected = false;
  let failures = 0;
  const status = statusKeeper(recorderStatusPath(o.dataDir, o.venue), url, o.log);
  await status.write({ state: 'connecting' });

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
      journal = await newJournal(o.dataDir, o.venue, rotation++);
      if (connected) {
        const t = o.clock.now();
        old.mark('A', t);
        journal.mark('U', t);
      }
      old.close();
      const r = await mergeJournals(target, journal.path);
      if (r.events > 0) o.log.info({ days: r.days, events: r.events }, 'liquidations merged into day files');
    }).catch((e: Error) => o.log.warn({ err: e.message }, 'merging the journal failed; it is kept and merged later'));
    return merging;
  };
  const merger = setInterval(merge, o.mergeEveryMs ?? 60_000);

  let fatal: ExchangeError | undefined;
  try {
    while (!o.signal.aborted) {
      const attempt = await connectOnce(url, o, maxQuietMs, {
        open: () => {
          connected = true;
          connections++;
          failures = 0;
          journal.mark('U', o.clock.now());
          o.log.info({ url }, 'liquidation stream connected');
          void status.write({ state: 'connected', connections });
        },
        frame: (text) => {
          journal.event(text);
          let n = 0;
          const kind = o.feed.parse(text, o.ctx, () => { n++; });
          if (n > 0) {
            events += n;
            status.event(n);
            for (let i = 0; i < n; i++) o.onEvent?.();
          } else if (kind === 'malformed') {
            malformed++;
            o.log.warn({ frame: text.slice(0, 80) }, 'not a liquidation event: kept in the journal, skipped');
          }
        },
        close: (why, coveredUntil) => {
          // a silent stream is not coverage: the connection counts only up to its last frame (merges while it
          // was silent may have journaled it as covered in files already closed: the span is taken back)
          const now = o.clock.now();
          if (connected) journal.mark('D', now);
          if (coveredUntil !== undefined && coveredUntil < now) journal.uncovered(coveredUntil, now);
          connected = false;
          if (!o.signal.aborted) o.log.warn({ url, why }, 'liquidation stream disconnected');
        },
      });
      if (o.signal.aborted) break;
      const failed = !attempt.opened || attempt.why.startsWith('no frame');
      if (failed) {
        failedAttempts++;
        o.log.error({ url, status: attempt.status ?? null, err: attempt.why }, attempt.status !== undefined
          ? `the liquidation stream refused the connection: HTTP ${attempt.status}`
          : `the liquidation stream failed: ${attempt.why}`);
      }
      await status.write({ state: isPermanent(attempt.status) ? 'failed' : 'retrying', connections, failedAttempts, events },
        failed ? { message: attempt.why, status: attempt.status ?? null } : undefined);
      if (isPermanent(attempt.status)) {
        fatal = new ExchangeError(`the liquidation stream ${url} refused the connection with HTTP ${attempt.status}; `
          + 'asking again will not change that (a moved, retired or forbidden path): nothing is being recorded');
        break;
      }
      failures = attempt.opened && !failed ? 1 : failures + 1;
      const { base, max } = o.backoffMs ?? { base: 250, max: 30_000 };
      await sleep(Math.random() * Math.min(max, base * 2 ** (failures - 1)), o.signal);
    }
  } finally {
    clearInterval(heartbeat);
    clearInterval(merger);
    await merging;
    journal.close();
    await mergeJournals(target);
    await status.write({ state: fatal ? 'failed' : 'stopped', connections, failedAttempts, events });
  }
  if (fatal) throw fatal;
  return { events, malformed, connections, failedAttempts };
}

/** The recorder's status file, rewritten (atomically) when its state changes; events are counted in memory. */
function statusKeeper(path: string, url: string, log: Log) {
  const startedAt = new Date().toISOString();
  let current: RecorderStatus = {
    url, pid: process.pid, state: 'connecting', startedAt, updatedAt: startedAt, connections: 0, events: 0, failedAttempts: 0, lastEventAt: null, lastError: null,
  };
  let writing: Promise<void> = Promise.resolve();
  return {
    event: (n: number) => { current = { ...current, events: current.events + n, lastEventAt: new Date().toISOString() }; },
    write: (change: Partial<RecorderStatus>, error?: { message: string; status: number | null }): Promise<void> => {
      const at = new Date().toISOString();
      current = { ...current, ...change, updatedAt: at, ...(error ? { lastError: { at, ...error } } : {}) };
      const snapshot = current;
      writing = writing.then(() => writeJsonFile(path, snapshot)).catch((e: Error) => log.warn({ err: e.message }, 'could not write the recorder status'));
      return writing;
    },
  };
}

interface Handlers {
  open(): void;
  frame(text: string): void;
  /** The connection ended; `coveredUntil` when its coverage ends before now (it went silent). */
  close(why: string, coveredUntil?: number): void;
}

/** One connection, until it closes: whether it opened, and the HTTP status of a refused upgrade. */
function connectOnce(url: string, o: RecorderOptions, maxQuietMs: number, h: Handlers): Promise<Attempt> {
  return new Promise((resolve) => {
    let opened = false;
    let done = false;
    let refusedWith: number | undefined;
    let lastFrame = { local: Date.now(), exchange: o.clock.now() };
    const ws = new WebSocket(url, { handshakeTimeout: 10_000 });
    let pongDue: NodeJS.Timeout | undefined;
    const pinger = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN || pongDue) return;
      ws.ping();
      pongDue = setTimeout(() => finish('no pong: the stream stalled'), o.pongTimeoutMs ?? 10_000);
    }, o.pingMs ?? 20_000);
    const quiet = maxQuietMs > 0 ? setInterval(() => {
      const silent = Date.now() - lastFrame.local;
      if (opened && silent >= maxQuietMs) finish(`no frame for ${Math.round(silent / 1000)} s: a wrong or retired stream?`, lastFrame.exchange);
    }, Math.min(1_000, maxQuietMs)) : undefined;
    // stopping: a closing handshake, so every event the server sent before it is still read (at most 1 s)
    const onAbort = () => {
      if (ws.readyState !== WebSocket.OPEN) return finish('stopped');
      ws.close(1000, 'stopping');
      setTimeout(() => finish('stopped'), 1_000).unref();
    };
    const finish = (why: string, coveredUntil?: number) => {
      if (done) return;
      done = true;
      clearInterval(pinger);
      if (textPing) clearInterval(textPing);
      if (quiet) clearInterval(quiet);
      if (pongDue) clearTimeout(pongDue);
      o.signal.removeEventListener('abort', onAbort);
      if (opened) h.close(why, coveredUntil);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve({ opened, why, ...(refusedWith !== undefined ? { status: refusedWith } : {}) });
    };
    o.signal.addEventListener('abort', onAbort, { once: true });
    let textPing: NodeJS.Timeout | undefined;
    ws.on('open', () => {
      opened = true;
      lastFrame = { local: Date.now(), exchange: o.clock.now() };
      for (const frame of o.feed.subscribe(o.symbols)) ws.send(frame);
      const ping = o.feed.textPing;
      if (ping) textPing = setInterval(() => { if (ws.readyState === WebSocket.OPEN) ws.send(ping.text); }, ping.everyMs);
      h.open();
    });
    // the server answered the upgrade with something other than 101: its status says why
    ws.on('unexpected-response', (_req, res) => {
      refusedWith = res.statusCode;
      res.resume();
      finish(`HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      lastFrame = { local: Date.now(), exchange: o.clock.now() };
      h.frame(data.toString());
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
