import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCcxtClient } from '../../src/exchange/ccxt-client.js';
import type { ExchangeClient } from '../../src/exchange/exchange-client.js';
import { runBuild } from '../../src/pipeline/build.js';
import { silentLog } from '../../src/core/log.js';
import type { RunSettings } from '../../src/pipeline/run-settings.js';
import { runUpdate } from '../../src/pipeline/update.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { loadMaster } from '../../src/store/store-read.js';
import { tempDir } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';

const H = 3_600_000;
const LISTING = Date.parse('2017-08-17T04:00Z');
const END = Date.parse('2017-11-25T10:30Z'); // just after the slice's last bar (09:00) closed

const settings = (dataDir: string): RunSettings => ({
  exchange: 'binance', source: 'simulator', dataDir, atrPeriod: 14, concurrency: 2, lockWaitMs: 0, checkpointMs: 30_000,
  retry: { attempts: 2, baseMs: 1, maxMs: 1, totalMs: 1000 },
});

/** Stores are equal when every column is equal bit for bit (NaN warm-up included). */
async function expectSameStore(a: string, b: string, symbol: string, timeframe: string) {
  const x = await loadMaster({ symbol, timeframe, dataDir: a });
  const y = await loadMaster({ symbol, timeframe, dataDir: b });
  expect(x.time.length).toBe(y.time.length);
  for (const k of ['time', 'open', 'high', 'low', 'close', 'volume', 'atr'] as const) {
    expect(Buffer.from(x[k].buffer, x[k].byteOffset, x[k].byteLength).equals(Buffer.from(y[k].buffer, y[k].byteOffset, y[k].byteLength)), `${symbol} ${timeframe} ${k}`).toBe(true);
  }
}

describe('update ≡ build: build to T, update to now, equals a fresh build to now', () => {
  let sim: RunningSim;
  let client: ExchangeClient;
  let reference: string;
  beforeAll(async () => {
    sim = await startSim({ port: 0, now: END, seed: 5, symbols: ['BTC/USDT'], replay: { 'ETH/USDT': fixture('btcusdt-1h-2017.djienne.freqtrade.json') } });
    client = createCcxtClient({ exchange: 'binance', apiUrl: sim.url, timeoutMs: 10_000, rateLimitMs: 1 });
    reference = await tempDir();
    await runBuild({ symbols: ['ETH/USDT'], timeframes: ['1h', '4h'], range: { kind: 'since', since: LISTING }, dryRun: false }, settings(reference), { clientFor: () => client, log: silentLog });
  });
  afterAll(async () => { await client.close(); await sim.close(); });

  const splits: [string, number][] = [
    ['one bar after listing', LISTING + H],
    ['two bars after listing', LISTING + 2 * H],
    ['just before the first ATR value', LISTING + 14 * H],
    ['at the first ATR value', LISTING + 15 * H],
    ['just after the first ATR value', LISTING + 16 * H],
    ['on the flat bar before the 2017-09-06 gap', Date.parse('2017-09-06T16:00Z')],
    ['inside the 2017-09-06 gap', Date.parse('2017-09-06T19:00Z')],
    ['at the first bar after the gap', Date.parse('2017-09-06T23:00Z')],
    ['mid-way, not on a 4h boundary', Date.parse('2017-10-13T07:00Z')],
    ['one bar before the end', Date.parse('2017-11-25T09:00Z')],
  ];
  for (const [name, t] of splits) {
    it(`at ${new Date(t).toISOString()} (${name})`, async () => {
      const dir = await tempDir();
      const s = settings(dir);
      await runBuild({ symbols: ['ETH/USDT'], timeframes: ['1h', '4h'], range: { kind: 'since', since: LISTING, until: t }, dryRun: false }, s, { clientFor: () => client, log: silentLog });
      // a store whose last row has its ATR is appended to (only its last row group re-encoded); one still
      // in ATR's warm-up is rewritten whole
      const expected = new Map<string, string>();
      for (const tf of ['1h', '4h']) {
        const before = await loadMaster({ symbol: 'ETH/USDT', timeframe: tf, dataDir: dir });
        expected.set(tf, Number.isNaN(before.atr[before.atr.length - 1]!) ? 'rewrite' : 'append');
      }
      const outcomes = await runUpdate({}, s, { clientFor: () => client, log: silentLog });
      expect(outcomes.every((o) => o.status === 'written' || o.status === 'up-to-date')).toBe(true);
      for (const o of outcomes.filter((x) => x.status === 'written')) expect(o.write, o.timeframe!).toBe(expected.get(o.timeframe!));
      await expectSameStore(dir, reference, 'ETH/USDT', '1h');
      await expectSameStore(dir, reference, 'ETH/USDT', '4h');
    });
  }

  it('holds for a synthetic perpetual split right after its listing and over several updates', async () => {
    const listing = Date.parse('2019-09-08T17:00Z');
    const end = listing + 40 * 24 * H;
    sim.setNow(listing + 3 * H + 1);
    const dir = await tempDir();
    const s = settings(dir);
    await runBuild({ symbols: ['BTC/USDT:USDT'], timeframes: ['1h', '4h'], range: { kind: 'since', since: listing - 24 * H }, dryRun: false }, s, { clientFor: () => client, log: silentLog });
    for (const t of [listing + 20 * H, listing + 5 * 24 * H + 7 * H, end]) {
      sim.setNow(t);
      await runUpdate({}, s, { clientFor: () => client, log: silentLog });
    }
    const fresh = await tempDir();
    await runBuild({ symbols: ['BTC/USDT:USDT'], timeframes: ['1h', '4h'], range: { kind: 'since', since: listing - 24 * H }, dryRun: false }, settings(fresh), { clientFor: () => client, log: silentLog });
    sim.setNow(END);
    await expectSameStore(dir, fresh, 'BTC/USDT:USDT', '1h');
    await expectSameStore(dir, fresh, 'BTC/USDT:USDT', '4h');
  });
});
