import type { DatasetDescriptor } from '../core/dataset.js';
import type { StoreRef } from '../store/store-read.js';
import { STORED_DATASETS } from '../datasets/registry.js';
import { schemaVersion, syncStore, syncUniverse, type SyncOutcome } from './db-sync.js';
import { MIGRATIONS } from './db-schema.js';
import { DatabaseError } from '../core/errors.js';
import { withDbPool } from './db-connection.js';
import type { SqlClient } from './sql-client.js';
import { aggregatesIn, refreshAggregates } from './timescale.js';

/** What a sync run copied, for the report and `--json`. */
export interface SyncReport {
  readonly stores: number;
  readonly rowsSent: number;
  readonly ms: number;
  readonly outcomes: readonly SyncOutcome[];
}

/** Connections a sync uses: stores go over them in parallel, one transaction each. */
export const SYNC_CONNECTIONS = 3;

/**
 * Sync the given stores (and, when asked, the universe snapshots), one store per
 * transaction, over SYNC_CONNECTIONS connections. The schema must be current (`db init`): a sync never
 * creates or changes tables.
 */
export async function runSync(url: string, dataDir: string, refs: readonly StoreRef[], extra: { universe: boolean }): Promise<SyncReport> {
  return withDbPool(url, Math.max(1, Math.min(SYNC_CONNECTIONS, refs.length)), (clients) => syncOver(clients, dataDir, refs, extra));
}

/** The sync over connected clients: stores spread over them, the universe and the aggregates on the first. */
export async function syncOver(clients: readonly SqlClient[], dataDir: string, refs: readonly StoreRef[], extra: { universe: boolean }): Promise<SyncReport> {
  const t0 = Date.now();
  const c = clients[0]!;
  const version = await schemaVersion(c);
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  if (version < latest) throw new DatabaseError(`the database schema is at version ${version}, this qml-data needs ${latest}: run \`qml-data db init\` first`);
  const outcomes: SyncOutcome[] = new Array(refs.length);
  let next = 0;
  await Promise.all(clients.map(async (client) => {
    while (next < refs.length) {
      const i = next++;
      outcomes[i] = await syncStore(client, descriptorOf(refs[i]!.dataset), refs[i]!);
    }
  }));
  if (extra.universe) outcomes.push(...await syncUniverse(c, dataDir));
  // TimescaleDB's continuous aggregates follow the rows just synced (outside any transaction)
  if (outcomes.some((o) => o.sent > 0)) await refreshAggregates(c, await aggregatesIn(c));
  return { stores: outcomes.length, rowsSent: outcomes.reduce((n, o) => n + o.sent, 0), ms: Date.now() - t0, outcomes };
}

function descriptorOf(name: string): DatasetDescriptor {
  return STORED_DATASETS.find((d) => d.name === name)!;
}
