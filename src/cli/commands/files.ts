import { createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { parseSymbol } from '../../core/symbol.js';
import { isoUtc } from '../../core/time-format.js';
import { nextOpen, parseTimeframe } from '../../core/timeframe.js';
import { candlesNamed } from '../../files/file-names.js';
import { csvPathOf, writeCsv, writeFreqtrade, type TimeFormat } from '../../files/export-candles.js';
import type { ParsedCandles } from '../../files/parse-candles.js';
import { readCandleFile } from '../../files/read-candle-file.js';
import { importJob } from '../../pipeline/import-job.js';
import type { StoreOutcome } from '../../pipeline/outcome.js';
import { PauseGate, type RetryContext } from '../../core/retry.js';
import { runStoreJob } from '../../pipeline/store-job.js';
import { findStores } from '../../pipeline/store-reports.js';
import { OHLCV } from '../../datasets/ohlcv.js';
import { concatFrames, pickRows, type CandleFrame } from '../../core/frame.js';
import { lowerBoundTime } from '../../core/time-search.js';
import { readMaster, storeExists } from '../../store/store-read.js';
import { RowLossError } from '../../store/store-writer.js';
import { resolveStorePath } from '../../store/store-path.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { collect, rangeFrom, runSettings, storeOptions } from '../options.js';
import { rangeStart } from '../../pipeline/build.js';
import { failureOf, renderOutcomes } from '../report.js';

interface ExportFlags { symbol?: string[]; timeframes?: string[]; years?: string; days?: string; since?: string; until?: string; format?: string; timeFormat?: string; combined?: boolean; out?: string; exchange?: string; dataDir?: string; config?: string; json?: boolean }
interface ImportFlags { symbol?: string; timeframe?: string; exchange?: string; erase?: boolean; timezone?: string; dataDir?: string; config?: string; json?: boolean }

export function registerFiles(program: Command, ctx: () => CommandContext): void {
  storeOptions(program.command('export')
    .description('candle stores to CSV (one file per store, one combined file, or stdout) or to freqtrade\'s data layout')
    .option('--symbol <symbol>', 'only this symbol, repeatable', collect('--symbol'))
    .option('--timeframes <tf...>', 'only these timeframes')
    .option('--years <n>', 'the last n years')
    .option('--days <n>', 'the last n days')
    .option('--since <date>', 'first candle (inclusive)')
    .option('--until <date>', 'end (exclusive)')
    .option('--format <format>', 'csv or freqtrade (default csv)')
    .option('--time-format <format>', 'CSV time column: iso (2024-01-01T00:00:00.000Z) or ms (epoch milliseconds) (default iso)')
    .option('--combined', 'one CSV for every store, with symbol and timeframe columns')
    .option('--out <dir|file|->', 'a folder (one file per store), a file (--combined), or - for stdout (default: exports)'))
    .action(async (flags: ExportFlags) => exportCommand(flags, ctx()));
  storeOptions(program.command('import')
    .description('candle files into stores, through the same cleaning, ATR and no-row-loss rules as build')
    .argument('<paths...>', 'files or folders: CSV (with or without a header), freqtrade JSON and feather, kline archive zips and CSVs')
    .option('--symbol <symbol>', 'the symbol, when the file name does not say it (BTC_USDT-1h.json, BTCUSDT-1h-2024-01.csv do)')
    .option('--timeframe <tf>', 'the timeframe, when the file name does not say it')
    .option('--timezone <offset>', 'offset of times written without a zone, e.g. +02:00 (default UTC)')
    .option('--exchange <id>', 'the venue whose candles the files hold (default from config)')
    .option('--erase', 'replace stored candles the file disagrees with (default: refuse)'), { json: 'print as JSON' })
    .action(async (paths: string[], flags: ImportFlags) => importCommand(paths, flags, ctx()));
}

async function exportCommand(flags: ExportFlags, c: CommandContext): Promise<void> {
  const cfg = loadConfig(flags.config);
  const dataDir = runSettings(cfg, flags, c.env).dataDir;
  const format = flags.format ?? 'csv';
  if (format !== 'csv' && format !== 'freqtrade') throw new UsageError(`--format "${format}" is not a format (expected csv or freqtrade)`);
  const timeFormat = (flags.timeFormat ?? 'iso') as TimeFormat;
  if (timeFormat !== 'iso' && timeFormat !== 'ms') throw new UsageError(`--time-format "${flags.timeFormat}" is not a time format (expected iso or ms)`);
  // the range flags of every command; none of --years/--days/--since: the whole store
  const range = rangeFrom(flags, { kind: 'since', since: -Infinity });
  const until = range.until;
  const since = range.kind === 'since' && range.since === -Infinity ? undefined : rangeStart(range, until ?? Date.now());
  const refs = await findStores(dataDir, { symbols: flags.symbol, timeframes: flags.timeframes, datasets: [OHLCV], exchange: flags.exchange });
  if (refs.length === 0) throw new UsageError(`no candle stores${flags.symbol || flags.timeframes ? ' matching the filter' : ''} in ${dataDir}`);
  const out = flags.out ?? 'exports';
  const written: { store: string; path: string; rows: number }[] = [];
  if (format === 'freqtrade') {
    for (const ref of refs) {
      const r = await writeFreqtrade(ref, out, { since, until });
      written.push({ store: `${ref.symbol} ${ref.timeframe}`, ...r });
    }
  } else if (out === '-' || flags.combined) {
    const stream = out === '-' ? c.stdout : createWriteStream(out);
    let rows = 0;
    for (const [i, ref] of refs.entries()) rows += await writeCsv(ref, stream, { timeFormat, header: i === 0, withStore: true, since, until });
    if (stream !== c.stdout) {
      const file = stream as ReturnType<typeof createWriteStream>;
      file.end();
      await once(file, 'close');
    }
    written.push({ store: `${refs.length} store(s)`, path: out, rows });
    if (out === '-') return; // stdout is the data
  } else {
    for (const ref of refs) {
      const path = csvPathOf(out, ref);
      await mkdir(dirname(path), { recursive: true });
      const stream = createWriteStream(path);
      const rows = await writeCsv(ref, stream, { timeFormat, header: true, withStore: false, since, until });
      stream.end();
      await once(stream, 'close');
      written.push({ store: `${ref.symbol} ${ref.timeframe}`, path, rows });
    }
  }
  c.print(flags.json ? JSON.stringify({ files: written }, null, 2)
    : [...written.map((w) => `${w.store}  ${w.rows.toLocaleString('en-US')} rows  ${w.path}`), `${written.length} file(s) written`].join('\n'));
}

/** Files named on the command line, folders opened one level (their .csv and .json files, sorted). */
async function filesOf(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => undefined);
    if (!st) throw new UsageError(`${p}: no such file or folder`);
    if (st.isDirectory()) out.push(...(await readdir(p)).filter((n) => /\.(csv|json|zip|feather)$/i.test(n)).sort().map((n) => join(p, n)));
    else out.push(p);
  }
  if (out.length === 0) throw new UsageError(`${paths.join(' ')}: no .csv, .json, .feather or .zip files to import`);
  return out;
}

