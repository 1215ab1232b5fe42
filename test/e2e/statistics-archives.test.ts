import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordOf } from '../../src/datasets/registry.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { storePath } from '../../src/store/store-path.js';
import { readStoreColumns } from '../../src/store/store-read.js';
import { rowSourcesFromJson } from '../../src/core/row-sources.js';
import { runBinary, simArgs, tempDir } from '../helpers/cli.js';

/**
 * Futures statistics from Binance's `metrics` archive, through the binary against the simulator: a build
 * with --archives auto reaches back before REST's 30 days at 5m, every 5m period from the start to the last
 * closed one; the archive days hold the archive's values (read here from the zips over HTTP), the last 30
 * days the REST answers'; shares derived from the archive's ratio, taker volumes null where the archive
 * has only the ratio; without archives the same build starts 30 days back.
 */
const NOW = Date.parse('2026-06-01T05:00:00Z');
const DAY = 86_400_000;
const SINCE = '2022-01-01';
const PERPS = ['BTC/USDT:USDT', 'ETH/USDT:USDT', 'SOL/USDT:USDT'];

let sim: RunningSim;
beforeAll(async () => { sim = await startSim({ port: 0, now: NOW, seed: 23, symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'] }); });
afterAll(async () => { await sim.close(); });

async function stored(dir: string, dataset: string, symbol: string): Promise<Record<string, Float64Array>> {
  const d = recordOf(dataset)!.descriptor;
  return (await readStoreColumns(d, storePath(dir, 'binance', d, symbol, '5m'))).columns as Record<string, Float64Array>;
}

/** A day of the archive as Binance publishes it: column name → values, by `create_time`. */
async function archiveDay(sym: string, day: number): Promise<Map<number, Record<string, number>>> {
  const label = new Date(day).toISOString().slice(0, 10);
  const res = await fetch(`${sim.url}/data/futures/um/daily/metrics/${sym}/${sym}-metrics-${label}.zip`);
  expect(res.status).toBe(200);
  const [header, ...rows] = new TextDecoder().decode(Object.values(unzipSync(new Uint8Array(await res.arrayBuffer())))[0]).trim().split('\n').map((l) => l.split(','));
  return new Map(rows.map((r) => [Date.parse(`${r[0]!.replace(' ', 'T')}Z`), Object.fromEntries(header!.map((h, i) => [h, Number(r[i])]))]));
}

describe('statistics from the metrics archive (--archives auto)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    // the acceptance build: 3 perpetuals, 5m open interest and top traders' positions since 2022-01-01
    const r = await runBinary(['build', '--symbol', PERPS.join(','), '--datasets', 'open-interest,long-short-top-positions', '--timeframes', '5m', '--since', SINCE, '--archives', 'auto', ...simArgs(sim.url, dir)]);
    expect(r.code, r.stderr).toBe(0);
  }, 150_000);

  it('holds every 5m period from --since to the last closed one, for each perpetual and dataset', async () => {
    const last = Math.floor(NOW / 300_000) * 300_000 - 300_000;
    for (const symbol of PERPS) {
      for (const dataset of ['open-interest', 'long-short-top-positions']) {
        const t = (await stored(dir, dataset, symbol))['time']!;
        expect(t[0], `${symbol} ${dataset}`).toBe(Date.parse(`${SINCE}T00:00:00Z`));
        expect(t[t.length - 1], `${symbol} ${dataset}`).toBe(last);
        expect(t.length, `${symbol} ${dataset}: no gap`).toBe((last - t[0]!) / 300_000 + 1);
      }
    }
    const v = await runBinary(['validate', '--datasets', 'open-interest,long-short-top-positions', '--json', '--now', new Date(NOW).toISOString(), '--data-dir', dir]);
    expect(v.code, v.stdout).toBe(0);
  });

  it('stores the archive\'s values before the last 30 days and the REST answers within them, and records which rows came from which', async () => {
    for (const symbol of PERPS) {
      const sym = symbol.replace('/USDT:USDT', 'USDT');
      const oi = await stored(dir, 'open-interest', symbol);
      const pos = await stored(dir, 'long-short-top-positions', symbol);
      const at = (t: Float64Array, x: number) => t.indexOf(x);
      // archive days across the years: the first, one in each later year, and the last before REST's window
      const restFrom = Math.ceil((NOW - 30 * DAY) / 300_000) * 300_000 + 300_000;
      for (const day of [Date.parse('2022-01-01T00:00:00Z'), Date.parse('2023-07-15T00:00:00Z'), Date.parse('2025-02-28T00:00:00Z'), Math.floor(restFrom / DAY) * DAY - DAY]) {
        const arch = await archiveDay(sym, day);
        expect(arch.size, `${sym} ${day}`).toBe(288);
        for (const [time, row] of arch) {
          const i = at(oi['time']!, time);
          expect(oi['contracts']![i]).toBe(row['sum_open_interest']);
          expect(oi['value']![i]).toBe(row['sum_open_interest_value']);
          const j = at(pos['time']!, time);
          expect(pos['ratio']![j]).toBe(row['sum_toptrader_long_short_ratio']);
          const r = row['sum_toptrader_long_short_ratio']!;
          expect(pos['long']![j]).toBe(r / (1 + r));
          expect(pos['short']![j]).toBe(1 / (1 + r));
        }
      }
      // the last 30 days: REST's answers, shares as served
      const recent = NOW - (NOW % DAY) - 3 * DAY;
      for (const [endpoint, frame, fields] of [['openInterestHist', oi, { contracts: 'sumOpenInterest', value: 'sumOpenInterestValue' }], ['topLongShortPositionRatio', pos, { ratio: 'longShortRatio', long: 'longAccount', short: 'shortAccount' }]] as const) {
        const rest = await (await fetch(`${sim.url}/futures/data/${endpoint}?symbol=${sym}&period=5m&startTime=${recent}&endTime=${recent + DAY - 1}&limit=500`)).json() as Record<string, string | number>[];
        expect(rest.length).toBe(288);
        for (const r of rest) {
          const k = at(frame['time']!, Number(r['timestamp']));
          for (const [key, field] of Object.entries(fields)) expect(frame[key]![k], `${sym} ${endpoint} ${field}`).toBe(Number(r[field]));
        }
      }
      const d = recordOf('open-interest')!.descriptor;
      const sources = rowSourcesFromJson((await readStoreColumns(d, storePath(dir, 'binance', d, symbol, '5m'))).meta.rowSources);
      expect(sources['archive']).toEqual([{ from: Date.parse(`${SINCE}T00:00:00Z`), to: restFrom }]);
      expect(sources['rest']![0]!.from).toBe(restFrom);
    }
  });

  it('without archives the same build starts where REST\'s 30 days do, and says so', async () => {
    const other = await tempDir();
    const r = await runBinary(['build', '--symbol', 'BTC/USDT:USDT', '--datasets', 'open-interest', '--timeframes', '5m', '--since', SINCE, '--archives', 'off', ...simArgs(sim.url, other)]);
    expect(r.code, r.stderr).toBe(0);
    const t = (await stored(other, 'open-interest', 'BTC/USDT:USDT'))['time']!;
    expect(t[0]!).toBeGreaterThan(NOW - 30 * DAY);
    expect(t[0]!).toBeLessThan(NOW - 29 * DAY);
    expect(r.stdout).toContain(`starts ${new Date(t[0]!).toISOString()}`);
    expect(r.stdout).toContain('--archives auto');
  });

  it('taker volume from the archive has its ratio and no volumes; REST\'s days have both', async () => {
    const other = await tempDir();
    const r = await runBinary(['build', '--symbol', 'ETH/USDT:USDT', '--datasets', 'taker-volume', '--timeframes', '5m', '--since', '2026-04-01', '--archives', 'auto', ...simArgs(sim.url, other)]);
    expect(r.code, r.stderr).toBe(0);
    const taker = await stored(other, 'taker-volume', 'ETH/USDT:USDT');
    const arch = await archiveDay('ETHUSDT', Date.parse('2026-04-02T00:00:00Z'));
    for (const [time, row] of arch) {
      const k = taker['time']!.indexOf(time);
      expect(taker['buySellRatio']![k]).toBe(row['sum_taker_long_short_vol_ratio']);
      expect(Number.isNaN(taker['buyVolume']![k]!)).toBe(true);
    }
    const recent = NOW - (NOW % DAY) - 3 * DAY;
    const rest = await (await fetch(`${sim.url}/futures/data/takerlongshortRatio?symbol=ETHUSDT&period=5m&startTime=${recent}&endTime=${recent + DAY - 1}&limit=500`)).json() as Record<string, string | number>[];
    expect(rest.length).toBe(288);
    for (const x of rest) {
      const k = taker['time']!.indexOf(Number(x['timestamp']));
      expect(taker['buyVolume']![k]).toBe(Number(x['buyVol']));
      expect(taker['buySellRatio']![k]).toBe(Number(x['buySellRatio']));
    }
  });
});

describe('funding from the monthly fundingRate archive', () => {
  it('since listing equals funding through REST, settlement for settlement; archive rows at the scheduled hour, without a mark price', async () => {
    const withArchives = await tempDir();
    const restOnly = await tempDir();
    const args = ['build', '--symbol', 'BTC/USDT:USDT,SOL/USDT:USDT', '--datasets', 'funding'];
    const a = await runBinary([...args, '--archives', 'auto', ...simArgs(sim.url, withArchives)]);
    expect(a.code, a.stderr).toBe(0);
    const b = await runBinary([...args, '--archives', 'off', ...simArgs(sim.url, restOnly)]);
    expect(b.code, b.stderr).toBe(0);
    const d = recordOf('funding')!.descriptor;
    for (const symbol of ['BTC/USDT:USDT', 'SOL/USDT:USDT']) {
      const x = await readStoreColumns(d, storePath(withArchives, 'binance', d, symbol));
      const y = (await readStoreColumns(d, storePath(restOnly, 'binance', d, symbol))).columns;
      const [xt, yt] = [x.columns['time']!, y['time']!];
      expect(xt.length, symbol).toBeGreaterThan(3000);
      expect(xt.length, symbol).toBe(yt.length);
      for (let i = 0; i < xt.length; i++) {
        // the same settlement: the REST time is the hour it was scheduled for, served up to 9 ms late
        expect(yt[i]! - xt[i]!, `${symbol} #${i}`).toBeGreaterThanOrEqual(0);
        expect(yt[i]! - xt[i]!, `${symbol} #${i}`).toBeLessThan(10);
        expect(Math.round(yt[i]! / 3_600_000), `${symbol} #${i}`).toBe(Math.round(xt[i]! / 3_600_000));
        expect(x.columns['rate']![i], `${symbol} #${i}`).toBe(y['rate']![i]);
        expect(x.columns['intervalHours']![i], `${symbol} #${i}`).toEqual(y['intervalHours']![i]);
      }
      // a month read from its zip over HTTP: the store's rows of that month are the file's
      const sym = symbol.replace('/USDT:USDT', 'USDT');
      const res = await fetch(`${sim.url}/data/futures/um/monthly/fundingRate/${sym}/${sym}-fundingRate-2024-02.zip`);
      expect(res.status).toBe(200);
      const [, ...rows] = new TextDecoder().decode(Object.values(unzipSync(new Uint8Array(await res.arrayBuffer())))[0]).trim().split('\n').map((l) => l.split(','));
      const from = xt.indexOf(Number(rows[0]![0]));
      expect(from).toBeGreaterThan(0);
      rows.forEach((r, k) => {
        expect(xt[from + k]).toBe(Number(r[0]));
        expect(x.columns['rate']![from + k]).toBe(Number(r[2]));
        expect(Number.isNaN(x.columns['markPrice']![from + k]!)).toBe(true);
      });
      // which rows came from which source: months from the archive, May (published on June 2) and June from REST
      const sources = rowSourcesFromJson(x.meta.rowSources);
      expect(sources['archive']![sources['archive']!.length - 1]!.to).toBe(Date.parse('2026-05-01T00:00:00Z'));
      expect(sources['rest']![0]!.from).toBeGreaterThanOrEqual(Date.parse('2026-05-01T00:00:00Z'));
      const v = await runBinary(['validate', '--datasets', 'funding', '--now', new Date(NOW).toISOString(), '--data-dir', withArchives]);
      expect(v.code, v.stdout).toBe(0);
    }
  }, 120_000);
});

describe('mark, index and premium klines from their archives', () => {
  it('a build reading the archives writes the stores a REST-only build writes, bit for bit, the archive files asked for every past month and published day', async () => {
    const withArchives = await tempDir();
    const restOnly = await tempDir();
    const args = ['build', '--symbol', 'SOL/USDT:USDT', '--datasets', 'mark-price,index-price,premium-index', '--timeframes', '1h', '5m', '--since', '2026-03-15'];
    const before = new Map(sim.requests);
    const a = await runBinary([...args, '--archives', 'auto', ...simArgs(sim.url, withArchives)]);
    expect(a.code, a.stderr).toBe(0);
    const asked = (re: RegExp) => [...sim.requests].filter(([p]) => re.test(p)).reduce((n, [p, c]) => n + c - (before.get(p) ?? 0), 0);
    // March and April from the monthly files, May 1–30 from the daily ones (May 31's appears at 08:00 on June 1)
    for (const series of ['markPriceKlines', 'indexPriceKlines', 'premiumIndexKlines']) {
      expect(asked(new RegExp(`/data/futures/um/monthly/${series}/SOLUSDT/1h/SOLUSDT-1h-2026-0[34]\\.zip$`)), series).toBe(2);
      expect(asked(new RegExp(`/data/futures/um/daily/${series}/SOLUSDT/1h/SOLUSDT-1h-2026-05-\\d\\d\\.zip$`)), series).toBe(30);
    }
    const b = await runBinary([...args, '--archives', 'off', ...simArgs(sim.url, restOnly)]);
    expect(b.code, b.stderr).toBe(0);
    for (const dataset of ['mark-price', 'index-price', 'premium-index']) {
      const d = recordOf(dataset)!.descriptor;
      for (const tf of ['1h', '5m']) {
        const x = (await readStoreColumns(d, storePath(withArchives, 'binance', d, 'SOL/USDT:USDT', tf))).columns;
        const y = (await readStoreColumns(d, storePath(restOnly, 'binance', d, 'SOL/USDT:USDT', tf))).columns;
        expect(x['time']!.length, `${dataset} ${tf}`).toBeGreaterThan(1000);
        for (const k of Object.keys(y)) expect(Buffer.from(x[k]!.buffer).equals(Buffer.from(y[k]!.buffer)), `${dataset} ${tf} ${k}`).toBe(true);
      }
    }
  }, 120_000);
});

describe('faults on the funding and metrics archives', () => {
  it('a corrupt zip, a checksum mismatch and a missing month end with the settlements REST serves (auto), or the documented refusal (only); a corrupt metrics day fetched again gives the fault-free store', async () => {
    const d = recordOf('funding')!.descriptor;
    const reference = await tempDir();
    expect((await runBinary(['build', '--symbol', 'SOL/USDT:USDT', '--datasets', 'funding', '--archives', 'off', ...simArgs(sim.url, reference)])).code).toBe(0);
    const want = (await readStoreColumns(d, storePath(reference, 'binance', d, 'SOL/USDT:USDT'))).columns;
    const oiRef = await tempDir();
    const oiArgs = ['build', '--symbol', 'SOL/USDT:USDT', '--datasets', 'open-interest', '--timeframes', '5m', '--since', '2026-04-01', '--archives', 'auto'];
    expect((await runBinary([...oiArgs, ...simArgs(sim.url, oiRef)])).code).toBe(0);
    for (const times of [1, 99]) {
      const faults = { corrupt: ['SOLUSDT-fundingRate-2024-03.zip', 'SOLUSDT-metrics-2026-04-02.zip'], badChecksum: ['SOLUSDT-fundingRate-2024-04.zip'], missing: ['SOLUSDT-fundingRate-2024-05.zip'], times };
      const s = await startSim({ port: 0, now: NOW, seed: 23, symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'], dialectOptions: { binance: { archiveFaults: faults } } });
      try {
        const dir = await tempDir();
        const auto = await runBinary(['build', '--symbol', 'SOL/USDT:USDT', '--datasets', 'funding', '--archives', 'auto', ...simArgs(s.url, dir)]);
        expect(auto.code, auto.stderr).toBe(0);
        const got = await readStoreColumns(d, storePath(dir, 'binance', d, 'SOL/USDT:USDT'));
        expect(got.columns['time']!.length, `faults served ${times} time(s)`).toBe(want['time']!.length);
        got.columns['time']!.forEach((t, i) => {
          expect(Math.round(t / 3_600_000)).toBe(Math.round(want['time']![i]! / 3_600_000));
          expect(got.columns['rate']![i]).toBe(want['rate']![i]);
        });
        // the missing month (and, when they stay bad, the damaged ones) came from REST, and the footer says so
        const rest = rowSourcesFromJson(got.meta.rowSources)['rest']!;
        const inRest = (iso: string) => rest.some((r) => r.from <= Date.parse(iso) && Date.parse(iso) < r.to);
        expect(inRest('2024-05-15T00:00:00Z')).toBe(true);
        expect(inRest('2024-03-15T00:00:00Z')).toBe(times > 1);
        const only = await tempDir();
        const strict = await runBinary(['build', '--symbol', 'SOL/USDT:USDT', '--datasets', 'funding', '--archives', 'only', ...simArgs(s.url, only)]);
        expect(strict.code, strict.stderr).toBe(3);
        expect(strict.stderr).toMatch(/archive futures\/um\/monthly\/fundingRate\/SOLUSDT\/SOLUSDT-fundingRate-2024-0[345]\.zip/);
        if (times === 1) {
          const oi = await tempDir();
          expect((await runBinary([...oiArgs, ...simArgs(s.url, oi)])).code).toBe(0);
          const x = (await stored(oi, 'open-interest', 'SOL/USDT:USDT'));
          const y = (await stored(oiRef, 'open-interest', 'SOL/USDT:USDT'));
          for (const k of Object.keys(y)) expect(Buffer.from(x[k]!.buffer).equals(Buffer.from(y[k]!.buffer)), k).toBe(true);
        }
      } finally {
        await s.close();
      }
    }
  }, 150_000);

  it('a metrics day the archive lacks, older than REST\'s 30 days, is recorded as unrecoverable and not asked again; a day that stays damaged stays a plain gap', async () => {
    const faults = { corrupt: ['SOLUSDT-metrics-2026-04-02.zip'], missing: ['SOLUSDT-metrics-2026-04-04.zip'], times: 99 };
    const s = await startSim({ port: 0, now: NOW, seed: 23, symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'], dialectOptions: { binance: { archiveFaults: faults } } });
    try {
      const dir = await tempDir();
      const args = ['build', '--symbol', 'SOL/USDT:USDT', '--datasets', 'open-interest', '--timeframes', '5m', '--since', '2026-04-01', '--archives', 'auto', ...simArgs(s.url, dir)];
      const r = await runBinary(args);
      expect(r.code, r.stderr).toBe(0);
      const d = recordOf('open-interest')!.descriptor;
      const got = await readStoreColumns(d, storePath(dir, 'binance', d, 'SOL/USDT:USDT', '5m'));
      const time = got.columns['time']!;
      const on = (iso: string) => time.filter((t) => t >= Date.parse(iso) && t < Date.parse(iso) + DAY).length;
      expect([on('2026-04-01'), on('2026-04-02'), on('2026-04-03'), on('2026-04-04'), on('2026-04-05')]).toEqual([288, 0, 288, 0, 288]);
      expect(JSON.parse(got.meta.unrecoverable ?? '[]')).toEqual([{ from: Date.parse('2026-04-04'), to: Date.parse('2026-04-05') }]);
      const v = await runBinary(['validate', '--json', '--datasets', 'open-interest', '--data-dir', dir]);
      const findings = (JSON.parse(v.stdout) as { stores: { findings: { code: string; items?: { start: string; end: string }[] }[] }[] }).stores[0]!.findings;
      expect(findings.find((f) => f.code === 'UNRECOVERABLE')?.items).toEqual([{ start: '2026-04-04T00:00:00.000Z', end: '2026-04-04T23:55:00.000Z' }].map((g) => expect.objectContaining(g)));
      expect(findings.find((f) => f.code === 'GAPS')?.items).toEqual([expect.objectContaining({ start: '2026-04-02T00:00:00.000Z', end: '2026-04-02T23:55:00.000Z' })]);
      // a later build of the same store does not ask for the lost day again
      const asked = () => [...s.requests.entries()].filter(([k]) => k.includes('SOLUSDT-metrics-2026-04-04')).reduce((a, [, n]) => a + n, 0);
      const before = asked();
      expect(before).toBeGreaterThan(0);
      expect((await runBinary(args)).code).toBe(0);
      expect(asked()).toBe(before);
    } finally {
      await s.close();
    }
  }, 60_000);
});
