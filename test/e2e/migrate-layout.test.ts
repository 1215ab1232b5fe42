import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ByteWriter, parquetWrite } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINANCE_LIQUIDATIONS } from '../../src/exchange/binance/liquidation-feed.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { masterPath } from '../../src/store/store-path.js';
import { readMaster } from '../../src/store/store-read.js';
import { runCli, simArgs, tempDir } from '../helpers/cli.js';
import { readLiquidationDay, recordFrames } from '../helpers/liquidation-days.js';
import { snapshot } from '../helpers/store-bytes.js';
import { writeStore } from '../helpers/write-store.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const DAY = Date.parse('2026-11-20T00:00:00Z');

/** A forceOrder frame as Binance sends it. */
const ev = (T: number, s: string, S: 'BUY' | 'SELL', q: string) => ({ e: 'forceOrder', E: T + 2, o: { s, S, o: 'LIMIT', f: 'IOC', q, p: '100.5', ap: '100.5', X: 'FILLED', l: q, z: q, T } });

/**
 * A liquidations day file as versions before venues wrote it: `<dataDir>/liquidations/<day>.parquet`, every
 * column REQUIRED, no `position_side`, the footer naming ccxt's `binanceusdm` (the columns of that version's
 * encodeDay, written here with hyparquet-writer as it did).
 */
function legacyDayFile(rows: { T: number; s: string; S: string; q: number }[], coverage: [number, number][]): Uint8Array {
  const text = (name: string, values: string[]) => ({ name, data: values });
  const num = (name: string, values: number[]) => ({ name, data: Float64Array.from(values) });
  const ts = (name: string, values: number[]) => ({ name, data: BigInt64Array.from(values, (v) => BigInt(v) * 1_000_000n) });
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    schema: [
      { name: 'schema', num_children: 12 },
      ...['time', 'event_time'].map((name) => ({ name, type: 'INT64' as const, repetition_type: 'REQUIRED' as const, logical_type: { type: 'TIMESTAMP' as const, isAdjustedToUTC: true, unit: 'NANOS' as const } })),
      ...['symbol', 'side', 'order_type', 'time_in_force'].map((name) => ({ name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const })),
      ...['quantity', 'price', 'average_price'].map((name) => ({ name, type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const })),
      { name: 'status', type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const },
      ...['last_filled', 'filled_accumulated'].map((name) => ({ name, type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const })),
    ],
    columnData: [
      ts('time', rows.map((r) => r.T)), ts('event_time', rows.map((r) => r.T + 2)), text('symbol', rows.map((r) => r.s)), text('side', rows.map((r) => r.S)),
      text('order_type', rows.map(() => 'LIMIT')), text('time_in_force', rows.map(() => 'IOC')), num('quantity', rows.map((r) => r.q)), num('price', rows.map(() => 100.5)),
      num('average_price', rows.map(() => 100.5)), text('status', rows.map(() => 'FILLED')), num('last_filled', rows.map((r) => r.q)), num('filled_accumulated', rows.map((r) => r.q)),
    ],
    kvMetadata: [
      { key: 'qml.dataset', value: 'liquidations' }, { key: 'qml.exchange', value: 'binanceusdm' }, { key: 'qml.tool_version', value: '0.1.0' },
      { key: 'qml.coverage', value: JSON.stringify(coverage) },
    ],
  });
  return new Uint8Array(writer.getBuffer());
}

let sim: RunningSim;
let seed: string;

/**
 * A data folder as an earlier version left it: candle stores at the top (one perpetual's footer naming
 * `binanceusdm`), a liquidations day file of that version, and a recorder journal it had not merged yet.
 */
