import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { ExchangeError, JobFailedError, UsageError } from '../../core/errors.js';
import { isoUtc } from '../../core/time-format.js';
import { keepCollectStatus, nextCycleAt, runCollectCycle, type CycleSummary } from '../../pipeline/collect.js';
import type { StoreOutcome } from '../../pipeline/outcome.js';
import { coinGeckoFor, ensureUniverse } from '../../universe/current-universe.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig, type Config } from '../config.js';
import { withExchange } from '../exchange-session.js';
import { DATASETS, datasetsNamed } from '../../datasets/registry.js';
import { archivesFor, checkTimeframes, collect, durationMs, exchangeSettings, integerFlag, localDataDir, rangeFrom, runSettings, storeOptions } from '../options.js';
import { universeRequest, type UniverseFlags } from './universe.js';
import { runRecorder } from './liquidations.js';
import { sinkOf, syncWritten } from '../sink.js';
import { join } from 'node:path';
import { allVenues, venueProfile } from '../../exchange/venue.js';
import { LAST_CYCLE_FILE, suffixed, type Shard } from '../../store/collect-status.js';
import { localStateDir } from '../../store/object-store.js';
import { writeJsonFile } from '../../store/json-file.js';

interface CollectFlags extends UniverseFlags {
  timeframes?: string[]; days?: string; years?: string; since?: string; until?: string; marketDays?: string; datasets?: string[]; loop?: boolean; every?: string; at?: string; onComplete?: string; liquidations?: boolean;
  sink?: string; dbUrl?: string; archives?: string; exchanges?: string[]; shard?: string;
}


export function registerCollect(program: Command, ctx: () => CommandContext): void {
  storeOptions(program.command('collect')
    .description('the daily job: refresh the universe when it is old, then bring every member\'s stores to the depth asked')
    .option('--timeframes <tf...>', 'timeframes (default 5m)')
    .option('--days <n>', 'history each store reaches back (default 90)')
    .option('--years <n>', 'history each store reaches back, in years')
    .option('--since <date>', 'first candle of every store (inclusive)')
    .option('--until <date>', 'end (exclusive); default: the last closed candle')
    .option('--datasets <list>', `datasets to collect for every member: ${DATASETS.map((d) => d.name).join(', ')} or all (default ohlcv)`, collect('--datasets'))
    .option('--market-days <n>', 'history of the coingecko-market dataset (default 365, what CoinGecko\'s demo plan serves)')
    .option('--size <n>', 'coins in the universe (default from config: 100)')
    .option('--min-size <n>', 'a universe of fewer members fails the cycle (exit 1) and the previous one stays in force (default from config: none)')
    .option('--max-age <hours>', 'refresh the universe when older than this (default from config: 24)')
    .option('--force', 'refresh the universe even when it is young enough')
    .option('--loop', 'keep running: one cycle every --every, until Ctrl-C or SIGTERM')
    .option('--every <duration>', 'time between cycle starts with --loop, e.g. 24h, 30m, 10s (default 24h)')
    .option('--at <HH:MM>', 'with --loop, start cycles at this UTC time of day')
    .option('--exchanges <list>', `collect on several venues in one run, each on its own budget, in parallel, e.g. ${allVenues().map((v) => v.id).join(',')} (default: --exchange)`, collect('--exchanges'))
    .option('--shard <K/N>', 'collect only this collector\'s share of every venue\'s universe, e.g. 2/3 on the second of three machines sharing one data folder or bucket (a fixed split by venue and market)')
    .option('--liquidations', 'with --loop, also record the liquidation stream of every symbol for as long as the loop runs')
    .option('--archives <mode>', 'auto (past months and days from a venue\'s archives where it has them, the rest from its API), off, or only (default from config: auto)')
    .option('--sink <name>', 'after each cycle, mirror the stores written into: postgres (default from config: none)')
    .option('--db-url <url>', 'the database for --sink postgres (default: config db_url, QML_DB_URL, DATABASE_URL)')
    .option('--on-complete <command>', 'run after each cycle; QML_CYCLE_SUMMARY holds the path of its JSON summary'), { exchange: true })
    .action(async (flags: CollectFlags) => collectCommand(flags, ctx()));
}

async function collectCommand(flags: CollectFlags, c: CommandContext): Promise<void> {
  const cfg = loadConfig(flags.config);
  const everyMs = durationMs('--every', flags.every ?? '24h');
  const at = flags.at === undefined ? undefined : timeOfDay(flags.at);
  sinkOf(flags, cfg);
  if (flags.liquidations && !flags.loop) throw new UsageError('--liquidations records a stream: it runs beside --loop (or alone: qml-data liquidations record)');
  if (flags.liquidations) localDataDir(runSettings(cfg, flags, c.env).dataDir, 'the liquidation recorder (--liquidations)');
  // the recorder runs beside the cycles until the loop stops (SIGTERM, Ctrl-C); a failure of it is logged, not the loop's
  const stop = new AbortController();
  const onStop = () => stop.abort();
  c.signal.addEventListener('abort', onStop, { once: true });
  const venues = venuesOf(flags, cfg);
  const shard = shardOfFlag(flags.shard);
  // one recorder per venue, each with its own stream
  const recorder = flags.liquidations
    ? Promise.all(venues.map((v) => runRecorder(runSettings(cfg, flags, c.env).dataDir, { ...exchangeSettings(cfg, flags, c.env), exchange: v }, undefined, 60, c, stop.signal)
      .catch((e: Error) => { c.log.error({ exchange: v, err: e.message }, 'the liquidation recorder stopped: liquidations are not being recorded'); })))
    : undefined;
  try {
    await loop(flags, cfg, c, venues, shard, everyMs, at);
  } finally {
    stop.abort();
    c.signal.removeEventListener('abort', onStop);
    await recorder;
  }
}

