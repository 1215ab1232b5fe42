import type { Command } from 'commander';
import { DATASETS } from '../../datasets/registry.js';
import type { CommandContext } from '../command-context.js';
import { collect, storeOptions } from '../options.js';
import type { DbFlags } from './db-actions.js';

// the database driver is loaded only when a db command runs: every other command starts without it
export function registerDb(program: Command, ctx: () => CommandContext): void {
  const db = program.command('db').description('mirror the stores into PostgreSQL / TimescaleDB (Parquet stays the source of truth)');
  const url = (c: Command) => c.option('--db-url <url>', 'postgres://user:password@host:5432/db (default: QML_DB_URL, then DATABASE_URL); libpq options such as ?sslmode=require');
  storeOptions(url(db.command('init').description('create or migrate the schema (idempotent, versioned); on TimescaleDB: hypertables, compression and its policy'))
    .option('--compress-after <interval>', 'TimescaleDB: compress chunks older than this, e.g. "30 days" (default from config: db_compress_after); a changed age replaces the policy, rows untouched')
    .option('--aggregates', 'TimescaleDB: also create continuous aggregates of the candles (ohlcv_1h, ohlcv_1d), refreshed after each sync'), { json: 'print as JSON' })
    .action(async (flags: DbFlags & { compressAfter?: string; aggregates?: boolean }) => (await import('./db-actions.js')).dbInit(flags, ctx()));
  storeOptions(url(db.command('sync').description('send every store\'s rows the database does not hold yet'))
    .option('--datasets <list>', `datasets: ${DATASETS.map((d) => d.name).join(', ')}, liquidations, universe or all (default all)`, collect('--datasets'))
    .option('--symbol <symbol>', 'only this symbol, repeatable', collect('--symbol'))
    .option('--timeframes <tf...>', 'only these timeframes'), { json: 'print as JSON' })
    .action(async (flags: DbFlags) => (await import('./db-actions.js')).dbSync(flags, ctx()));
  storeOptions(url(db.command('status').description('per table: rows, newest time and, on TimescaleDB, chunks, compression and policies; per store: what the database lacks')), { json: 'print as JSON' })
    .action(async (flags: DbFlags) => (await import('./db-actions.js')).dbStatus(flags, ctx()));
}

