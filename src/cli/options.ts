import { join } from 'node:path';
import type { Command } from 'commander';
import { checkApiUrl, sourceOfApiUrl } from '../exchange/api-url.js';
import type { ExchangeSettings } from '../exchange/exchange-client.js';
import { UsageError } from '../core/errors.js';
import { parseSymbol } from '../core/symbol.js';
import { parseTimeframe } from '../core/timeframe.js';
import type { RunSettings } from '../pipeline/run-settings.js';
import type { BuildRange } from '../pipeline/build.js';
import { isoUtc, parseUserDate } from '../core/time-format.js';
import { isRemote, localStateDir } from '../store/object-store.js';
import { checkDataDir } from '../store/store-path.js';
import type { Config } from './config.js';
import type { Log } from '../core/log.js';
import { allVenues, defaultVenue } from '../exchange/venue.js';

/**
 * Commander collector for a repeatable symbol flag (`--symbol A --symbol B`); commas also split. An empty
 * value or item is a mistake, reported with the flag's name.
 */
export function collect(flag: string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => {
    const items = value.split(',').map((v) => v.trim());
    if (items.some((v) => v === '')) throw new UsageError(`${flag} "${value}" is empty or has an empty item (expected symbols like ETH/USDT, separated by commas)`);
    return [...(previous ?? []), ...items];
  };
}

/** Flags shared by the commands that talk to an exchange. */
export interface ExchangeFlags {
  readonly exchange?: string;
  readonly apiUrl?: string;
  readonly dataDir?: string;
}

export function runSettings(cfg: Config, flags: ExchangeFlags, env: Readonly<Record<string, string | undefined>>): RunSettings {
  const dataDir = dataDirOf(cfg, flags, env);
  return {
    exchange: flags.exchange ?? cfg.exchange,
    source: sourceOfApiUrl(apiUrlOf(cfg, flags, env)),
    // a local folder or a bucket (s3://…); the commands that keep files of their own beside the stores (the
    // liquidation recorder, clean-up, migrate-layout) ask for a local folder with localDataDir
    dataDir,
    atrPeriod: cfg.atr_period,
    concurrency: cfg.concurrency,
    lockWaitMs: cfg.lock_wait_ms,
    checkpointMs: cfg.checkpoint_ms,
    retry: { attempts: cfg.retry.attempts, baseMs: cfg.retry.base_ms, maxMs: cfg.retry.max_ms, totalMs: cfg.retry.total_ms },
  };
}

/** Where stores live: --data-dir, else QML_DATA_DIR, else the config's `data_dir` (a folder or s3://bucket/prefix). */
export function dataDirOf(cfg: Config, flags: { readonly dataDir?: string }, env: Readonly<Record<string, string | undefined>>): string {
  return checkDataDir(flags.dataDir ?? (env['QML_DATA_DIR'] || undefined) ?? cfg.data_dir);
}

/** The exchange to talk to: --api-url, else QML_API_URL, else the config, else the real exchange. */
export function exchangeSettings(cfg: Config, flags: ExchangeFlags, env: Readonly<Record<string, string | undefined>>): ExchangeSettings {
  return {
    exchange: flags.exchange ?? cfg.exchange,
    apiUrl: apiUrlOf(cfg, flags, env),
    rateLimitMs: cfg.rate_limit_ms ?? undefined,
    timeoutMs: cfg.timeout_ms,
  };
}

function apiUrlOf(cfg: Config, flags: ExchangeFlags, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const url = flags.apiUrl ?? env['QML_API_URL'] ?? cfg.api_url ?? undefined;
  return url ? checkApiUrl(url) : undefined;
}

/**
 * The venues' archive readers for a run (`--archives`, else env QML_ARCHIVES, else the config's
 * `archives`): `auto` (past months and days from a venue's archives where it has them, the rest from its
 * API), `only` (an archive that is missing or damaged fails the store), `off`. On the simulator
 * (`--api-url`) they come from it. Keyed by venue; undefined when off.
 */
export function archivesFor(
  mode: string | undefined, cfg: Config, env: Readonly<Record<string, string | undefined>>, ex: ExchangeSettings, dataDir: string, log: Log, dryRun = false,
): ReadonlyMap<string, object> | undefined {
  const m = mode ?? env['QML_ARCHIVES'] ?? cfg.archives;
  if (m !== 'auto' && m !== 'off' && m !== 'only') throw new UsageError(`--archives "${m}" is not a mode (expected auto, off or only)`);
  if (m === 'off') return undefined;
  const out = new Map<string, object>();
  for (const v of allVenues()) {
    if (v.archives) out.set(v.id, v.archives.open({ base: ex.apiUrl ?? v.archives.realBase, cacheDir: join(localStateDir(dataDir), '.archives'), mode: m, log, writeCache: !dryRun, downloads: cfg.archive_downloads }));
  }
  return out;
}

