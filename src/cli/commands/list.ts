import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { describeStores, findStores } from '../../pipeline/store-reports.js';
import { DATASETS, datasetsNamed } from '../../datasets/registry.js';
import type { CommandContext } from '../command-context.js';
import { collect, dataDirOf, storeOptions } from '../options.js';
import { durationText } from './liquidations.js';
import { liquidationDays } from '../../liquidations/days.js';
import { findLeftovers } from '../../store/leftovers.js';
import { loadConfig } from '../config.js';
import { isRemote } from '../../store/object-store.js';

interface ListFlags { exchange?: string; dataDir?: string; config?: string; json?: boolean; datasets?: string[]; symbol?: string[]; timeframes?: string[]; market?: string }

export function registerList(program: Command, ctx: () => CommandContext): void {
  storeOptions(program.command('list')
    .description('every store with its rows, time range, gaps, size and last update')
    .option('--symbol <symbol>', 'only this symbol, repeatable', collect('--symbol'))
    .option('--timeframes <tf...>', 'only these timeframes')
    .option('--market <kind>', 'only spot or perp stores')
    .option('--exchange <id>', 'only this venue\'s stores')
    .option('--datasets <list>', `datasets to list: ${DATASETS.map((d) => d.name).join(', ')}, liquidations (per day) or all (default ohlcv)`, collect('--datasets')), { json: 'print as JSON' })
    .action(async (flags: ListFlags) => {
      const c = ctx();
      const cfg = loadConfig(flags.config); // a --config that cannot be read is an error even when --data-dir is given
      const dataDir = dataDirOf(cfg, flags, c.env);
      // a bucket is checked by listing its stores (a wrong key or endpoint fails there, one line)
      if (!isRemote(dataDir) && !(await stat(dataDir).then((st) => st.isDirectory(), () => false))) throw new UsageError(`--data-dir ${dataDir} is not a folder (expected the data folder build and collect write, e.g. data/processed)`);
      if (flags.market !== undefined && flags.market !== 'spot' && flags.market !== 'perp') throw new UsageError(`--market "${flags.market}" is not a market (expected spot or perp)`);
      const names = flags.datasets ?? ['ohlcv'];
      // liquidations are day files of the recorder, not stores: listed per day after the stores
      const withLiquidations = names.includes('liquidations') || names.includes('all');
      const storeNames = names.filter((n) => n !== 'liquidations');
      const refs = storeNames.length === 0 ? [] : (await findStores(dataDir, { datasets: datasetsNamed(storeNames), symbols: flags.symbol, timeframes: flags.timeframes, exchange: flags.exchange }))
        .filter((r) => flags.market === undefined || (flags.market === 'perp') === r.symbol.includes(':'));
      const stores = await describeStores(refs, Date.now());
      const days = withLiquidations && !isRemote(dataDir) ? await liquidationDays(dataDir, Date.now(), flags.exchange) : undefined;
      // leftovers of interrupted runs are local files (temp files, checkpoints, locks)
      const leftovers = isRemote(dataDir) ? [] : await findLeftovers(dataDir);
      if (flags.json) return c.print(JSON.stringify({ stores, ...(days ? { liquidations: days } : {}), leftovers }, null, 2));
      const dayLines = (days ?? []).map((d) => `liquidations ${d.exchange ?? '?'} ${d.day}  ${d.events} events  ${d.symbols} symbols  ${durationText(d.coveredMs)} of ${durationText(d.spanMs)} covered, ${d.gaps.length} gap(s)`);
      const header = ['EXCHANGE', 'SYMBOL', 'TF', 'ROWS', 'FIRST', 'LAST', 'BEHIND', 'GAPS', 'SIZE', 'UPDATED'];
      const rows = stores.map((s) => [s.exchange ?? '?', s.symbol, s.dataset === 'ohlcv' ? s.timeframe : s.dataset, String(s.rows), s.first ?? '-', s.last ?? '-', s.behind === null ? '-' : String(s.behind), String(s.gaps),
        kib(s.bytes), s.error ? `unreadable: ${s.error}` : s.updatedAt ?? '-']);
      const note = leftovers.length ? [`${leftovers.length} leftover(s) of interrupted runs (temp files, checkpoints, stale locks, empty folders): see \`qml-data clean-up\``] : [];
      c.print([...(storeNames.length ? [table([header, ...rows]) + `\n${stores.length} store(s) in ${dataDir}`] : []), ...dayLines, ...note].join('\n'));
    });
}

function kib(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
