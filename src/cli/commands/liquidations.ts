import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { listDayFiles, readDay } from '../../store/liquidation-day.js';
import { coverage } from '../../liquidations/events.js';
import { SyncedClock } from '../../liquidations/exchange-clock.js';
import { liquidationsDir } from '../../liquidations/journal.js';
import { recordLiquidations, type RecorderSummary } from '../../liquidations/recorder.js';
import type { ExchangeSettings } from '../../exchange/exchange-client.js';
import { withStoreLock } from '../../store/store-lock.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { withExchange } from '../exchange-session.js';
import { collect, durationMs, exchangeSettings, positiveNumber, runSettings, storeOptions, type ExchangeFlags } from '../options.js';

interface RecordFlags extends ExchangeFlags { symbol?: string[]; mergeEvery?: string; maxQuiet?: string; config?: string; json?: boolean }
interface ListFlags { dataDir?: string; config?: string; json?: boolean }

const DAY = 86_400_000;

export function registerLiquidations(program: Command, ctx: () => CommandContext): void {
  const cmd = program.command('liquidations').description('Binance USDT-M liquidations, recorded from the websocket stream into one Parquet file per UTC day');
  storeOptions(cmd.command('record')
    .description('record liquidations until Ctrl-C or SIGTERM: every event journaled first, day files written from the journal')
    .option('--symbol <symbol>', 'perpetuals to follow, repeatable (default: every symbol, through the all-market stream)', collect('--symbol'))
    .option('--merge-every <seconds>', 'write the journal into the day files this often (default 60)')
    .option('--max-quiet <duration>', 'a connection with no frame for this long is taken for a wrong stream: an error, its silence left uncovered, a reconnect; 0 turns it off (default: 15m on the all-market stream, off with --symbol)'), { exchange: true })
    .action(async (flags: RecordFlags) => recordCommand(flags, ctx()));
  storeOptions(cmd.command('list').description('per UTC day: events, symbols, and how much of the day the recorder was connected'), { json: 'print as JSON' })
    .action(async (flags: ListFlags) => listCommand(flags, ctx()));
}

async function recordCommand(flags: RecordFlags, c: CommandContext): Promise<void> {
  const cfg = loadConfig(flags.config);
  const maxQuiet = flags.maxQuiet === undefined ? undefined : flags.maxQuiet.trim() === '0' ? 0 : durationMs('--max-quiet', flags.maxQuiet);
  const summary = await runRecorder(runSettings(cfg, flags, c.env).dataDir, exchangeSettings(cfg, flags, c.env), flags.symbol?.map(exchangeId),
    positiveNumber('--merge-every', flags.mergeEvery) ?? 60, c, c.signal, maxQuiet);
  c.print(flags.json ? JSON.stringify(summary, null, 2)
    : `${summary.events} event(s) recorded over ${summary.connections} connection(s); ${summary.failedAttempts} failed attempt(s); ${summary.malformed} malformed frame(s) skipped`);
}

/**
 * The recorder with what it needs around it, until `c.signal` aborts: the data folder's recorder lock, the
 * exchange's clock (synced twice before the first connection, then every second for ten seconds and
 * every 30 s after), the stream of the exchange `ex` points at. Shared by `liquidations record` and
 * `collect --loop --liquidations` (which stops it with `signal` when its loop ends).
 */
export async function runRecorder(
  dataDir: string, ex: ExchangeSettings, symbols: readonly string[] | undefined, mergeEverySeconds: number, c: CommandContext, signal = c.signal, maxQuietMs?: number,
): Promise<RecorderSummary> {
  const wsBase = ex.apiUrl ? ex.apiUrl.replace(/^http/, 'ws') : 'wss://fstream.binance.com';
  return withStoreLock(join(liquidationsDir(dataDir), 'recorder'), { waitMs: 0 }, () =>
    withExchange(ex, dataDir, c.log, undefined, async (clientFor) => {
      const client = clientFor(ex.exchange);
      const clock = new SyncedClock(() => client.serverTime());
      await clock.sync();
      await new Promise((r) => setTimeout(r, 300));
      await clock.sync();
      let syncs = 0;
      let resync: NodeJS.Timeout | undefined;
      const next = () => {
        resync = setTimeout(() => {
          clock.sync().catch((e: Error) => c.log.warn({ err: e.message }, 'could not read the exchange clock')).finally(next);
        }, ++syncs <= 10 ? 1_000 : 30_000);
        resync.unref();
      };
      next();
      try {
        return await recordLiquidations({ dataDir, wsBase, symbols, clock, log: c.log, signal, mergeEveryMs: mergeEverySeconds * 1000, maxQuietMs });
      } finally {
        clearTimeout(resync);
      }
    }));
}

/** `BTC/USDT:USDT` → `BTCUSDT`; an exchange id passes as it is. */
function exchangeId(symbol: string): string {
  const m = /^([A-Z0-9]+)\/([A-Z0-9]+):\2$/.exec(symbol);
  if (m) return `${m[1]}${m[2]}`;
  if (/^[A-Z0-9]+$/.test(symbol)) return symbol;
  throw new UsageError(`--symbol "${symbol}": liquidations exist for USDT-M perpetuals (expected e.g. BTC/USDT:USDT)`);
}

export interface LiquidationDaySummary {
  readonly day: string;
  readonly events: number;
  readonly symbols: number;
  /** Connected time inside the day (up to now, for today), ms. */
  readonly coveredMs: number;
  readonly spanMs: number;
  readonly gaps: { from: string; to: string }[];
  readonly path: string;
}

/** Every day file of a data folder, summarized. */
export async function liquidationDays(dataDir: string, now: number): Promise<LiquidationDaySummary[]> {
  const out: LiquidationDaySummary[] = [];
  for (const { day, label, path } of await listDayFiles(liquidationsDir(dataDir))) {
    const d = (await readDay(path))!;
    const end = Math.min(day + DAY, Math.max(day, now));
    const cov = coverage(d.coverage, day, end);
    out.push({
      day: label, events: d.frame.length, symbols: new Set(d.frame.texts['symbol']).size,
      coveredMs: cov.covered, spanMs: end - day,
      gaps: cov.gaps.map((g) => ({ from: new Date(g.from).toISOString(), to: new Date(g.to).toISOString() })), path,
    });
  }
  return out;
}

export function durationText(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} m` : ms >= 60_000 ? `${m} m` : `${Math.round(ms / 1000)} s`;
}

async function listCommand(flags: ListFlags, c: CommandContext): Promise<void> {
  const dataDir = runSettings(loadConfig(flags.config), flags, c.env).dataDir;
  const days = await liquidationDays(dataDir, Date.now());
  if (flags.json) return c.print(JSON.stringify({ days }, null, 2));
  c.print([
    ...days.map((d) => `${d.day}  ${String(d.events).padStart(7)} events  ${String(d.symbols).padStart(4)} symbols  ${durationText(d.coveredMs)} of ${durationText(d.spanMs)} covered, ${d.gaps.length} gap(s)`),
    `${days.length} day(s) in ${liquidationsDir(dataDir)}`,
  ].join('\n'));
}
