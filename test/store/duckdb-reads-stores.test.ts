import { DuckDBInstance } from '@duckdb/node-api';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allocFrame } from '../../src/core/frame.js';
import { wilderAtr } from '../../src/indicators/wilder-atr.js';
import { writeStore } from '../helpers/write-store.js';
import { masterPath } from '../../src/store/store-path.js';
import { tempDir } from '../helpers/cli.js';
import { fixture, readFreqtrade } from '../helpers/fixtures.js';

describe('an independent reader (DuckDB) reads master stores with the right types', () => {
  it('time is TIMESTAMP WITH TIME ZONE, prices DOUBLE, ATR null in warm-up, every value round-trips', async () => {
    const f = readFreqtrade(fixture('ethusdt-1h-2017.djienne.freqtrade.json'));
    const frame = { ...f, atr: wilderAtr(f.high, f.low, f.close, 14) };
    const dir = await tempDir();
    const path = masterPath(dir, 'binance', 'ETH/USDT', '1h');
    await writeStore(path, frame, { symbol: 'ETH/USDT', timeframe: '1h' });

    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const types = (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRowObjectsJS();
    expect(types.map((t) => [t.column_name, t.column_type])).toEqual([
      ['time', 'TIMESTAMP WITH TIME ZONE'], ['Open', 'DOUBLE'], ['High', 'DOUBLE'], ['Low', 'DOUBLE'],
      ['Close', 'DOUBLE'], ['Volume', 'DOUBLE'], ['ATR', 'DOUBLE'],
    ]);
    const rows = (await db.runAndReadAll(
      `SELECT epoch_ms(time) AS t, Open, High, Low, Close, Volume, ATR FROM read_parquet('${path}') ORDER BY time`)).getRows();
    expect(rows).toHaveLength(300);
    rows.forEach((r, i) => {
      expect(Number(r[0])).toBe(f.time[i]);
      expect([r[1], r[2], r[3], r[4], r[5]]).toEqual([f.open[i], f.high[i], f.low[i], f.close[i], f.volume[i]]);
      expect(r[6]).toBe(i < 14 ? null : frame.atr[i]);
    });
    const meta = (await db.runAndReadAll(`SELECT key::VARCHAR AS k, value::VARCHAR AS v FROM parquet_kv_metadata('${path}')`)).getRowObjectsJS();
    expect(Object.fromEntries(meta.map((m) => [m.k, m.v]))).toMatchObject({
      'qml.exchange': 'binance', 'qml.symbol': 'ETH/USDT', 'qml.timeframe': '1h', 'qml.atr_period': '14', 'qml.schema_version': '1',
    });
    const ns = (await db.runAndReadAll(`SELECT logical_type FROM parquet_schema('${path}') WHERE name = 'time'`)).getRows();
    expect(String(ns[0]![0])).toContain('isAdjustedToUTC=1');
    expect(String(ns[0]![0])).toContain('NANOS=NanoSeconds()');
  });

  it('reads extreme but legal doubles exactly', async () => {
    const f = allocFrame(3);
    f.time.set([Date.parse('1999-12-31T23:00Z'), Date.parse('2024-02-29T00:00Z'), Date.parse('2100-01-01T00:00Z')]);
    f.open.set([1e-8, 123456789.12345678, 0.1 + 0.2]);
    f.high.set([2e-8, 1.7976931348623157e308, 0.30000000000000004]);
    f.low.set([5e-324, 1, 0.3]);
    f.close.set([1e-8, 2, 0.3]);
    f.volume.set([0, 9007199254740993, 1e21]);
    const dir = await tempDir();
    const path = join(dir, 'X.parquet');
    await writeStore(path, { ...f, atr: Float64Array.from([NaN, 5, 6]) }, { symbol: 'X/USDT', timeframe: '1h', atrPeriod: 1 });
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = (await db.runAndReadAll(`SELECT epoch_ms(time), Open, High, Low, Close, Volume, ATR FROM read_parquet('${path}') ORDER BY time`)).getRows();
    expect(rows.map((r) => Number(r[0]))).toEqual(Array.from(f.time));
    expect(rows.map((r) => r[2])).toEqual(Array.from(f.high));
    expect(rows.map((r) => r[3])).toEqual(Array.from(f.low));
    expect(rows.map((r) => r[5])).toEqual(Array.from(f.volume));
    expect(rows.map((r) => r[6])).toEqual([null, 5, 6]);
  });
});
