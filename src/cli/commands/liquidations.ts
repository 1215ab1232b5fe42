import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { liquidationDays } from '../../liquidations/days.js';
import { SyncedClock } from '../../liquidations/exchange-clock.js';
import { liquidationsDir } from '../../liquidations/journal.js';
import { recordLiquidations, type RecorderSummary } from '../../liquidations/recorder.js';
import type { ExchangeSettings } from '../../exchange/exchange-client.js';
import { venueProfile } from '../../exchange/venue.js';
import { sourceOfApiUrl } from '../../exchange/api-url.js';
import { withStoreLock } from '../../store/store-lock.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { withExchange } from '../exchange-session.js';
import { collect, durationMs, exchangeSettings, localDataDir, positiveNumber, runSettings, storeOptions, type ExchangeFlags } from '../options.js';

interface RecordFlags extends ExchangeFlags { symbol?: string[]; mergeEvery?: string; maxQuiet?: string; config?: string; json?: boolean }
interface ListFlags { dataDir?: string; config?: string; json?: boolean; exchange?: string }

export function registerLiquidations(program: Command, ctx: () => CommandContext): void {
  const cmd = program.command('liquidations').description('a venue\'s perpetual liquidations, recorded from its websocket stream into one Parquet store per UTC day');
  storeOptions(cmd.command('record')
    .description('record liquidations until Ctrl-C or SIGTERM: every event journaled first, day files written from the journal')
    .option('--symbol <symbol>', 'perpetuals to follow, repeatable, e.g. BTC/USDT:USDT (default: every one: the all-market stream, or every perpetual where the venue has none)', collect('--symbol'))
    .option('--merge-every <seconds>', 'write the journal into the day files this often (default 60)')
    .option('--max-quiet <duration>', 'a connection with no frame for this long is taken for a wrong stream: an error, its silence left uncovered, a reconnect; 0 turns it off (default: 15m on the all-market stream, off with --symbol)'), { exchange: true })
    .action(async (flags: RecordFlags) => recordCommand(flags, ctx()));
  storeOptions(cmd.command('list').description('per venue and UTC day: events, symbols, and how much of the day the recorder was connected')
    .option('--exchange <id>', 'only this venue\'s days'), { json: 'print as JSON' })
    .action(async (flags: ListFlags) => listCommand(flags, ctx()));
}

async function recordCommand(flags: RecordFlags, c: CommandContext): Promise<void> {
  const cfg = loadConfig(flags.config);
  const maxQuiet = flags.maxQuiet === undefined ? undefined : flags.maxQuiet.trim() === '0' ? 0 : durationMs('--max-quiet', flags.maxQuiet);
  const summary = await runRecorder(localDataDir(runSettings(cfg, flags, c.env).dataDir, 'the liquidation recorder'), exchangeSettings(cfg, flags, c.env), flags.symbol,
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
  const profile = venueProfile(ex.exchange);
  const feed = profile.liquidations;
  if (!feed) throw new UsageError(`--exchange ${ex.exchange}: the venue has no liquidation stream`);
  const wsBase = ex.apiUrl ? ex.apiUrl.replace(/^http/, 'ws') : feed.realBase;
  return withStoreLock(join(liquidationsDir(dataDir, profile.id), 'recorder'), { waitMs: 0 }, () =>
    withExchange(ex, dataDir, c.log, undefined, async (clientFor) => {
      const client = clientFor(ex.exchange);
      // the venue's perpetuals, where the stream needs their ids or sizes (named symbols, a venue without an
      // all-market stream, sizes counted in contracts)
      const perps = symbols || feed.needsSymbols || feed.countsContracts
        ? (await client.markets()).filter((m) => m.type === 'swap' && m.linear) : [];
      const ids = symbols?.map((s) => {
        const m = perps.find((p) => p.symbol === s || p.id === s);
        if (!m) throw new UsageError(`--symbol "${s}": not a linear perpetual on ${profile.id} (expected e.g. BTC/USDT:USDT)`);
        return m.id;
      }) ?? (feed.needsSymbols ? perps.filter((m) => m.active).map((m) => m.id) : undefined);
      const sizes = new Map(perps.map((m) => [m.id, m.contractSize]));
      // a venue that counts contracts lists new ones while the recorder runs: their sizes are read again hourly
      // (an event of a contract not known yet keeps its contracts; its quantity is missing)
      const refresh = feed.countsContracts ? setInterval(() => {
        client.markets({ fresh: true }).then((ms) => { for (const m of ms) if (m.type === 'swap' && m.linear) sizes.set(m.id, m.contractSize); })
          .catch((e: Error) => c.log.warn({ err: e.message }, 'could not read the contracts\' sizes again'));
      }, 3_600_000) : undefined;
      refresh?.unref();
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
        return await recordLiquidations({
          dataDir, venue: profile.id, aliases: profile.aliases, feed, ctx: { contractSize: (id) => sizes.get(id) }, source: sourceOfApiUrl(ex.apiUrl),
          wsBase, symbols: ids, named: symbols !== undefined, clock, log: c.log, signal, mergeEveryMs: mergeEverySeconds * 1000, maxQuietMs,
        });
      } finally {
        clearTimeout(resync);
        clearInterval(refresh);
      }
    }));
}

export function durationText(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} m` : ms >= 60_000 ? `${m} m` : `${Math.round(ms / 1000)} s`;
}

async function listCommand(flags: ListFlags, c: CommandContext): Promise<void> {
  const dataDir = localDataDir(runSettings(loadConfig(flags.config), flags, c.env).dataDir, 'the liquidation recorder');
  const days = await liquidationDays(dataDir, Date.now(), flags.exchange);
  if (flags.json) return c.print(JSON.stringify({ days }, null, 2));
  c.print([
    ...days.map((d) => `${d.exchange ?? '?'}  ${d.day}  ${String(d.events).padStart(7)} events  ${String(d.symbols).padStart(4)} symbols  ${durationText(d.coveredMs)} of ${durationText(d.spanMs)} covered, ${d.gaps.length} gap(s)${d.feed ? `  (${d.feed} feed)` : ''}`),
    `${days.length} day(s) in ${dataDir}`,
  ].join('\n'));
}
