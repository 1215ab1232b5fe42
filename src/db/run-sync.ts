import type pg from 'pg';
import type { DatasetDescriptor } from '../core/dataset.js';
import type { StoreRef } from '../store/store-read.js';
import { DATASETS } from '../datasets/registry.js';
import { schemaVersion, syncLiquidations, syncStore, syncUniverse, type SyncOutcome } from './db-sync.js';
import { MIGRATIONS } from './db-schema.js';
import { DatabaseError } from '../core/errors.js';

/** What a sync run copied, for the report and `--json`. */
export interface SyncReport {
  readonly stores: number;
  readonly rowsSent: number;
  readonly ms: number;
  readonly outcomes: readonly SyncOutcome[];
}

/**
 * Sync the given stores (and, when asked, the liquidation days and universe snapshots) one store per
 * transaction. The schema must be current (`db init`): a sync never creates or changes tables.
 */
export async function runSync(c: pg.Client, dataDir: string, refs: readonly StoreRef[], extra: { liquidations: boolean; universe: boolean }): Promise<SyncReport> {
  const t0 = Date.now();
  const version = await schemaVersion(c);
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  if (version < latest) throw new DatabaseError(`the database schema is at version ${version}, this qml-data needs ${latest}: run \`qml-data db init\` first`);
  const outcomes: SyncOutcome[] = [];
  for (const ref of refs) outcomes.push(await syncStore(c, descriptorOf(ref.dataset), ref));
  if (extra.liquidations) outcomes.push(...await syncLiquidations(c, dataDir));
  if (extra.universe) outcomes.push(...await syncUniverse(c, dataDir));
  return { stores: outcomes.length, rowsSent: outcomes.reduce((n, o) => n + o.sent, 0), ms: Date.now() - t0, outcomes };
}

function descriptorOf(name: string): DatasetDescriptor {
  return DATASETS.find((d) => d.name === name)!;
}
