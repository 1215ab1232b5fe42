import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowSourcesFromJson } from '../../src/core/row-sources.js';
import { recordOf } from '../../src/datasets/registry.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { storePath } from '../../src/store/store-path.js';
import { readStoreColumns } from '../../src/store/store-read.js';
import { runBinary, simArgs, tempDir } from '../helpers/cli.js';

/**
 * OKX funding from its historical-data archive (module 3, one file per swap and UTC+8 month), through the
 * binary against the simulator: a build with --archives auto reaches back to the archive's first month;
 * the archive's months hold the files' rows (read here from the simulator's index and zips over HTTP),
 * REST's three months the REST rows, settlement for settlement as a REST-only build stores them; a month
 * the archive lacks is recorded as unrecoverable, a damaged one refused; --archives only refuses.
 */
const NOW = Date.parse('2026-06-01T05:00:00Z');
const DAY = 86_400_000;
const ID = 'BTC-USDT-SWAP';
const SYMBOL = 'BTC/USDT:USDT';
const SIM = { port: 0, now: NOW, seed: 19, symbols: ['BTC/USDT', 'ETH/USDT'], venues: ['okx'] };
const build = (url: string, dir: string, mode: string, extra: string[] = []) =>
  runBinary(['build', '--exchange', 'okx', '--symbol', SYMBOL, '--datasets', 'funding', '--since', '2021-06-01', '--archives', mode, ...extra, ...simArgs(url, dir)]);
const funding = async (dir: string) => readStoreColumns(recordOf('funding')!.descriptor, storePath(dir, 'okx', recordOf('funding')!.descriptor, SYMBOL));

let sim: RunningSim;
beforeAll(async () => { sim = await startSim(SIM); });
afterAll(async () => { await sim.close(); });