async function legacyFolder(): Promise<string> {
  const dir = await tempDir();
  const { cp } = await import('node:fs/promises');
  await cp(join(seed, 'binance'), dir, { recursive: true });
  const perp = join(dir, 'BTC_USDT_USDT', '1h_master.parquet');
  const { frame } = await readMaster(perp, { symbol: 'BTC/USDT:USDT', timeframe: '1h' });
  await writeStore(perp, frame, { symbol: 'BTC/USDT:USDT', timeframe: '1h', exchange: 'binanceusdm', marketType: 'swap', source: 'simulator' });
  await mkdir(join(dir, 'liquidations', 'journal'), { recursive: true });
  await writeFile(join(dir, 'liquidations', '2026-11-20.parquet'), legacyDayFile(
    [{ T: DAY + 1000, s: 'BTCUSDT', S: 'SELL', q: 0.5 }, { T: DAY + 2000, s: 'ETHUSDT', S: 'BUY', q: 3 }], [[DAY, DAY + 3_600_000]]));
  // the universe and the collector's status of the one venue earlier versions collected
  await mkdir(join(dir, 'universe'));
  const universe = JSON.stringify({ date: '2026-11-20', createdAt: '2026-11-20T00:10:00.000Z', source: 'coingecko', exchange: 'binance', market: 'perp', members: [] });
  await writeFile(join(dir, 'universe', 'current.json'), universe);
  await writeFile(join(dir, 'universe', '2026-11-20.json'), universe);
  await writeFile(join(dir, 'collect-status.json'), JSON.stringify({ universe: { date: '2026-11-20', createdAt: '2026-11-20T00:10:00.000Z', source: 'coingecko', members: 0 }, lastCycle: { finishedAt: '2026-11-20T00:20:00.000Z', stores: {} }, nextCycle: null, stores: {} }));
  await writeFile(join(dir, 'liquidations', 'journal', '1700000000000-1-0.log'),
    [`U ${DAY + 3_600_000}`, `E ${JSON.stringify(ev(DAY + 3_700_000, 'SOLUSDT', 'SELL', '7'))}`, `D ${DAY + 7_200_000}`, ''].join('\n'));
  return dir;
}

beforeAll(async () => {
  sim = await startSim({ port: 0, now: NOW, seed: 7, symbols: ['ETH/USDT', 'BTC/USDT'] });
  seed = await tempDir();
  for (const symbol of ['ETH/USDT', 'BTC/USDT:USDT']) {
    const r = await runCli(['build', '--symbol', symbol, '--timeframes', '1h', '4h', '--days', '5', ...simArgs(sim.url, seed)]);
    expect(r.code, r.stderr).toBe(0);
  }
});
afterAll(async () => { await sim.close(); });

