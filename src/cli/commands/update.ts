import type { Command } from 'commander';
import { DATASETS } from '../../datasets/registry.js';
import { UsageError } from '../../core/errors.js';
import { runUpdate } from '../../pipeline/update.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { withExchange } from '../exchange-session.js';
import { archivesFor, checkSymbols, checkTimeframes, collect, type ExchangeFlags, exchangeSettings, runSettings, storeOptions } from '../options.js';
import { failureOf, renderOutcomes } from '../report.js';
import { sinkOf, syncWritten } from '../sink.js';

interface UpdateFlags extends ExchangeFlags { symbol?: string[]; timeframes?: string[]; datasets?: string[]; config?: string; json?: boolean; sink?: string; dbUrl?: string; archives?: string }

export function registerUpdate(program: Command, ctx: () => CommandContext): void {
  storeOptions(program.command('update')
    .description('append newly closed candles to existing stores')
    .option('--symbol <symbol>', 'only this symbol, repeatable (default: every store)', collect('--symbol'))
    .option('--timeframes <tf...>', 'only these timeframes')
    .option('--datasets <list>', `stores of these datasets: ${DATASETS.map((d) => d.name).join(', ')} or all (default ohlcv)`, collect('--datasets'))
    .option('--archives <mode>', 'auto (whole past months and days from a venue\'s archives where it has them, after a long pause), off, or only (default from config: auto)')
    .option('--sink <name>', 'after writing, mirror the stores written into: postgres (default from config: none)')
    .option('--db-url <url>', 'the database for --sink postgres (default: config db_url, QML_DB_URL, DATABASE_URL)'), { exchange: true })
    .action(async (flags: UpdateFlags) => {
      const c = ctx();
      const cfg = loadConfig(flags.config);
      const options = {
        symbols: flags.symbol ? checkSymbols(flags.symbol) : undefined,
        timeframes: flags.timeframes ? checkTimeframes(flags.timeframes) : undefined,
        exchange: flags.exchange,
        datasets: flags.datasets,
      };
      const settings = runSettings(cfg, flags, c.env);
      sinkOf(flags, cfg);
      const ex = exchangeSettings(cfg, flags, c.env);
      const archives = archivesFor(flags.archives, cfg, c.env, ex, settings.dataDir, c.runLog);
      const outcomes = await withExchange(ex, settings.dataDir, c.log, c.terminal, (clientFor, progress) =>
        runUpdate(options, settings, { clientFor, log: c.runLog, signal: c.signal, progress, archives }));
      if (outcomes.length === 0) throw new UsageError(`no stores in ${settings.dataDir} to update (run build first)`);
      c.print(flags.json ? JSON.stringify({ stores: outcomes }, null, 2) : renderOutcomes(outcomes));
      const sinkFailure = await syncWritten(flags, cfg, c, outcomes, flags.json ?? false);
      const failure = failureOf(outcomes);
      if (failure) throw failure;
      if (sinkFailure) throw sinkFailure;
    });
}
