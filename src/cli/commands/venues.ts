import type { Command } from 'commander';
import { recordOf } from '../../datasets/registry.js';
import { allVenues } from '../../exchange/venue.js';
import { venueRows, venuesMarkdown, venuesMatrix } from '../../exchange/venue-table.js';
import type { CommandContext } from '../command-context.js';

interface VenuesFlags { json?: boolean; markdown?: boolean }

export function registerVenues(program: Command, ctx: () => CommandContext): void {
  program.command('venues')
    .description('the venues qml-data fetches from: their datasets, periods, history depth, units, budgets and liquidation streams')
    .option('--markdown', 'the Markdown tables of the docs: datasets × venues (README.md), then a row per venue and dataset (docs/venues.md)')
    .option('--json', 'print as JSON')
    .action((flags: VenuesFlags) => {
      const c = ctx();
      const rows = allVenues().map((v) => venueRows(v, Date.now(), (d) => recordOf(d)?.plan === 'settlements'));
      if (flags.json) return c.print(JSON.stringify(rows, null, 2));
      if (flags.markdown) return c.print(`${venuesMatrix(rows)}\n\n${venuesMarkdown(rows)}`);
      const out: string[] = [];
      for (const v of rows) {
        out.push(`${v.venue} (${v.name}, ccxt ${v.ccxtId})`, `  timeframes: ${v.timeframes.join(' ')}`, `  budget: ${v.budget}`,
          `  liquidations: ${v.liquidations === 'none' ? 'no stream' : `${v.liquidations} stream`}; archives: ${v.archives ? 'yes' : 'no'}`);
        const w = Math.max(...v.datasets.map((d) => d.dataset.length));
        for (const d of v.datasets) out.push(`  ${d.dataset.padEnd(w)}  ${d.depth.padEnd(24)}  ${d.served}`);
        out.push('');
      }
      c.print(out.join('\n').trimEnd());
    });
}
