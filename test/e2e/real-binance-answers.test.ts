import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { FUNDING } from '../../src/datasets/funding.js';
import { readLiquidationDay } from '../helpers/liquidation-days.js';
import { coverage } from '../../src/liquidations/events.js';
import { startSim } from '../../src/sim/server.js';
import { readStore } from '../../src/store/store-read.js';
import { withStoreForWrite } from '../../src/store/store-writer.js';
import { runBinary, tempDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/fixtures.js';

const H = 3_600_000;
const NOW = Date.parse('2024-03-10T12:34:00Z');

/** A recorder process (the binary); its stderr is collected. */
function recorder(url: string, dir: string, extra: string[] = []) {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), 'liquidations', 'record', '--api-url', url, '--data-dir', dir, '--merge-every', '1', ...extra], {
    env: { ...process.env, QML_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return { child, stderr: () => stderr };
}

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['level'] === 50);

describe('the liquidation recorder says when it cannot listen (real Binance serves forceOrder under /market/ only)', () => {
  it('a refused stream (404 on upgrade): an error with the URL and status, exit 3, and status shows the day not covered', async () => {
    const sim = await startSim({ port: 0, now: Date.parse('2026-11-20T10:00:00Z'), seed: 3 });
    const dir = await tempDir();
    try {
      sim.liquidations.refuse(404);
      const rec = recorder(sim.url, dir);
      const [code] = await once(rec.child, 'close') as [number];
      expect(code).toBe(3);
      const errors = errorLines(rec.stderr());
      expect(errors[0]).toMatchObject({ url: `${sim.url.replace('http', 'ws')}/market/ws/!forceOrder@arr`, status: 404 });
      expect(rec.stderr()).toMatch(/^qml-data: the liquidation stream ws:\/\/.*\/market\/ws\/!forceOrder@arr refused the connection with HTTP 404/m);
      const status = await runBinary(['status', '--json', '--data-dir', dir]);
      expect(status.code, status.stderr).toBe(0);
      const s = JSON.parse(status.stdout) as { liquidations: { exchange: string; state: string; lastError: { status: number }; connections: number; today: { coveredMs: number } }[] };
      expect(s.liquidations).toHaveLength(1);
      expect(s.liquidations[0]).toMatchObject({ exchange: 'binance', state: 'failed', lastError: { status: 404 }, connections: 0, today: { coveredMs: 0 } });
      const text = await runBinary(['status', '--data-dir', dir]);
      expect(text.stdout).toMatch(/liquidations: binance recorder failed on ws:\/\/.*\/market\/ws\/!forceOrder@arr/);
      expect(text.stdout).toMatch(/liquidations: binance last error .*HTTP 404/);
    } finally {
      await sim.close();
    }
  });

  it('a transient refusal (503) is retried with an error logged each attempt, then the stream is recorded through /market/', async () => {
    const sim = await startSim({ port: 0, now: Date.parse('2026-11-20T10:00:00Z'), speed: 600, seed: 3 });
    const dir = await tempDir();
    try {
      sim.liquidations.refuse(503);
      const rec = recorder(sim.url, dir);
      // deadlines, not delays: a loaded machine (the whole suite on 2 cores) starts a binary in seconds
      for (let i = 0; i < 600 && errorLines(rec.stderr()).length < 2; i++) await sleep(50);
      expect(errorLines(rec.stderr()).length).toBeGreaterThanOrEqual(2);
      expect(errorLines(rec.stderr()).every((e) => e['status'] === 503 && String(e['url']).endsWith('/market/ws/!forceOrder@arr'))).toBe(true);
      sim.liquidations.refuse(undefined);
      for (let i = 0; i < 1200 && sim.liquidations.connections.length < 1; i++) await sleep(25);
      await sleep(1500);
      rec.child.kill('SIGTERM');
      const [code] = await once(rec.child, 'close') as [number];
      expect(code).toBe(0);
      const sent = sim.liquidations.connections.flatMap((c) => c.sent).length;
      const day = (await readLiquidationDay(dir, 'binance', '2026-11-20'))!;
      expect(sent).toBeGreaterThan(10);
      expect(day.length).toBe(sent);
    } finally {
      await sim.close();
    }
  });

  it('a stream that goes silent is an error after --max-quiet: its silent time is left out of the coverage, and it reconnects', async () => {
    const SPEED = 600;
    const sim = await startSim({ port: 0, now: Date.parse('2026-11-20T10:00:00Z'), speed: SPEED, seed: 3 });
    const dir = await tempDir();
    try {
      const rec = recorder(sim.url, dir, ['--max-quiet', '2s']);
      for (let i = 0; i < 1200 && sim.liquidations.connections.length < 1; i++) await sleep(25);
      await sleep(800);
      const mutedAt = sim.now();
      sim.liquidations.mute();
      for (let i = 0; i < 1200 && sim.liquidations.connections.length < 2; i++) await sleep(25);
      expect(sim.liquidations.connections.length).toBe(2);
      await sleep(800);
      rec.child.kill('SIGTERM');
      await once(rec.child, 'close');
      expect(errorLines(rec.stderr()).some((e) => /no frame for \d+ s/.test(String(e['err'])))).toBe(true);
      const day = (await readLiquidationDay(dir, 'binance', '2026-11-20'))!;
      const gaps = coverage(day.coverage, day.coverage[0]!.from, day.coverage[day.coverage.length - 1]!.to).gaps;
      // one gap: from about when the stream went silent (its last frame, by the recorder's clock, which is read from
      // /time: at 600× a loaded machine's round trips are a simulated minute or more) until the reconnection
      // (2 s real at 600×: 20 simulated minutes)
      expect(gaps).toHaveLength(1);
      expect(Math.abs(gaps[0]!.from - mutedAt)).toBeLessThan(1.5 * 1000 * SPEED);
      expect(gaps[0]!.to - gaps[0]!.from).toBeGreaterThan(1.5 * 1000 * SPEED);
    } finally {
      await sim.close();
    }
  });
});

