import type { DatasetDescriptor } from '../core/dataset.js';
import { STORED_DATASETS } from '../datasets/registry.js';
import { allVenues } from '../exchange/venue.js';

/** A column of a database table: its name, PostgreSQL type, and where its values come from. */
export interface DbColumn {
  readonly name: string;
  readonly type: 'timestamptz' | 'float8' | 'int8' | 'text';
  readonly nullable: boolean;
  /** The store column (descriptor key) it mirrors; none for columns the stores do not keep (null). */
  readonly from?: string;
}

/** The table mirroring one dataset: key columns first (the primary key), then values. */
export interface DbTable {
  readonly name: string;
  readonly dataset: string;
  readonly columns: readonly DbColumn[];
  readonly key: readonly string[];
  /** The columns naming a store inside the table (symbol, exchange, timeframe): one store's rows. */
  readonly storeKey: readonly string[];
}

/**
 * The table of a dataset: `time, symbol, exchange[, timeframe]` then the store's columns, lower case; a
 * venue's dataset (liquidations) has `time, exchange` then its columns, its own `symbol` among them.
 * Candles are the source system's `ohlcv` table: its column names, and `quote_volume` and `trades`,
 * which qml-data stores do not keep (null), plus `atr`. The key of events kept as a set (liquidations) is
 * every value: nullable columns are in it, so it is a unique index that takes nulls as equal.
 */
export function tableOf(d: DatasetDescriptor): DbTable {
  const venue = d.scope === 'venue';
  const id: DbColumn[] = [
    { name: 'time', type: 'timestamptz', nullable: false, from: 'time' },
    ...(venue ? [] : [{ name: 'symbol', type: 'text' as const, nullable: false }]),
    { name: 'exchange', type: 'text', nullable: false },
    ...(d.perTimeframe ? [{ name: 'timeframe', type: 'text' as const, nullable: false }] : []),
  ];
  const values: DbColumn[] = d.columns.filter((c) => c.key !== 'time').map((c) => ({
    name: c.name.toLowerCase(), type: c.type === 'text' ? 'text' as const : c.type === 'timestamp' ? 'timestamptz' as const : 'float8' as const, nullable: c.nullable, from: c.key,
  }));
  if (d.name === 'ohlcv') {
    const atr = values.pop()!;
    values.push({ name: 'quote_volume', type: 'float8', nullable: true }, { name: 'trades', type: 'int8', nullable: true }, atr);
  }
  const storeKey = id.filter((c) => c.name !== 'time').map((c) => c.name);
  const key = d.merge === 'distinct' ? [...id, ...values].map((c) => c.name) : id.map((c) => c.name);
  return { name: d.name.replace(/-/g, '_'), dataset: d.name, columns: [...id, ...values], key, storeKey };
}

/** Universe snapshots: one row per member of each day's universe. */
export const UNIVERSE_TABLE = 'universe_snapshots';

/** Every dataset table. */
export function allTables(): DbTable[] {
  return STORED_DATASETS.map(tableOf);
}

/**
 * The schema's migrations, in order; `db init` applies those not yet recorded in `qml_schema_version`,
 * each in its own transaction. Never edit one that shipped: add the next.
 */
