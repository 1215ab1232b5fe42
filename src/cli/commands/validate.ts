import type { Command } from 'commander';
import { JobFailedError } from '../../core/errors.js';
import { findStores, validateStores } from '../../pipeline/inspect.js';
import { checkDataDir } from '../../store/master-path.js';
import { renderHealthText } from '../../validate/render-findings.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { collect, storeOptions } from '../options.js';

interface ValidateFlags { symbol?: string[]; timeframes?: string[]; dataDir?: string; config?: string; json?: boolean; strict?: boolean }

export function registerValidate(program: Command, ctx: () => CommandContext): void {
  storeOptions(program.command('validate')
    .description('health report of every store (exit 1 when one fails)')
    .option('--symbol <symbol>', 'only this symbol, repeatable', collect)
    .option('--timeframes <tf...>', 'only these timeframes')
    .option('--strict', 'fail on warnings too'), { json: 'print the report as JSON' })
    .action(async (flags: ValidateFlags) => {
      const c = ctx();
      const dataDir = checkDataDir(flags.dataDir ?? loadConfig(flags.config).data_dir);
      const refs = await findStores(dataDir, { symbols: flags.symbol, timeframes: flags.timeframes });
      if (refs.length === 0) throw new JobFailedError(`no stores${flags.symbol || flags.timeframes ? ' matching the filter' : ''} in ${dataDir}`);
      const stores = await validateStores(refs, Date.now());
      c.print(flags.json ? JSON.stringify({ stores }, null, 2) : renderHealthText(stores));
      const bad = stores.filter((s) => s.status === 'fail' || (flags.strict && s.status === 'warn'));
      if (bad.length > 0) throw new JobFailedError(`${bad.length} of ${stores.length} store(s) failed validation`);
    });
}
