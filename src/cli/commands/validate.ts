import type { Command } from 'commander';
import { JobFailedError } from '../../core/errors.js';
import { findStores, validateStores } from '../../pipeline/store-reports.js';
import { DATASETS, datasetsNamed } from '../../datasets/registry.js';
import { checkDataDir } from '../../store/store-path.js';
import { renderHealthText } from '../../validate/render-findings.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { collect, storeOptions, wholeNumber } from '../options.js';
import { isoUtc, parseUserDate } from '../../core/time-format.js';
import { listDayFiles, readDay } from '../../store/liquidation-day.js';
import { liquidationsDir } from '../../liquidations/journal.js';
import { checkLiquidationDay } from '../../validate/check-liquidations.js';
import { statusOf } from '../../validate/findings.js';
import type { StoreHealth } from '../../validate/render-findings.js';

interface ValidateFlags { symbol?: string[]; timeframes?: string[]; datasets?: string[]; dataDir?: string; config?: string; json?: boolean; strict?: boolean; now?: string; staleAfter?: string }

export function registerValidate(program: Command, ctx: () => CommandContext): void {
  storeOptions(program.command('validate')
    .description('health report of every store (exit 1 when one fails)')
    .option('--symbol <symbol>', 'only this symbol, repeatable', collect('--symbol'))
    .option('--timeframes <tf...>', 'only these timeframes')
    .option('--datasets <list>', `datasets to check: ${DATASETS.map((d) => d.name).join(', ')}, liquidations (per day) or all (default ohlcv)`, collect('--datasets'))
    .option('--strict', 'fail on warnings too')
    .option('--stale-after <n>', 'warn STALE when more than n closed candles are missing at the end (default 3)')
    .option('--now <date>', 'judge open candles and staleness as of this time (default: the clock)'), { json: 'print the report as JSON' })
    .action(async (flags: ValidateFlags) => {
      const c = ctx();
      const cfg = loadConfig(flags.config); // a --config that cannot be read is an error even when --data-dir is given
      const dataDir = checkDataDir(flags.dataDir ?? cfg.data_dir);
      const staleAfter = wholeNumber('--stale-after', flags.staleAfter);
      const names = flags.datasets ?? ['ohlcv'];
      const storeNames = names.filter((n) => n !== 'liquidations');
      const refs = storeNames.length === 0 ? [] : await findStores(dataDir, { symbols: flags.symbol, timeframes: flags.timeframes, datasets: datasetsNamed(storeNames) });
      const now = flags.now === undefined ? Date.now() : parseUserDate(flags.now, '--now');
      const days = names.includes('liquidations') || names.includes('all') ? await validateLiquidationDays(dataDir, now) : [];
      if (refs.length === 0 && days.length === 0) throw new JobFailedError(`no stores${flags.symbol || flags.timeframes ? ' matching the filter' : ''} in ${dataDir}`);
      const stores = [...await validateStores(refs, now, staleAfter), ...days];
      c.print(flags.json ? JSON.stringify({ stores }, null, 2) : renderHealthText(stores));
      const bad = stores.filter((s) => s.status === 'fail' || (flags.strict && s.status === 'warn'));
      if (bad.length > 0) throw new JobFailedError(`${bad.length} of ${stores.length} store(s) failed validation`);
    });
}

/** Every liquidations day file, checked: its events, and how much of the day was seen. */
async function validateLiquidationDays(dataDir: string, now: number): Promise<StoreHealth[]> {
  const out: StoreHealth[] = [];
  for (const { day, label, path } of await listDayFiles(liquidationsDir(dataDir))) {
    const base = { dataset: 'liquidations', symbol: 'all', timeframe: label, path };
    try {
      const d = (await readDay(path))!;
      const time = d.frame.numbers['time']!;
      const findings = checkLiquidationDay(d.frame, d.coverage, day, now);
      out.push({ ...base, rows: d.frame.length, first: time.length ? isoUtc(time[0]) ?? null : null, last: time.length ? isoUtc(time[time.length - 1]) ?? null : null, status: statusOf(findings), findings });
    } catch (e) {
      const findings = [{ code: 'UNREADABLE' as const, severity: 'fail' as const, count: 1, message: (e as Error).message }];
      out.push({ ...base, rows: 0, first: null, last: null, status: 'fail', findings });
    }
  }
  return out;
}
