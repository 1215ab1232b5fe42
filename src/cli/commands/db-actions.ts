import { datasetsNamed, STORED_DATASETS } from '../../datasets/registry.js';
import { dbUrlFrom, redactUrl, withDb } from '../../db/db-connection.js';
import { allTables, tableOf, UNIVERSE_TABLE } from '../../db/db-schema.js';
import { readStoreMeta } from '../../store/store-read.js';
import { hasTimescale, initSchema, schemaVersion, storeKeyOf } from '../../db/db-sync.js';
import { runSync, type SyncReport } from '../../db/run-sync.js';
import { describeStores, findStores } from '../../pipeline/store-reports.js';
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

export async function dbInit(flags: DbFlags, c: CommandContext): Promise<void> {
    const target = dbUrlFrom(flags.dbUrl ?? loadConfig(flags.config).db_url ?? undefined, c.env);
    const result = await withDb(target, async (client) => {
      const applied = await initSchema(client, (m) => c.log.info({}, m));
      return { applied, version: await schemaVersion(client), timescale: await hasTimescale(client) };
    });
    c.print(flags.json ? JSON.stringify(result, null, 2)
      : `schema at version ${result.version} in ${redactUrl(target)}${result.applied.length ? ` (applied ${result.applied.join(', ')})` : ' (already current)'}; ${result.timescale ? 'TimescaleDB: hypertables' : 'plain PostgreSQL (no timescaledb extension on this server)'}`);
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
    const status = await withDb(target, async (client) => {
      const tables = [];
      for (const name of [...allTables().map((t) => t.name), UNIVERSE_TABLE]) {
        const time = name === UNIVERSE_TABLE ? 'created_at' : 'time';
        const r = (await client.query(`SELECT count(*) AS rows, max(${time}) AS newest FROM ${name}`)).rows[0] as { rows: string; newest: Date | null };
        tables.push({ table: name, rows: Number(r.rows), newest: r.newest?.toISOString() ?? null });
      }
      const synced = new Map((await client.query('SELECT table_name, store, last_time FROM qml_sync_state')).rows.map((r: { table_name: string; store: string; last_time: Date | null }) => [`${r.table_name}|${r.store}`, r.last_time?.toISOString() ?? null]));
      const refs = await findStores(dataDir, { datasets: [...STORED_DATASETS] });
      const listed = await describeStores(refs, Date.now());
      const stores = [];
      for (const [i, ref] of refs.entries()) {
        const d = STORED_DATASETS.find((x) => x.name === ref.dataset)!;
        const key = `${tableOf(d).name}|${[...storeKeyOf(d, ref, (await readStoreMeta(ref.path)).exchange), ...(d.scope === 'venue' ? [ref.timeframe] : [])].join(' ')}`;
        const inDb = synced.get(key) ?? null;
        stores.push({ dataset: ref.dataset, exchange: ref.exchange, symbol: ref.symbol, timeframe: ref.timeframe, storeLast: listed[i]!.last, dbLast: inDb, behind: inDb === null || listed[i]!.last === null || Date.parse(inDb) !== Date.parse(listed[i]!.last!) });
      }
      return { tables, stores };
    });
    if (flags.json) return c.print(JSON.stringify(status, null, 2));
    const behind = status.stores.filter((s) => s.behind);
    c.print([
      ...status.tables.filter((t) => t.rows > 0).map((t) => `${t.table.padEnd(26)} ${String(t.rows).padStart(10)} rows  newest ${t.newest}`),
      `${status.stores.length - behind.length} of ${status.stores.length} store(s) current in the database${behind.length ? `; behind: ${behind.slice(0, 10).map((s) => `${s.symbol} ${s.dataset === 'ohlcv' ? s.timeframe : s.dataset} (db ${s.dbLast ?? 'none'}, store ${s.storeLast})`).join(', ')}${behind.length > 10 ? ` and ${behind.length - 10} more` : ''}` : ''}`,
    ].join('\n'));
}
