import { UsageError } from '../core/errors.js';
import type { StoreOutcome } from '../pipeline/outcome.js';
import type { CommandContext } from './command-context.js';
import type { Config } from './config.js';

export interface SinkFlags { sink?: string; dbUrl?: string }

/** The sink a run mirrors into: `--sink`, else the config's `sink`. */
export function sinkOf(flags: SinkFlags, cfg: Config): 'none' | 'postgres' {
  const s = flags.sink ?? cfg.sink;
  if (s !== 'none' && s !== 'postgres') throw new UsageError(`--sink "${s}" is not a sink (expected postgres or none)`);
  return s;
}

/**
 * After the Parquet writes: mirror the stores this run wrote into PostgreSQL. A database failure never
 * touches the stores; it is reported on its own and the command exits 5 (unless a store failed too).
 */
export async function syncWritten(flags: SinkFlags, cfg: Config, c: CommandContext, outcomes: readonly StoreOutcome[], json: boolean): Promise<Error | undefined> {
  if (sinkOf(flags, cfg) !== 'postgres') return undefined;
  const written = outcomes.filter((o) => o.status === 'written' && o.dataset);
  const { dbUrlFrom } = await import('../db/db-url.js');
  const url = dbUrlFrom(flags.dbUrl ?? cfg.db_url ?? undefined, c.env);
  try {
    const { runSync } = await import('../db/run-sync.js');
    const { syncText } = await import('./commands/db-actions.js');
    const report = await runSync(url, '', written.map((o) => ({ dataset: o.dataset!, exchange: o.exchange, symbol: o.symbol, timeframe: o.timeframe ?? '', path: o.path })), { universe: false });
    if (!json) c.print(syncText(report, url));
    c.log.info({ stores: report.stores, rows: report.rowsSent, ms: report.ms }, 'mirrored into the database');
    return undefined;
  } catch (e) {
    c.log.warn({ err: (e as Error).message }, 'the database sink failed; the stores are written');
    return e as Error;
  }
}