/** The venues a collect runs on: `--exchanges`, else `--exchange`, else the config's; each checked before anything runs. */
function venuesOf(flags: CollectFlags, cfg: Config): string[] {
  const list = flags.exchanges ?? [flags.exchange ?? cfg.exchange];
  if (flags.exchanges && flags.exchange) throw new UsageError('give --exchanges or --exchange, not both');
  for (const v of list) venueProfile(v);
  if (new Set(list).size !== list.length) throw new UsageError(`--exchanges "${list.join(',')}" names a venue twice`);
  return list;
}

async function loop(flags: CollectFlags, cfg: Config, c: CommandContext, venues: readonly string[], shard: Shard | undefined, everyMs: number, at: { hour: number; minute: number } | undefined): Promise<void> {
  const dataDir = runSettings(cfg, flags, c.env).dataDir;
  for (let cycle = 1; ; cycle++) {
    const started = Date.now();
    const results = await runCycles(flags, cfg, c, venues, shard);
    const next = flags.loop ? nextCycleAt(started, Date.now(), everyMs, at) : undefined;
    const paths: string[] = [];
    for (const r of results) paths.push(await keepCollectStatus(dataDir, r.venue, r.summary, r.outcomes, next, shard));
    const several = results.length > 1;
    // one venue: its summary as before; several: each venue's, and one file with all of them for --on-complete
    const summaryPath = several ? await writeCombinedSummary(dataDir, results, shard) : paths[0]!;
    if (flags.json) c.print(JSON.stringify(several ? { venues: results.map((r) => ({ exchange: r.venue, ...r.summary })) } : { exchange: results[0]!.venue, ...results[0]!.summary }, null, 2));
    else c.print(results.map((r) => summaryText(r.summary, cycle, several ? r.venue : undefined)).join('\n'));
    const outcomes = results.flatMap((r) => r.outcomes);
    const sinkFailure = await syncWritten(flags, cfg, c, outcomes, flags.json ?? false);
    if (flags.onComplete) await runOnComplete(flags.onComplete, summaryPath, c);
    if (!flags.loop) {
      const failed = results.find((r) => r.summary.error);
      if (failed) throw failed.summary.errorKind === 'universe' ? new JobFailedError(`${failed.venue}: ${failed.summary.error}`) : new ExchangeError(`${failed.venue}: ${failed.summary.error}`);
      const stores = results.reduce((n, r) => n + r.summary.stores.failed, 0);
      const first = results.flatMap((r) => r.summary.failures.map((f) => ({ ...f, venue: r.venue })))[0];
      if (stores > 0) throw new JobFailedError(`${stores} store(s) failed: ${first!.venue} ${first!.symbol}: ${first!.error}`);
      if (sinkFailure) throw sinkFailure;
      return;
    }
    c.log.warn({ next: isoUtc(next) }, `cycle ${cycle} done; the next starts at ${isoUtc(next)}`);
    if (!(await sleepUntil(next!, c.signal))) {
      c.log.warn({}, 'stopped between cycles');
      return;
    }
  }
}

/**
 * Every venue's last cycle in one file, `collect-last-cycle.json` (with the shard's suffix) in this machine's
 * state folder (the data folder when it is local): what `--on-complete` gets when several venues run.
 */
async function writeCombinedSummary(dataDir: string, results: readonly { venue: string; summary: CycleSummary }[], shard: Shard | undefined): Promise<string> {
  const path = join(localStateDir(dataDir), suffixed(LAST_CYCLE_FILE, shard));
  await writeJsonFile(path, { venues: results.map((r) => ({ exchange: r.venue, ...r.summary })) });
  return path;
}

/**
 * One cycle on every venue, in parallel, each on its own budget: flags into a request (checked before
 * anything runs), each venue's universe, the pipeline's cycle.
 */
