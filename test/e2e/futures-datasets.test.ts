import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../src/datasets/registry.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { storePath } from '../../src/store/store-path.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { columnsOf } from '../helpers/store-columns.js';
import { PYTHON, python } from '../helpers/python.js';

const NOW = Date.parse('2026-11-20T00:30:00Z');
const DAY = 86_400_000;
const SYMBOL = 'BTC/USDT:USDT';
const NAMES = ['funding', 'open-interest', 'long-short-global', 'long-short-top-accounts', 'long-short-top-positions', 'taker-volume', 'mark-price', 'premium-index'];
const SINCE = new Date(NOW - 10 * DAY).toISOString();

/** Every column of a store, as plain arrays (the values, not the file's layout). */

describe('futures datasets through build, update, validate and list (--datasets)', () => {
  let sim: RunningSim;
  beforeAll(async () => { sim = await startSim({ port: 0, now: NOW, seed: 6, symbols: ['BTC/USDT', 'ETH/USDT'] }); });
  afterAll(async () => { await sim.close(); });
  const cli = (args: string[], dir: string) => runCli([...args, '--api-url', sim.url, '--data-dir', dir]);

  for (const name of NAMES) {
    it(`${name}: build, update two days later ≡ a build of the whole range, validate, list, read by DuckDB and pandas`, async () => {
      const [updated, rebuilt] = [await tempDir(), await tempDir()];
      sim.setNow(NOW);
      try {
        const built = await cli(['build', '--datasets', name, '--symbol', SYMBOL, '--timeframes', '1h', '--since', SINCE, '--json'], updated);
        expect(built.code, built.stderr).toBe(0);
        const first = JSON.parse(built.stdout).stores[0];
        expect(first).toMatchObject({ dataset: name, symbol: SYMBOL, status: 'written' });
        expect(first.rows).toBeGreaterThan(name === 'funding' ? 20 : 200);

        sim.setNow(NOW + 2 * DAY);
        const upd = await cli(['update', '--datasets', name, '--json'], updated);
        expect(upd.code, upd.stderr).toBe(0);
        const later = JSON.parse(upd.stdout).stores[0];
        expect(later).toMatchObject({ dataset: name, status: 'written' });
        expect(later.appended).toBeGreaterThan(0);
        const whole = await cli(['build', '--datasets', name, '--symbol', SYMBOL, '--timeframes', '1h', '--since', SINCE], rebuilt);
        expect(whole.code, whole.stderr).toBe(0);
        expect(await columnsOf(name, updated, SYMBOL)).toEqual(await columnsOf(name, rebuilt, SYMBOL));

        const report = await runCli(['validate', '--datasets', name, '--data-dir', updated]);
        expect(report.code, report.stdout).toBe(0);
        const listed = JSON.parse((await runCli(['list', '--datasets', name, '--json', '--data-dir', updated])).stdout);
        expect(JSON.stringify(listed)).toContain(SYMBOL);

        const d = DATASETS.find((x) => x.name === name)!;
        const path = storePath(updated, 'binance', d, SYMBOL, d.perTimeframe ? '1h' : undefined);
        const db = await (await DuckDBInstance.create(':memory:')).connect();
        const types = (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRowObjectsJS();
        expect(types.map((t) => [t.column_name, t.column_type])).toEqual(d.columns.map((c) => [c.name, c.type === 'timestamp' ? 'TIMESTAMP WITH TIME ZONE' : 'DOUBLE']));
        if (PYTHON) {
          const seen = JSON.parse(await python('read-with-python.py', [path])) as { pandas_dtypes: Record<string, string>; rows: number };
          expect(seen.pandas_dtypes).toEqual(Object.fromEntries(d.columns.map((c) => [c.name, c.type === 'timestamp' ? 'datetime64[ns, UTC]' : 'float64'])));
          expect(seen.rows).toBe(later.rows);
        }
      } finally {
        sim.setNow(NOW);
      }
    });
  }

  it('a spot symbol is a usage error naming the dataset; a period the statistics are not served at too', async () => {
    const dir = await tempDir();
    const spot = await cli(['build', '--datasets', 'funding', '--symbol', 'ETH/USDT', '--days', '3'], dir);
    expect(spot.code).toBe(2);
    expect(spot.stderr).toMatch(/funding.*ETH\/USDT.*perpetual/);
    const period = await cli(['build', '--datasets', 'open-interest', '--symbol', SYMBOL, '--timeframes', '1m', '--days', '3'], dir);
    expect(period.code).toBe(2);
    expect(period.stderr).toContain('Binance serves open-interest at 5m, 15m');
  });
});
