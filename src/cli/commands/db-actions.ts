import { datasetsNamed, STORED_DATASETS } from '../../datasets/registry.js';
import { dbUrlFrom, redactUrl, withDb } from '../../db/db-connection.js';
import { initSchema, schemaVersion } from '../../db/db-sync.js';
import { dbStatusOf, dbStatusText } from '../../db/db-status.js';
import { aggregatesIn, hasTimescale } from '../../db/timescale.js';
import { runSync, type SyncReport } from '../../db/run-sync.js';
import { findStores } from '../../pipeline/store-reports.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { runSettings } from '../options.js';

export interface DbFlags { exchange?: string; dbUrl?: string; dataDir?: string; config?: string; json?: boolean; datasets?: string[]; symbol?: string[]; timeframes?: string[] }

/** `db sync` and `--sink postgres`: the stores named (default: every dataset, liquidations included), then universe snapshots. */
export async function syncData(url: string, dataDir: string, f: { datasets?: string[]; symbol?: string[]; timeframes?: string[]; exchange?: string }): Promise<SyncReport> {
  const names = f.datasets ?? ['all'];
  const all = names.includes('all');
  const stores = names.filter((n) => n !== 'universe' && n !== 'all');
  // a venue's stores (liquidations) hold every symbol: --symbol leaves them out
  const datasets = (all ? [...STORED_DATASETS] : datasetsNamed(stores, STORED_DATASETS)).filter((d) => !f.symbol || d.scope !== 'venue');
  const refs = await findStores(dataDir, { datasets, symbols: f.symbol, timeframes: f.timeframes, exchange: f.exchange });
  return runSync(url, dataDir, all || stores.length ? refs : [], { universe: (all || names.includes('universe')) && !f.symbol });
}

export function syncText(r: SyncReport, url: string): string {
  const sent = r.outcomes.filter((o) => o.sent > 0);
  return [
    ...sent.slice(0, 20).map((o) => `${o.mode.padEnd(9)} ${o.table} ${o.store}  ${o.sent.toLocaleString('en-US')} rows`),
    ...(sent.length > 20 ? [`… and ${sent.length - 20} more`] : []),
    `${r.stores} store(s) synced to ${redactUrl(url)}: ${r.rowsSent.toLocaleString('en-US')} rows sent in ${(r.ms / 1000).toFixed(1)} s`,
  ].join('\n');
}

export async function dbInit(flags: DbFlags & { compressAfter?: string; aggregates?: boolean }, c: CommandContext): Promise<void> {
    const cfg = loadConfig(flags.config);
    const target = dbUrlFrom(flags.dbUrl ?? cfg.db_url ?? undefined, c.env);
    const result = await withDb(target, async (client) => {
      const applied = await initSchema(client, (m) => c.log.info({}, m), { compressAfter: flags.compressAfter ?? cfg.db_compress_after, aggregates: flags.aggregates ?? false });
      return { applied, version: await schemaVersion(client), timescale: await hasTimescale(client), aggregates: await aggregatesIn(client) };
    });
    c.print(flags.json ? JSON.stringify(result, null, 2)
      : `schema at version ${result.version} in ${redactUrl(target)}${result.applied.length ? ` (applied ${result.applied.join(', ')})` : ' (already current)'}; ${result.timescale ? `TimescaleDB: hypertables, compressed after ${flags.compressAfter ?? cfg.db_compress_after}${result.aggregates.length ? `, continuous aggregates ${result.aggregates.join(', ')}` : ''}` : 'plain PostgreSQL (no timescaledb extension on this server)'}`);
}

export async function dbSync(flags: DbFlags, c: CommandContext): Promise<void> {
    const cfg = loadConfig(flags.config);
    const target = dbUrlFrom(flags.dbUrl ?? cfg.db_url ?? undefined, c.env);
    const report = await syncData(target, runSettings(cfg, flags, c.env).dataDir, flags);
    c.print(flags.json ? JSON.stringify(report, null, 2) : syncText(report, target));
}

export async function dbStatus(flags: DbFlags, c: CommandContext): Promise<void> {
    const cfg = loadConfig(flags.config);
    const target = dbUrlFrom(flags.dbUrl ?? cfg.db_url ?? undefined, c.env);
    const dataDir = runSettings(cfg, flags, c.env).dataDir;
    const status = await withDb(target, (client) => dbStatusOf(client, dataDir));
    c.print(flags.json ? JSON.stringify(status, null, 2) : dbStatusText(status));
}
