import type { Command } from 'commander';
import { runBuild } from '../../pipeline/build.js';
import { DATASETS } from '../../datasets/registry.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { withExchange } from '../exchange-session.js';
import { archivesFor, checkSymbols, checkTimeframes, collect, rangeFrom, type ExchangeFlags, exchangeSettings, runSettings, storeOptions } from '../options.js';
import { failureOf, renderOutcomes } from '../report.js';
import { sinkOf, syncWritten } from '../sink.js';

interface BuildFlags extends ExchangeFlags {
  symbol?: string[]; timeframes?: string[]; datasets?: string[]; years?: string; days?: string; since?: string; until?: string;
  dryRun?: boolean; erase?: boolean; config?: string; json?: boolean; sink?: string; dbUrl?: string; archives?: string;
}

export function registerBuild(program: Command, ctx: () => CommandContext): void {
  storeOptions(program.command('build')
    .description('fetch history, clean it, add ATR and write master stores')
    .option('--symbol <symbol>', 'ccxt symbol, repeatable (ETH/USDT spot, BTC/USDT:USDT perpetual)', collect('--symbol'))
    .option('--timeframes <tf...>', 'timeframes, e.g. 1h 4h 1d (futures statistics: their period, 5m … 1d)')
    .option('--datasets <list>', `datasets: ${DATASETS.filter((d) => d.name !== 'coingecko-market').map((d) => d.name).join(', ')} (default ohlcv); all but ohlcv are USDT-M perpetuals only`, collect('--datasets'))
    .option('--years <n>', 'history to fetch, in years (default from config: 5)')
    .option('--days <n>', 'history to fetch, in days')
    .option('--since <date>', 'first candle (inclusive), e.g. 2021-01-01')
    .option('--until <date>', 'end (exclusive); default: the last closed candle')
    .option('--erase', 'replace existing stores with the range fetched (default: extend them, never shorten)')
    .option('--dry-run', 'fetch the range, run everything, write nothing')
    .option('--archives <mode>', 'auto (past months and days from a venue\'s archives where it has them, the rest from its API), off, or only (default from config: auto)')
    .option('--sink <name>', 'after writing, mirror the stores written into: postgres (default from config: none)')
    .option('--db-url <url>', 'the database for --sink postgres (default: config db_url, QML_DB_URL, DATABASE_URL)'), { exchange: true })
    .action(async (flags: BuildFlags) => runBuildCommand(flags, ctx()));
}

async function runBuildCommand(flags: BuildFlags, ctx: CommandContext): Promise<void> {
  const cfg = loadConfig(flags.config);
  const symbols = checkSymbols(flags.symbol ?? cfg.symbols);
  const timeframes = checkTimeframes(flags.timeframes ?? cfg.timeframes);
  const range = rangeFrom(flags, { kind: 'years', years: cfg.years });
  const settings = runSettings(cfg, flags, ctx.env);
  sinkOf(flags, cfg);
  const ex = exchangeSettings(cfg, flags, ctx.env);
  const dryRun = flags.dryRun ?? false;
  const archives = archivesFor(flags.archives, cfg, ctx.env, ex, settings.dataDir, ctx.runLog, dryRun);
  const outcomes = await withExchange(ex, settings.dataDir, ctx.log, ctx.terminal, (clientFor, progress) =>
    runBuild({ symbols, timeframes, datasets: flags.datasets, range, dryRun, erase: flags.erase ?? false }, settings, { clientFor, log: ctx.runLog, signal: ctx.signal, progress, archives }),
  { dryRun });
  ctx.print(flags.json ? JSON.stringify({ stores: outcomes }, null, 2) : renderOutcomes(outcomes));
  const sinkFailure = await syncWritten(flags, cfg, ctx, outcomes, flags.json ?? false);
  const failure = failureOf(outcomes);
  if (failure) throw failure;
  if (sinkFailure) throw sinkFailure;
}