describe('funding as Binance serves it: empty early mark prices, settlements a few ms late', () => {
  it('early settlements hold a null mark price (never 0), intervals are whole hours on jittered times, and a removed settlement is reported', async () => {
    const sim = await startSim({ port: 0, now: NOW, seed: 11, symbols: ['BTC/USDT', 'DOGE/USDT'] });
    const dir = await tempDir();
    try {
      const r = await runBinary(['build', '--datasets', 'funding', '--symbol', 'BTC/USDT:USDT', '--symbol', 'DOGE/USDT:USDT', '--since', '2023-01-01', '--api-url', sim.url, '--data-dir', dir]);
      expect(r.code, r.stderr).toBe(0);
      for (const [id, symbol, folder] of [['BTCUSDT', 'BTC/USDT:USDT', 'BTC_USDT_USDT'], ['DOGEUSDT', 'DOGE/USDT:USDT', 'DOGE_USDT_USDT']] as const) {
        // what the simulator serves, read independently
        const served: { fundingTime: number; markPrice: string }[] = [];
        for (let start = Date.parse('2023-01-01'); ;) {
          const page = await (await fetch(`${sim.url}/fapi/v1/fundingRate?symbol=${id}&startTime=${start}&limit=1000`)).json() as { fundingTime: number; markPrice: string }[];
          served.push(...page);
          if (page.length < 1000) break;
          start = page[page.length - 1]!.fundingTime + 1;
        }
        expect(served.some((s) => s.markPrice === '')).toBe(true);
        expect(served.some((s) => s.fundingTime % 1000 !== 0), 'jittered times').toBe(true);
        const path = join(dir, 'binance', folder, 'funding.parquet');
        const db = await (await DuckDBInstance.create(':memory:')).connect();
        const rows = (await db.runAndReadAll(`SELECT epoch_ms(time) AS t, mark_price, interval_hours FROM read_parquet('${path}') ORDER BY time`)).getRows();
        expect(rows.map((x) => Number(x[0])), symbol).toEqual(served.map((s) => s.fundingTime));
        expect(rows.map((x) => x[1]), symbol).toEqual(served.map((s) => (s.markPrice === '' ? null : Number(s.markPrice))));
        const hours = new Set(rows.slice(1).map((x) => x[2]));
        expect([...hours].every((h) => h === 8 || h === 4 || h === 1), `${symbol}: ${[...hours].join(',')}`).toBe(true);
      }
      // a settlement removed from the jittered series is a gap validate reports
      const path = join(dir, 'binance', 'DOGE_USDT_USDT', 'funding.parquet');
      const stored = await readStore(FUNDING, path, { symbol: 'DOGE/USDT:USDT' });
      const keep = (k: string) => Float64Array.from(stored.frame[k]!.filter((_, i) => i !== 200));
      await withStoreForWrite(FUNDING, path, { symbol: 'DOGE/USDT:USDT' }, { waitMs: 0, erase: true }, (h) =>
        h.replace({ time: keep('time'), rate: keep('rate'), markPrice: keep('markPrice'), intervalHours: keep('intervalHours') },
          { exchange: 'binance', source: 'simulator', marketType: 'swap', symbol: 'DOGE/USDT:USDT' }));
      const v = await runBinary(['validate', '--datasets', 'funding', '--symbol', 'DOGE/USDT:USDT', '--json', '--data-dir', dir]);
      const findings = (JSON.parse(v.stdout) as { stores: { findings: { code: string; items: { start: string; missing: number }[] }[] }[] }).stores[0]!.findings;
      expect(findings).toMatchObject([{ code: 'GAPS', items: [{ start: new Date(Math.round(stored.frame.time[200]! / H) * H).toISOString(), missing: 1 }] }]);
    } finally {
      await sim.close();
    }
  });
});
