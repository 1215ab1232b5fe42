import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { JobFailedError, UsageError } from '../../core/errors.js';
import { parseUserDate } from '../../core/time-format.js';
import { DATASETS, datasetsNamed, STORED_DATASETS } from '../../datasets/registry.js';
import { findStores } from '../../pipeline/store-reports.js';
import { loadPageAssets } from '../../report/assets.js';
import { gatherReport } from '../../report/gather.js';
import { renderReportHtml } from '../../report/html.js';
import { writeTextFile } from '../../store/json-file.js';
import { isRemote } from '../../store/object-store.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { collect, dataDirOf, positiveNumber, storeOptions } from '../options.js';

interface ReportFlags { out?: string; datasets?: string[]; exchange?: string; symbol?: string; since?: string; days?: string; until?: string; open?: boolean; dataDir?: string; config?: string; json?: boolean }

const DAY = 86_400_000;

export function registerReport(program: Command, ctx: () => CommandContext): void {
  storeOptions(program.command('report')
    .description('one self-contained HTML page about the data folder: coverage heatmaps, health, universe, collector cycles, one symbol\'s values')
    .option('--out <file>', 'where to write the page (default <data-dir>/report.html; ./report.html for an s3:// data folder)')
    .option('--datasets <list>', `datasets to show: ${DATASETS.map((d) => d.name).join(', ')} or all (default all)`, collect('--datasets'))
    .option('--exchange <id>', 'only this venue\'s stores')
    .option('--symbol <symbol>', 'the symbol of the value chart (default: the universe\'s first member, else the symbol with the most stores)')
    .option('--days <n>', 'days shown, up to the newest row in the folder (default 90)')
    .option('--since <date>', 'first day shown (instead of --days)')
    .option('--until <date>', 'end of the window (default: the end of the newest row\'s day)')
    .option('--open', 'open the page in the desktop\'s browser (where there is a desktop)'), { json: 'print the page\'s path and figures as JSON' })
    .action(async (flags: ReportFlags) => {
      const c = ctx();
      const cfg = loadConfig(flags.config);
      const dataDir = dataDirOf(cfg, flags, c.env);
      // a bucket is checked by listing its stores (a wrong key or endpoint fails there, one line)
      if (!isRemote(dataDir) && !(await stat(dataDir).then((st) => st.isDirectory(), () => false))) throw new UsageError(`--data-dir ${dataDir} is not a folder (expected the data folder build and collect write, e.g. data/processed)`);
      if (flags.since !== undefined && flags.days !== undefined) throw new UsageError('give only one of --days, --since');
      const until = flags.until === undefined ? undefined : Math.ceil(parseUserDate(flags.until, '--until') / DAY) * DAY;
      const since = flags.since === undefined ? undefined : Math.floor(parseUserDate(flags.since, '--since') / DAY) * DAY;
      if (since !== undefined && until !== undefined && since >= until) throw new UsageError(`--since ${flags.since} is not before --until ${flags.until}`);
      const days = Math.ceil(positiveNumber('--days', flags.days) ?? 90);
      const datasets = datasetsNamed(flags.datasets ?? ['all'], STORED_DATASETS).filter((d) => d.name !== 'liquidations');
      const refs = await findStores(dataDir, { datasets, exchange: flags.exchange });
      if (refs.length === 0) throw new JobFailedError(`no stores in ${dataDir}${flags.datasets || flags.exchange ? ' matching the filter' : ''}`);
      const started = Date.now();
      const data = await gatherReport({ dataDir, refs, days, now: started, ...(since !== undefined ? { from: since } : {}), ...(until !== undefined ? { to: until } : {}), ...(flags.symbol ? { symbol: flags.symbol } : {}) });
      const html = renderReportHtml(data, await loadPageAssets());
      // beside the stores, or (stores in a bucket) in the current folder
      const out = resolve(flags.out ?? (isRemote(dataDir) ? 'report.html' : join(dataDir, 'report.html')));
      const bytes = await writeTextFile(out, html);
      const figures = { path: out, bytes, stores: refs.length, days: data.window.days.length, ms: Date.now() - started };
      c.print(flags.json ? JSON.stringify(figures, null, 2) : `report: ${out} (${(bytes / (1 << 20)).toFixed(1)} MiB, ${refs.length} store(s), ${data.window.days.length} day(s), ${figures.ms} ms)`);
      if (flags.open) openInBrowser(out, c);
    });
}

/** Open a file with the desktop's handler; on Linux only where a display is set (a server has none: the path is printed anyway). */
function openInBrowser(path: string, c: CommandContext): void {
  const env = c.env;
  const [cmd, args] = process.platform === 'darwin' ? ['open', [path]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', path]] : ['xdg-open', [path]];
  if (process.platform === 'linux' && !env['DISPLAY'] && !env['WAYLAND_DISPLAY']) {
    c.log.warn({ path }, 'no desktop here (DISPLAY and WAYLAND_DISPLAY are unset): open the page from a machine with a browser');
    return;
  }
  const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', (e) => c.log.warn({ path, err: e.message }, `could not open the page with ${cmd as string}`));
  child.unref();
}
