import type { Command } from 'commander';
import { JobFailedError } from '../../core/errors.js';
import { STORED_DATASETS } from '../../datasets/registry.js';
import { allVenues, canonicalExchange } from '../../exchange/venue.js';
import { EventColumns } from '../../liquidations/events.js';
import { applyLayoutMigration, planLayoutMigration, type LayoutMove } from '../../store/migrate-layout.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { localDataDir, runSettings, storeOptions } from '../options.js';

interface MigrateFlags { apply?: boolean; dataDir?: string; config?: string; json?: boolean }

export function registerMigrateLayout(program: Command, ctx: () => CommandContext): void {
  storeOptions(program.command('migrate-layout')
    .description('move the stores of earlier versions (<data-dir>/<SYMBOL>/…) into their venue\'s folder (<data-dir>/<venue>/<SYMBOL>/…); lists the moves, --apply makes them')
    .option('--apply', 'move the files (each by rename, under its lock; nothing is rewritten or overwritten)'), { json: 'print as JSON' })
    .action(async (flags: MigrateFlags) => {
      const c = ctx();
      const cfg = loadConfig(flags.config);
      const settings = runSettings(cfg, flags, c.env);
      localDataDir(settings.dataDir, 'migrate-layout');
      const plan = await planLayoutMigration(settings.dataDir, STORED_DATASETS, canonicalExchange, venueOfJournal);
      const done = flags.apply ? await applyLayoutMigration(settings.dataDir, plan, settings.lockWaitMs) : [];
      if (flags.json) c.print(JSON.stringify({ ...plan, applied: flags.apply === true, moved: done }, null, 2));
      else {
        c.print([
          ...(flags.apply ? done : plan.moves).map((m) => `${flags.apply ? 'moved' : 'move '}  ${m.from} → ${m.to}`),
          ...plan.conflicts.map((m) => `kept   ${m.from}: ${m.to} already exists`),
          ...plan.unknown.map((u) => `kept   ${u.path}: ${u.why}`),
          `${flags.apply ? `${done.length} file(s) moved` : `${plan.moves.length} file(s) to move${plan.moves.length ? '; run with --apply to move them' : ''}`}`
          + `${plan.conflicts.length + plan.unknown.length ? `, ${plan.conflicts.length + plan.unknown.length} left in place` : ''} (${byVenue(plan.moves)})`,
        ].join('\n'));
      }
      if (flags.apply && plan.conflicts.length > 0) throw new JobFailedError(`${plan.conflicts.length} file(s) not moved: their venue's folder already holds a store of that name (compare them; remove one)`);
    });
}

/** The venue whose liquidation feed reads a journal's events. */
function venueOfJournal(text: string): string | undefined {
  const first = text.split('\n').find((l) => l.startsWith('E '));
  if (!first) return undefined;
  return allVenues().find((v) => v.liquidations?.parse(first.slice(2), { contractSize: () => 1 }, (e) => new EventColumns().add(e)) === 'events')?.id;
}

function byVenue(moves: readonly LayoutMove[]): string {
  const n = new Map<string, number>();
  for (const m of moves) n.set(m.exchange, (n.get(m.exchange) ?? 0) + 1);
  return n.size ? [...n].map(([v, k]) => `${k} to ${v}`).join(', ') : 'nothing to move';
}