async function runCycles(flags: CollectFlags, cfg: Config, c: CommandContext, venues: readonly string[], shard: Shard | undefined): Promise<{ venue: string; summary: CycleSummary; outcomes: StoreOutcome[] }[]> {
  const base = runSettings(cfg, flags, c.env);
  const ex = exchangeSettings(cfg, { ...flags, exchange: venues[0] }, c.env);
  // flags are checked before anything runs: a mistake is a usage error, not a failed cycle
  const request = {
    timeframes: checkTimeframes(flags.timeframes ?? ['5m']),
    range: rangeFrom(flags, { kind: 'days', days: 90 }),
    datasets: (flags.datasets ?? ['ohlcv']).includes('all') ? ['all'] : datasetsNamed(flags.datasets ?? ['ohlcv']).map((d) => d.name),
    marketDays: integerFlag('--market-days', flags.marketDays) ?? 365,
    ...(shard ? { shard } : {}),
  };
  // shards share the day's universe: the first to refresh it makes it every shard's
  const universes = new Map(venues.map((v) => [v, { ...universeRequest(cfg, { ...flags, exchange: v }, c, base.dataDir, ex.apiUrl), shared: shard !== undefined }]));
  const archives = archivesFor(flags.archives, cfg, c.env, ex, base.dataDir, c.runLog);
  return withExchange(ex, base.dataDir, c.log, c.terminal, (clientFor, progress, scheduler, usage) => Promise.all(venues.map(async (venue) => {
    const universe = universes.get(venue)!;
    const { summary, outcomes } = await runCollectCycle(request, { ...base, exchange: venue }, {
      clientFor, log: c.runLog, signal: c.signal, progress, archives, coingecko: coinGeckoFor(universe, scheduler),
      universe: async () => {
        const u = await ensureUniverse(universe, { exchange: clientFor(venue), scheduler, log: c.log, signal: c.signal });
        const { date, createdAt, source, members, shortfall } = u.universe;
        return { summary: { date, createdAt, source, refreshed: u.refreshed, members: members.length, ...(shortfall ? { shortfall } : {}) }, members };
      },
      weightSpent: () => Object.fromEntries(usage().filter((x) => x.weight > 0 && x.family.startsWith(`${venue} `)).map((x) => [x.family.slice(venue.length + 1), x.weight])),
    });
    return { venue, summary, outcomes };
  })));
}

function summaryText(s: CycleSummary, cycle: number, venue?: string): string {
  const shard = s.universe.shard ? ` (shard ${s.universe.shard.k}/${s.universe.shard.n}: ${s.universe.shard.members} of the members)` : '';
  const label = `${venue ? `cycle ${cycle} on ${venue}` : `cycle ${cycle}`}${shard}`;
  if (s.error) return `${label} failed after ${(s.durationMs / 1000).toFixed(1)} s: ${s.error}`;
  const w = Object.entries(s.weight).map(([f, v]) => `${f} ${v.toLocaleString('en-US')}`).join(', ') || '0';
  return [
    `${label}: universe of ${s.universe.date} (${s.universe.source}${s.universe.refreshed ? ', refreshed' : ''}), ${s.universe.members} members${shortText(s.universe.shortfall)}`,
    `stores: ${s.stores.fresh} fresh, ${s.stores.updated} updated, ${s.stores.built} built, ${s.stores.failed} failed; ${s.rowsAdded.toLocaleString('en-US')} rows added in ${(s.durationMs / 1000).toFixed(1)} s; weight ${w}`,
    ...s.failures.map((f) => `failed ${f.dataset ?? 'ohlcv'} ${f.symbol} ${f.timeframe ?? ''}: ${f.error}`),
  ].join('\n');
}

/** `, short by 4 (3 not-listed, 1 non-standard-contract)` when the universe has fewer members than asked. */
export function shortText(s: { missing: number; reasons: Readonly<Record<string, number>> } | undefined): string {
  if (!s || s.missing === 0) return '';
  return `, short by ${s.missing} (${Object.entries(s.reasons).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join(', ')})`;
}

/** Run the user's command after a cycle, with the summary's path; its failure is logged, not fatal. */
async function runOnComplete(command: string, summaryPath: string, c: CommandContext): Promise<void> {
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(command, { shell: true, stdio: ['ignore', 'inherit', 'inherit'], env: { ...c.env, QML_CYCLE_SUMMARY: summaryPath } as NodeJS.ProcessEnv });
    child.on('error', () => resolve(null));
    child.on('close', resolve);
  });
  if (code !== 0) c.log.warn({ code }, `--on-complete command exited ${code ?? 'without starting'}`);
}

/** Sleep until `t`; false when stopped (Ctrl-C, SIGTERM) first. */
async function sleepUntil(t: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  return new Promise((resolve) => {
    const timer = setTimeout(() => { signal.removeEventListener('abort', stop); resolve(true); }, Math.max(0, t - Date.now()));
    const stop = () => { clearTimeout(timer); resolve(false); };
    signal.addEventListener('abort', stop, { once: true });
  });
}

/** `--shard K/N` → the shard (1 ≤ K ≤ N); undefined without the flag. */
function shardOfFlag(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const k = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || n < 1 || k < 1 || k > n || n > 1000) throw new UsageError(`--shard "${text}" is not a shard (expected K/N with 1 ≤ K ≤ N, e.g. 2/3 for the second of three collectors)`);
  return { k, n };
}

function timeOfDay(text: string): { hour: number; minute: number } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!m) throw new UsageError(`--at "${text}" is not a time of day (expected HH:MM in UTC, e.g. 00:15)`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}