describe('stores of earlier versions: read where they are, moved losslessly by migrate-layout', () => {
  it('before any move, list, validate, update and the liquidations listing work on the legacy layout', async () => {
    const dir = await legacyFolder();
    const list = JSON.parse((await runCli(['list', '--datasets', 'all', '--json', '--data-dir', dir])).stdout) as { stores: { exchange: string; symbol: string; timeframe: string }[]; liquidations: { exchange: string; events: number }[] };
    expect(list.stores.map((s) => [s.exchange, s.symbol, s.timeframe])).toEqual([
      ['binance', 'BTC/USDT:USDT', '1h'], ['binance', 'BTC/USDT:USDT', '4h'], ['binance', 'ETH/USDT', '1h'], ['binance', 'ETH/USDT', '4h'],
    ]);
    expect(list.liquidations).toMatchObject([{ exchange: 'binance', events: 2 }]);
    const v = await runCli(['validate', '--datasets', 'all', '--json', '--now', new Date(NOW).toISOString(), '--data-dir', dir]);
    expect(v.code, v.stdout).toBe(0);
    const u = await runCli(['update', '--json', ...simArgs(sim.url, dir)]);
    expect(u.code, u.stderr).toBe(0);
    expect((JSON.parse(u.stdout) as { stores: { path: string }[] }).stores.every((s) => !s.path.includes('/binance/'))).toBe(true);
  });

  it('a dry run moves nothing; --apply moves every file by rename, byte for byte, and a later merge finishes the moved journal', async () => {
    const dir = await legacyFolder();
    const before = await snapshot(dir);
    const dry = await runCli(['migrate-layout', '--json', '--data-dir', dir]);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as { moves: { from: string; to: string; exchange: string }[] };
    expect(plan.moves).toHaveLength(4 + 1 + 1 + 3);
    expect(new Set(plan.moves.map((m) => m.exchange))).toEqual(new Set(['binance']));
    expect(await snapshot(dir)).toEqual(before);

    const applied = await runCli(['migrate-layout', '--apply', '--data-dir', dir]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout.trim()).toMatch(/9 file\(s\) moved \(9 to binance\)$/);
    const after = await snapshot(dir);
    expect(after.size).toBe(before.size);
    for (const m of plan.moves) expect(after.get(m.to)!.equals(before.get(m.from)!), m.to).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['binance']);
    // the moved universe is the venue's: show reads it there
    expect((await runCli(['universe', 'show', '--json', '--data-dir', dir])).stdout).toContain('"date": "2026-11-20"');
    expect(await snapshot(join(dir, 'binance'))).toEqual(after);

    // the moved stores are this venue's: update extends them where they now are
    const u = await runCli(['update', '--json', ...simArgs(sim.url, dir)]);
    expect(u.code, u.stderr).toBe(0);
    expect((JSON.parse(u.stdout) as { stores: { exchange: string; path: string }[] }).stores.every((s) => s.exchange === 'binance' && s.path.includes('/binance/'))).toBe(true);
    // the recorder's next merge takes the moved journal and the old day file's events, each once, sides filled in
    await recordFrames(dir, 'binance', BINANCE_LIQUIDATIONS, [ev(DAY + 8_000_000, 'BTCUSDT', 'BUY', '2')], { from: DAY + 7_900_000, to: DAY + 9_000_000 });
    const day = (await readLiquidationDay(dir, 'binance', '2026-11-20'))!;
    expect(Array.from(day.frame.time, (t, i) => [t, day.text('symbol', i), day.text('side', i), day.text('positionSide', i), day.frame['quantity']![i]])).toEqual([
      [DAY + 1000, 'BTCUSDT', 'SELL', 'long', 0.5], [DAY + 2000, 'ETHUSDT', 'BUY', 'short', 3], [DAY + 3_700_000, 'SOLUSDT', 'SELL', 'long', 7], [DAY + 8_000_000, 'BTCUSDT', 'BUY', 'short', 2],
    ]);
    expect(day.coverage).toEqual([{ from: DAY, to: DAY + 7_200_000 }, { from: DAY + 7_900_000, to: DAY + 9_000_000 }]);
    expect(day.meta).toMatchObject({ exchange: 'binance', feed: 'sampled' });
    expect((await runCli(['migrate-layout', '--data-dir', dir])).stdout).toMatch(/0 file\(s\) to move/);
  });

  it('a store whose place in the venue folder is taken is never overwritten: both kept, exit 1 naming it', async () => {
    const dir = await legacyFolder();
    await mkdir(join(dir, 'binance', 'ETH_USDT'), { recursive: true });
    const { copyFile } = await import('node:fs/promises');
    await copyFile(join(dir, 'ETH_USDT', '4h_master.parquet'), masterPath(dir, 'binance', 'ETH/USDT', '4h'));
    const before = await snapshot(dir);
    const r = await runCli(['migrate-layout', '--apply', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^qml-data: 1 file\(s\) not moved: their venue's folder already holds a store of that name/);
    const after = await snapshot(dir);
    expect(after.get(join(dir, 'ETH_USDT', '4h_master.parquet'))!.equals(before.get(join(dir, 'ETH_USDT', '4h_master.parquet'))!)).toBe(true);
    expect(after.get(masterPath(dir, 'binance', 'ETH/USDT', '4h'))!.equals(before.get(masterPath(dir, 'binance', 'ETH/USDT', '4h'))!)).toBe(true);
    expect(after.size).toBe(before.size);
  });
});