/** The range flags every command that fetches or reads a span takes. */
export interface RangeFlags {
  readonly years?: string;
  readonly days?: string;
  readonly since?: string;
  readonly until?: string;
}

/** `--years`, `--days` or `--since` (at most one) and `--until`, or `fallback` when none of the first three is given. */
export function rangeFrom(f: RangeFlags, fallback: BuildRange): BuildRange {
  const given = [f.years, f.days, f.since].filter((v) => v !== undefined).length;
  if (given > 1) throw new UsageError('give only one of --years, --days, --since');
  const until = f.until === undefined ? undefined : parseUserDate(f.until, '--until');
  if (f.since !== undefined) {
    const since = parseUserDate(f.since, '--since');
    if (until !== undefined && since >= until) throw new UsageError(`--since ${isoUtc(since)} is not before --until ${isoUtc(until)}`);
    return { kind: 'since', since, until };
  }
  if (f.days !== undefined) return { kind: 'days', days: positiveNumber('--days', f.days)!, until };
  if (f.years !== undefined) return { kind: 'years', years: positiveNumber('--years', f.years)!, until };
  return { ...fallback, until: until ?? fallback.until };
}

export function checkSymbols(list: readonly string[]): string[] {
  return [...new Set(list.map((s) => parseSymbol(s).symbol))];
}

export function checkTimeframes(list: readonly string[]): string[] {
  return [...new Set(list.map((t) => parseTimeframe(t).name))];
}

/**
 * A positive number flag, fractions allowed (`--days 1.5`, `--years 0.5`); names the flag and the bad
 * value. Plain decimal digits only: `1e3`, `0x10`, `Infinity` and the empty string are not numbers a user types.
 */
export function positiveNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} "${text}" must be a number greater than 0`);
  return n;
}

/** A count flag (`--size`, `--seed`, `--port`): a whole number of at least `min` (default 1), at most `max`. */
export function integerFlag(flag: string, text: string | undefined, o: { min?: number; max?: number } = {}): number | undefined {
  if (text === undefined) return undefined;
  const min = o.min ?? 1;
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || (o.max !== undefined && n > o.max)) {
    throw new UsageError(`${flag} "${text}" must be a whole number ${o.max !== undefined ? `from ${min} to ${o.max}` : `of ${min} or more`}`);
  }
  return n;
}

/** A whole-number flag, zero allowed; names the flag and the bad value. */
export function wholeNumber(flag: string, text: string | undefined): number | undefined {
  return integerFlag(flag, text, { min: 0 });
}

/** The flags several commands share, declared once so their help text cannot drift apart. */
export function storeOptions(cmd: Command, o: { exchange?: boolean; json?: string } = {}): Command {
  if (o.exchange) {
    cmd.option('--exchange <id>', `the venue: ${allVenues().map((v) => v.id).join(', ')} (default from config: ${defaultVenue().id})`)
      .option('--api-url <url>', 'base URL for every API family, e.g. the simulator (env QML_API_URL)');
  }
  return cmd
    .option('--data-dir <dir>', 'where stores live: a folder or s3://bucket/prefix (default: QML_DATA_DIR, else the config\'s data_dir: data/processed)')
    .option('--config <file>', 'YAML config overriding config/default.yaml')
    .option('--json', o.json ?? 'print the result as JSON');
}

/** `24h`, `30m`, `10s`, `2d` → ms. */
export function durationMs(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  if (!m || Number(m[1]) <= 0) throw new UsageError(`${flag} "${text}" is not a duration (expected a number and a unit, e.g. 24h, 30m, 10s)`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/**
 * The data folder of a command that works on local files only (`what`: the liquidation recorder's journal
 * and day stores, clean-up of a killed run's temp files, the layout migration's renames): a bucket is refused.
 */
export function localDataDir(dataDir: string, what: string): string {
  if (isRemote(dataDir)) {
    throw new UsageError(`--data-dir ${dataDir}: ${what} works on a local data folder, not a bucket (build, update, collect, validate, list, status, report, files and db work on s3:// folders)`);
  }
  return dataDir;
}