async function importCommand(paths: string[], flags: ImportFlags, c: CommandContext): Promise<void> {
  const cfg = loadConfig(flags.config);
  const settings = { ...runSettings(cfg, flags, c.env), exchange: flags.exchange ?? cfg.exchange, source: 'exchange' };
  const files = await filesOf(paths);
  // every file read and understood before anything is written: a bad file is refused whole
  const plans: { file: string; symbol: string; tf: string; parsed: ParsedCandles & { checksum?: string } }[] = [];
  for (const file of files) {
    const named = candlesNamed(file);
    const symbol = flags.symbol ?? named.symbol;
    const tf = flags.timeframe ?? named.timeframe;
    if (!symbol || !tf) throw new UsageError(`${file}: the name does not say its ${!symbol ? 'symbol' : 'timeframe'} (expected e.g. BTC_USDT-1h.csv, or --symbol and --timeframe)`);
    parseSymbol(symbol);
    parseTimeframe(tf);
    const parsed = await readCandleFile(file, { timezone: flags.timezone });
    if (parsed.frame.time.length === 0) throw new UsageError(`${file}: no candle rows`);
    plans.push({ file, symbol, tf, parsed });
  }
  const retry: RetryContext = { policy: settings.retry, gate: new PauseGate(), log: c.runLog, signal: c.signal };
  const outcomes: StoreOutcome[] = [];
  const notes: string[] = [];
  for (const p of plans) {
    const tf = parseTimeframe(p.tf);
    const t = p.parsed.frame.time;
    notes.push(`${p.file}: ${p.parsed.format}${p.parsed.checksum ? ' (checksum verified)' : ''}, times as ${p.parsed.timeFormats.join(' and ')}${p.parsed.descending ? ', newest first' : ''}; ${t.length.toLocaleString('en-US')} candles ${isoUtc(t[0])} → ${isoUtc(t[t.length - 1])}`
      + (p.parsed.duplicates ? `; ${p.parsed.duplicates} repeated time(s), ${p.parsed.conflicting} with other values (the later line kept)` : ''));
    if (p.parsed.conflicting > 0) c.log.warn({ file: p.file, duplicates: p.parsed.duplicates, conflicting: p.parsed.conflicting }, 'the file repeats candles with other values: the later line is kept');
    const path = await resolveStorePath(settings.dataDir, settings.exchange, OHLCV, p.symbol, tf.name);
    // candles the store already holds are compared: a file never silently changes a stored candle
    const exists = await storeExists(path);
    const expect = { exchange: settings.exchange, symbol: p.symbol, timeframe: tf.name };
    // only the row groups the file's span overlaps are decoded for the comparison
    const overlap = exists ? (await readMaster(path, expect, { start: t[0]!, end: t[t.length - 1]! + 1 })).frame : undefined;
    const conflicts = overlap ? differing(overlap, p.parsed.frame) : [];
    if (conflicts.length > 0 && !flags.erase) {
      const first = conflicts[0]!;
      throw new RowLossError(`${p.file}: ${conflicts.length} candle(s) differ from those stored in ${path} (first at ${isoUtc(first.time)}: stored ${first.stored}, file ${first.file}); pass --erase to take the file's`);
    }
    // with --erase the file's candles replace the stored ones they differ from; the others are kept
    const rows = conflicts.length > 0 ? mergedWith((await readMaster(path, expect)).frame, p.parsed.frame) : p.parsed.frame;
    const until = nextOpen(tf, rows.time[rows.time.length - 1]!);
    outcomes.push(await runStoreJob({
      spec: importJob(rows, p.file), symbol: p.symbol, tf, path, exchange: settings.exchange, erase: conflicts.length > 0, dryRun: false,
      window: async () => ({ since: rows.time[0]!, until }),
    }, settings, { clientFor: () => { throw new Error('an import talks to no exchange'); }, log: c.runLog, signal: c.signal }, retry));
  }
  c.print(flags.json ? JSON.stringify({ files: notes, stores: outcomes }, null, 2) : [...notes, renderOutcomes(outcomes)].join('\n'));
  const failure = failureOf(outcomes);
  if (failure) throw failure;
}

const OHLCV_KEYS = ['open', 'high', 'low', 'close', 'volume'] as const;

/** Candles at the same time whose values differ between the store and the file. */
function differing(stored: CandleFrame, file: CandleFrame): { time: number; stored: string; file: string }[] {
  const out: { time: number; stored: string; file: string }[] = [];
  for (let i = 0; i < file.time.length; i++) {
    const j = lowerBoundTime(stored.time, file.time[i]!);
    if (j >= stored.time.length || stored.time[j] !== file.time[i]) continue;
    const k = OHLCV_KEYS.find((key) => stored[key][j] !== file[key][i]);
    if (k) out.push({ time: file.time[i]!, stored: `${k} ${stored[k][j]}`, file: `${k} ${file[k][i]}` });
  }
  return out;
}

/** The stored candles with the file's laid over them (the file's win where both have a time). */
function mergedWith(stored: CandleFrame, file: CandleFrame): CandleFrame {
  const fileTimes = new Set(file.time);
  const keep = Array.from(stored.time.keys()).filter((i) => !fileTimes.has(stored.time[i]!));
  const all = concatFrames([pickRows(stored, keep), file]);
  return pickRows(all, Array.from(all.time.keys()).sort((a, b) => all.time[a]! - all.time[b]!));
}
