import type { Command } from 'commander';
import { JobFailedError } from '../../core/errors.js';
import { findStores, validateStores } from '../../pipeline/store-reports.js';
import { DATASETS, datasetsNamed, STORED_DATASETS } from '../../datasets/registry.js';
import { renderHealthText } from '../../validate/render-findings.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { collect, dataDirOf, storeOptions, wholeNumber } from '../options.js';
import { parseUserDate } from '../../core/time-format.js';

interface ValidateFlags { exchange?: string; symbol?: string[]; timeframes?: string[]; datasets?: string[]; dataDir?: string; config?: string; json?: boolean; strict?: boolean; now?: string; staleAfter?: string }

export function registerValidate(program: Command, ctx: () => CommandContext): void {
  storeOptions(program.command('validate')
    .description('health report of every store (exit 1 when one fails)')
    .option('--symbol <symbol>', 'only this symbol, repeatable', collect('--symbol'))
    .option('--timeframes <tf...>', 'only these timeframes')
    .option('--exchange <id>', 'only this venue\'s stores')
    .option('--datasets <list>', `datasets to check: ${DATASETS.map((d) => d.name).join(', ')} (liquidations per day) or all (default ohlcv)`, collect('--datasets'))
    .option('--strict', 'fail on warnings too')
    .option('--stale-after <n>', 'warn STALE when more than n closed candles are missing at the end (default 3)')
    .option('--now <date>', 'judge open candles and staleness as of this time (default: the clock)'), { json: 'print the report as JSON' })
    .action(async (flags: ValidateFlags) => {
      const c = ctx();
      const cfg = loadConfig(flags.config); // a --config that cannot be read is an error even when --data-dir is given
      const dataDir = dataDirOf(cfg, flags, c.env);
      const staleAfter = wholeNumber('--stale-after', flags.staleAfter);
      const names = flags.datasets ?? ['ohlcv'];
      const now = flags.now === undefined ? Date.now() : parseUserDate(flags.now, '--now');
      const refs = await findStores(dataDir, { symbols: flags.symbol, timeframes: flags.timeframes, datasets: datasetsNamed(names, STORED_DATASETS), exchange: flags.exchange });
      if (refs.length === 0) throw new JobFailedError(`no stores${flags.symbol || flags.timeframes ? ' matching the filter' : ''} in ${dataDir}`);
      const stores = await validateStores(refs, now, staleAfter);
      c.print(flags.json ? JSON.stringify({ stores }, null, 2) : renderHealthText(stores));
      const bad = stores.filter((s) => s.status === 'fail' || (flags.strict && s.status === 'warn'));
      if (bad.length > 0) throw new JobFailedError(`${bad.length} of ${stores.length} store(s) failed validation`);
    });
}