export const MIGRATIONS: readonly { readonly version: number; readonly what: string; readonly sql: readonly string[] }[] = [
  {
    version: 1,
    what: 'one table per dataset, liquidations, universe snapshots, the sync state',
    sql: [
      'CREATE TABLE IF NOT EXISTS ohlcv (time TIMESTAMPTZ NOT NULL, symbol TEXT NOT NULL, exchange TEXT NOT NULL, timeframe TEXT NOT NULL, open DOUBLE PRECISION NOT NULL, high DOUBLE PRECISION NOT NULL, low DOUBLE PRECISION NOT NULL, close DOUBLE PRECISION NOT NULL, volume DOUBLE PRECISION NOT NULL, quote_volume DOUBLE PRECISION, trades BIGINT, atr DOUBLE PRECISION, PRIMARY KEY (time, symbol, exchange, timeframe))',
      'CREATE TABLE IF NOT EXISTS funding (time TIMESTAMPTZ NOT NULL, symbol TEXT NOT NULL, exchange TEXT NOT NULL, funding_rate DOUBLE PRECISION NOT NULL, mark_price DOUBLE PRECISION, interval_hours DOUBLE PRECISION, PRIMARY KEY (time, symbol, exchange))',
      'CREATE TABLE IF NOT EXISTS open_interest (time TIMESTAMPTZ NOT NULL, symbol TEXT NOT NULL, exchange TEXT NOT NULL, timeframe TEXT NOT NULL, sum_open_interest DOUBLE PRECISION NOT NULL, sum_open_interest_value DOUBLE PRECISION NOT NULL, PRIMARY KEY (time, symbol, exchange, timeframe))',
      ...['long_short_global', 'long_short_top_accounts', 'long_short_top_positions'].map((t) => `CREATE TABLE IF NOT EXISTS ${t} (time TIMESTAMPTZ NOT NULL, symbol TEXT NOT NULL, exchange TEXT NOT NULL, timeframe TEXT NOT NULL, long_share DOUBLE PRECISION NOT NULL, short_share DOUBLE PRECISION NOT NULL, long_short_ratio DOUBLE PRECISION NOT NULL, PRIMARY KEY (time, symbol, exchange, timeframe))`),
      'CREATE TABLE IF NOT EXISTS taker_volume (time TIMESTAMPTZ NOT NULL, symbol TEXT NOT NULL, exchange TEXT NOT NULL, timeframe TEXT NOT NULL, buy_sell_ratio DOUBLE PRECISION NOT NULL, buy_volume DOUBLE PRECISION NOT NULL, sell_volume DOUBLE PRECISION NOT NULL, PRIMARY KEY (time, symbol, exchange, timeframe))',
      ...['mark_price', 'premium_index'].map((t) => `CREATE TABLE IF NOT EXISTS ${t} (time TIMESTAMPTZ NOT NULL, symbol TEXT NOT NULL, exchange TEXT NOT NULL, timeframe TEXT NOT NULL, open DOUBLE PRECISION NOT NULL, high DOUBLE PRECISION NOT NULL, low DOUBLE PRECISION NOT NULL, close DOUBLE PRECISION NOT NULL, PRIMARY KEY (time, symbol, exchange, timeframe))`),
      'CREATE TABLE IF NOT EXISTS coingecko_market (time TIMESTAMPTZ NOT NULL, symbol TEXT NOT NULL, exchange TEXT NOT NULL, price DOUBLE PRECISION NOT NULL, market_cap DOUBLE PRECISION, total_volume DOUBLE PRECISION, PRIMARY KEY (time, symbol, exchange))',
      'CREATE TABLE IF NOT EXISTS liquidations (time TIMESTAMPTZ NOT NULL, symbol TEXT NOT NULL, exchange TEXT NOT NULL, event_time TIMESTAMPTZ NOT NULL, side TEXT NOT NULL, order_type TEXT NOT NULL, time_in_force TEXT NOT NULL, quantity DOUBLE PRECISION NOT NULL, price DOUBLE PRECISION NOT NULL, average_price DOUBLE PRECISION NOT NULL, status TEXT NOT NULL, last_filled DOUBLE PRECISION NOT NULL, filled_accumulated DOUBLE PRECISION NOT NULL, PRIMARY KEY (time, symbol, exchange, event_time, side, quantity, price, average_price, status, last_filled, filled_accumulated))',
      `CREATE TABLE IF NOT EXISTS ${UNIVERSE_TABLE} (date DATE NOT NULL, rank INTEGER NOT NULL, coin_id TEXT NOT NULL, coin_symbol TEXT NOT NULL, name TEXT,
        market TEXT NOT NULL, multiplier DOUBLE PRECISION, market_cap DOUBLE PRECISION, volume_24h DOUBLE PRECISION, exchange TEXT NOT NULL,
        source TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (date, rank))`,
      // what each store's last sync copied: a sync sends only rows after last_time while rewritten_at is the same
      `CREATE TABLE IF NOT EXISTS qml_sync_state (table_name TEXT NOT NULL, store TEXT NOT NULL, rewritten_at TEXT NOT NULL DEFAULT '',
        last_time TIMESTAMPTZ, rows BIGINT NOT NULL, synced_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (table_name, store))`,
    ],
  },
  {
    version: 2,
    what: 'liquidations of every venue: the side of the position liquidated, what a venue does not send as null, the venue by its id',
    sql: [
      'ALTER TABLE liquidations DROP CONSTRAINT IF EXISTS liquidations_pkey',
      'ALTER TABLE liquidations ADD COLUMN IF NOT EXISTS position_side TEXT',
      "UPDATE liquidations SET position_side = CASE side WHEN 'SELL' THEN 'long' ELSE 'short' END WHERE position_side IS NULL",
      'ALTER TABLE liquidations ALTER COLUMN position_side SET NOT NULL',
      ...['order_type', 'time_in_force', 'average_price', 'status', 'last_filled', 'filled_accumulated'].map((c) => `ALTER TABLE liquidations ALTER COLUMN ${c} DROP NOT NULL`),
      // the names earlier versions wrote for a venue (its profile's aliases) become its id
      ...allVenues().flatMap((v) => v.aliases.map((a) => `UPDATE liquidations SET exchange = '${v.id}' WHERE exchange = '${a}'`)),
      'CREATE UNIQUE INDEX IF NOT EXISTS liquidations_event ON liquidations (time, exchange, event_time, symbol, side, position_side, order_type, time_in_force, quantity, price, average_price, status, last_filled, filled_accumulated) NULLS NOT DISTINCT',
      "DELETE FROM qml_sync_state WHERE table_name = 'liquidations'",
    ],
  },
  {
    version: 3,
    what: 'index price klines; open interest without a value where a venue does not send one',
    sql: [
      'CREATE TABLE IF NOT EXISTS index_price (time TIMESTAMPTZ NOT NULL, symbol TEXT NOT NULL, exchange TEXT NOT NULL, timeframe TEXT NOT NULL, open DOUBLE PRECISION NOT NULL, high DOUBLE PRECISION NOT NULL, low DOUBLE PRECISION NOT NULL, close DOUBLE PRECISION NOT NULL, PRIMARY KEY (time, symbol, exchange, timeframe))',
      'ALTER TABLE open_interest ALTER COLUMN sum_open_interest_value DROP NOT NULL',
    ],
  },
  {
    version: 4,
    what: 'liquidations in contracts where a venue counts them, the quantity missing while a contract\'s size is unknown',
    sql: [
      'ALTER TABLE liquidations ADD COLUMN IF NOT EXISTS contracts DOUBLE PRECISION',
      'ALTER TABLE liquidations ALTER COLUMN quantity DROP NOT NULL',
      'DROP INDEX IF EXISTS liquidations_event',
      'CREATE UNIQUE INDEX liquidations_event ON liquidations (time, exchange, event_time, symbol, side, position_side, order_type, time_in_force, quantity, contracts, price, average_price, status, last_filled, filled_accumulated) NULLS NOT DISTINCT',
    ],
  },
  {
    version: 5,
    what: 'a universe per venue: the venue in the snapshots\' key, by its id',
    sql: [
      ...allVenues().flatMap((v) => v.aliases.map((a) => `UPDATE ${UNIVERSE_TABLE} SET exchange = '${v.id}' WHERE exchange = '${a}'`)),
      `ALTER TABLE ${UNIVERSE_TABLE} DROP CONSTRAINT IF EXISTS universe_snapshots_pkey`,
      `ALTER TABLE ${UNIVERSE_TABLE} ADD PRIMARY KEY (date, exchange, rank)`,
    ],
  },
  {
    version: 6,
    what: 'taker volume without buy and sell volumes where the source gives the ratio only (an archive of the statistics)',
    sql: [
      'ALTER TABLE taker_volume ALTER COLUMN buy_volume DROP NOT NULL',
      'ALTER TABLE taker_volume ALTER COLUMN sell_volume DROP NOT NULL',
    ],
  },
];