/** A month of the archive as OKX publishes it: found through the index, unzipped, its rows by time. */
async function archiveMonth(url: string, label: string): Promise<Map<number, number>> {
  const [y, m] = label.split('-').map(Number);
  const begin = Date.UTC(y!, m! - 1, 1) - 8 * 3_600_000;
  type Index = { code: string; data: { details: { groupDetails: { filename: string; url: string }[] }[] }[] };
  let index: Index;
  // the index allows 5 requests per 2 s, as OKX's does: a refusal (50011) is waited out
  for (;;) {
    index = await (await fetch(`${url}/api/v5/public/market-data-history?module=3&instType=SWAP&instIdList=${ID}&dateAggrType=monthly&begin=${begin}&end=${begin + DAY}`)).json() as Index;
    if (index.code === '0') break;
    await new Promise((r) => setTimeout(r, 2_100));
  }
  const file = index.data.flatMap((d) => d.details.flatMap((x) => x.groupDetails)).find((g) => g.filename === `${ID}-fundingrates-${label}.zip`)!;
  expect(file.url).toMatch(/^https:\/\/static\.okx\.com\/cdn\/okex\/traderecords\/swaprates\/monthly\//);
  const zip = new Uint8Array(await (await fetch(`${url}${new URL(file.url).pathname}`)).arrayBuffer());
  const [header, ...rows] = new TextDecoder().decode(Object.values(unzipSync(zip))[0]).trim().split('\r\n').map((l) => l.split(','));
  expect(header).toEqual(['instrument_name', 'funding_rate', 'funding_time']);
  return new Map(rows.map((r) => [Number(r[2]), Number(r[1])]));
}

describe('OKX funding from its archive (--archives auto)', () => {
  it('reaches back to the archive\'s first month: the files\' rows, then REST\'s three months as a REST-only build stores them', async () => {
    const dir = await tempDir();
    const off = await tempDir();
    const [a, b] = await Promise.all([build(sim.url, dir, 'auto'), build(sim.url, off, 'off')]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const got = await funding(dir);
    const rest = await funding(off);
    const time = got.columns['time']!;
    const rate = got.columns['rate']!;
    expect(time[0]).toBe(Date.parse('2021-12-31T16:00:00Z')); // 2022-01 in UTC+8, the archive's first month
    // every month from the archive's first to REST's window, from the files
    for (const label of ['2022-01', '2023-07', '2025-12']) {
      const want = await archiveMonth(sim.url, label);
      const inMonth = [...time.keys()].filter((i) => want.has(time[i]!));
      expect(inMonth.length, label).toBe(want.size);
      for (const i of inMonth) expect(rate[i], `${label} ${new Date(time[i]!).toISOString()}`).toBe(want.get(time[i]!));
    }
    // within REST's window, the same settlements as the REST-only build
    const first = rest.columns['time']![0]!;
    const tail = [...time.keys()].filter((i) => time[i]! >= first);
    expect(tail.map((i) => [time[i], rate[i]])).toEqual([...rest.columns['time']!.keys()].map((i) => [rest.columns['time']![i], rest.columns['rate']![i]]));
    // no hole: 8-hourly settlements from the first to the last (the simulator's schedule for BTC)
    const steps = new Set([...time.keys()].slice(1).map((i) => time[i]! - time[i - 1]!));
    expect([...steps].every((s) => s <= 8 * 3_600_000)).toBe(true);
    const sources = rowSourcesFromJson(got.meta.rowSources);
    expect(sources['archive']![0]!.from).toBe(time[0]);
    expect(sources['rest']!.length).toBeGreaterThan(0);
    expect(JSON.parse(got.meta.unrecoverable ?? '[]')).toEqual([{ from: Date.parse('2021-06-01'), to: Date.parse('2021-12-31T16:00:00Z') }]);
  }, 120_000);

  it('a month the archive lacks is recorded as unrecoverable; a damaged one is refused; --archives only fails naming it', async () => {
    const faulty = await startSim({ ...SIM, dialectOptions: { okx: { archiveFaults: { missing: [`${ID}-fundingrates-2023-05.zip`], corrupt: [`${ID}-fundingrates-2024-02.zip`] } } } });
    try {
      const dir = await tempDir();
      const r = await build(faulty.url, dir, 'auto');
      expect(r.code, r.stderr).toBe(0);
      const got = await funding(dir);
      const lost = JSON.parse(got.meta.unrecoverable ?? '[]') as { from: number; to: number }[];
      const may = { from: Date.parse('2023-04-30T16:00:00Z'), to: Date.parse('2023-05-31T16:00:00Z') };
      const feb = { from: Date.parse('2024-01-31T16:00:00Z'), to: Date.parse('2024-02-29T16:00:00Z') };
      expect(lost).toEqual([{ from: Date.parse('2021-06-01'), to: Date.parse('2021-12-31T16:00:00Z') }, may, feb]);
      const time = got.columns['time']!;
      for (const span of [may, feb]) expect(time.filter((t) => t >= span.from && t < span.to).length).toBe(0);
      expect(r.stderr).toMatch(/archive refused/);
      const v = await runBinary(['validate', '--datasets', 'funding', '--exchange', 'okx', '--json', '--data-dir', dir]);
      const codes = (JSON.parse(v.stdout) as { stores: { findings: { code: string }[] }[] }).stores[0]!.findings.map((f) => f.code);
      expect(codes).not.toContain('GAPS');
      expect(codes).toContain('UNRECOVERABLE');
      const only = await build(faulty.url, await tempDir(), 'only');
      expect(only.code).toBe(3);
      expect(only.stderr.trim().split('\n').at(-1)).toMatch(/okx archive.*BTC-USDT-SWAP.*2023-05/);
    } finally {
      await faulty.close();
    }
  }, 120_000);

  it('1m candles from the monthly candle archive (module 2): a swap and a pair, the stores a REST-only build writes, value for value', async () => {
    // past the end of 2026-05 (UTC+8: 2026-05-31T16:00Z) by more than two days: its files are out
    const free = { limit: 100_000 };
    const later = await startSim({ ...SIM, now: Date.parse('2026-06-03T05:00:00Z'), rateLimits: { 'market/history-candles': free, 'market/candles': free } });
    try {
      const [dir, off] = [await tempDir(), await tempDir()];
      const args = (d: string, mode: string) => ['build', '--exchange', 'okx', '--symbol', 'BTC/USDT:USDT,ETH/USDT', '--timeframes', '1m', '--since', '2026-05-20', '--archives', mode, ...simArgs(later.url, d)];
      const a = await runBinary(args(dir, 'auto'));
      expect(a.code, a.stderr).toBe(0);
      const files = [...later.requests.keys()].filter((k) => k.includes('/candlesticks/'));
      expect(files.sort()).toEqual(['/cdn/okex/traderecords/candlesticks/monthly/202605/BTC-USDT-SWAP-candlesticks-2026-05.zip', '/cdn/okex/traderecords/candlesticks/monthly/202605/ETH-USDT-candlesticks-2026-05.zip']);
      const b = await runBinary(args(off, 'off'));
      expect(b.code, b.stderr).toBe(0);
      const d = recordOf('ohlcv')!.descriptor;
      for (const symbol of ['BTC/USDT:USDT', 'ETH/USDT']) {
        const x = await readStoreColumns(d, storePath(dir, 'okx', d, symbol, '1m'));
        const y = await readStoreColumns(d, storePath(off, 'okx', d, symbol, '1m'));
        expect(x.columns['time']!.length, symbol).toBe(y.columns['time']!.length);
        for (const k of Object.keys(y.columns)) expect(Buffer.from(x.columns[k]!.buffer).equals(Buffer.from(y.columns[k]!.buffer)), `${symbol} ${k}`).toBe(true);
        const sources = rowSourcesFromJson(x.meta.rowSources);
        expect(sources['archive'], symbol).toEqual([{ from: Date.parse('2026-05-20'), to: Date.parse('2026-05-31T16:00:00Z') }]);
        expect(sources['rest']![0]!.from, symbol).toBe(Date.parse('2026-05-31T16:00:00Z'));
      }
    } finally {
      await later.close();
    }
  }, 120_000);
});
