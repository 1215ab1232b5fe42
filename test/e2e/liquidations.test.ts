import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { LIQUIDATIONS } from '../../src/datasets/liquidations.js';
import { PYTHON, python } from '../helpers/python.js';
import { coverage } from '../../src/core/interval.js';
import { recordLiquidations } from '../../src/liquidations/recorder.js';
import { BINANCE_LIQUIDATIONS } from '../../src/exchange/binance/liquidation-feed.js';
import { liquidationDayPath, readLiquidationDay, type LiquidationDay } from '../helpers/liquidation-days.js';
import { startSim } from '../../src/sim/server.js';
import type { SentLiquidation } from '../../src/sim/binance/liquidation-format.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/fixtures.js';

const START = Date.parse('2026-11-20T10:00:00Z');
const SPEED = 600; // a simulated hour in six seconds
const DAY = '2026-11-20';

/** An event as the simulator sent it, by its own fields (numbers by value). */
const sentKey = (e: SentLiquidation) => [e.o.T, e.E, e.o.s, e.o.S, Number(e.o.q), Number(e.o.p)].join('|');
/** The stored events, the same way. */
const storedKeys = (d: LiquidationDay) => Array.from(d.frame.time, (t, i) => [t, d.frame['eventTime']![i], d.text('symbol', i), d.text('side', i), d.frame['quantity']![i], d.frame['price']![i]].join('|'));

function recorder(url: string, dir: string): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), 'liquidations', 'record', '--api-url', url, '--data-dir', dir, '--merge-every', '1'], {
    env: { ...process.env, QML_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Until the simulator has seen `n` connections open (a recorder's start on a loaded 2-core machine can take seconds). */
async function connections(sim: Awaited<ReturnType<typeof startSim>>, n: number): Promise<void> {
  for (const end = Date.now() + 30_000; Date.now() < end && sim.liquidations.connections.length < n;) await sleep(25);
  expect(sim.liquidations.connections.length).toBe(n);
}

describe('liquidations record: the websocket stream into day files, nothing received lost', () => {
  it('a simulated hour with the link dropped 3 times and the recorder killed -9 twice: every event sent is in the day file once; the coverage gaps are the disconnections', async () => {
    const sim = await startSim({ port: 0, now: START, speed: SPEED, seed: 3 });
    const dir = await tempDir();
    const killedAt: number[] = [];
    try {
      let rec = recorder(sim.url, dir);
      await connections(sim, 1);
      await sleep(800); sim.liquidations.drop();
      await connections(sim, 2);
      await sleep(800); sim.liquidations.drop();
      await connections(sim, 3);
      await sleep(800); killedAt.push(sim.now()); rec.kill('SIGKILL'); await once(rec, 'close');
      rec = recorder(sim.url, dir);
      await connections(sim, 4);
      await sleep(800); sim.liquidations.drop();
      await connections(sim, 5);
      await sleep(800); killedAt.push(sim.now()); rec.kill('SIGKILL'); await once(rec, 'close');
      rec = recorder(sim.url, dir);
      await connections(sim, 6);
      await sleep(1000);
      rec.kill('SIGTERM');
      const [code] = await once(rec, 'close') as [number];
      expect(code).toBe(0);
    } finally {
      await sim.close();
    }
    const conns = sim.liquidations.connections;
    expect(conns.map((c) => c.endedBy)).toEqual(['drop', 'drop', 'client', 'drop', 'client', 'client']);
    expect(conns[conns.length - 1]!.closedAt! - START).toBeGreaterThan(3_600_000); // more than a simulated hour

    const day = (await readLiquidationDay(dir, 'binance', DAY))!;
    const recorded = storedKeys(day);
    expect(new Set(recorded).size, 'no event twice').toBe(recorded.length);
    const sent = new Set(conns.flatMap((c) => c.sent.map(sentKey)));
    expect(recorded.filter((k) => !sent.has(k)), 'nothing the simulator did not send').toEqual([]);
    // every event sent while connected is kept; of a connection killed -9, those still unread in its socket
    // when the process died (sent within 1 s of real time before the kill: a loaded machine lags in reading its socket) cannot be, and may be missing
    const have = new Set(recorded);
    for (const c of conns) {
      const killed = c.endedBy === 'client' && killedAt.some((t) => Math.abs(t - c.closedAt!) < 100 * SPEED);
      const must = c.sent.filter((e) => !killed || e.E < c.closedAt! - 1 * 1000 * SPEED);
      expect(must.filter((e) => !have.has(sentKey(e))).length, `connection ${c.id} (${c.endedBy})`).toBe(0);
    }
    expect(recorded.length).toBeGreaterThan(500);

    // coverage: inside the recording, a gap for each disconnection, where the simulator saw it
    const span = coverage(day.coverage, day.coverage[0]!.from, day.coverage[day.coverage.length - 1]!.to);
    expect(span.gaps).toHaveLength(conns.length - 1);
    // The recorder reads the exchange's clock from /time; at 600× a loaded machine's 0.1–0.2 s round trip
    // is a minute or two of simulated time (at Binance's 1×, a fraction of a millisecond). A killed run's
    // last sign of life is up to 0.25 s older than its death.
    const clockSlack = 0.3 * 1000 * SPEED;
    span.gaps.forEach((g, i) => {
      const [before, after] = [conns[i]!, conns[i + 1]!];
      const slack = before.endedBy === 'client' ? clockSlack + 0.25 * 1000 * SPEED : clockSlack;
      expect(Math.abs(g.from - before.closedAt!), `gap ${i + 1} start`).toBeLessThan(slack);
      expect(Math.abs(g.to - after.openedAt), `gap ${i + 1} end`).toBeLessThan(clockSlack);
    });

    const listed = await runCli(['liquidations', 'list', '--json', '--data-dir', dir]);
    const days = JSON.parse(listed.stdout).days as { exchange: string; day: string; events: number; feed: string; gaps: unknown[] }[];
    expect(days).toMatchObject([{ exchange: 'binance', day: '2026-11-20', events: recorded.length, feed: 'sampled' }]);
    const checked = await runCli(['validate', '--datasets', 'liquidations', '--json', '--data-dir', dir]);
    expect(checked.code, checked.stdout).toBe(0); // coverage gaps warn: the events kept are right
    const health = JSON.parse(checked.stdout).stores as { status: string; findings: { code: string; count: number }[] }[];
    // the 5 disconnections, and the day before the first connection and after the last
    expect(health).toMatchObject([{ exchange: 'binance', status: 'warn', findings: [{ code: 'COVERAGE', count: 7 }] }]);
    expect((await runCli(['validate', '--datasets', 'liquidations', '--strict', '--data-dir', dir])).code).toBe(1);
    const all = await runCli(['list', '--datasets', 'liquidations', '--data-dir', dir]);
    expect(all.stdout).toMatch(new RegExp(`liquidations binance 2026-11-20  ${recorded.length} events  \\d+ symbols  .* covered, \\d+ gap\\(s\\)`));
  }, 60_000);

  it('survives a stalled stream (no pong) and a malformed frame, and follows named symbols only', async () => {
    const sim = await startSim({ port: 0, now: START, speed: SPEED, seed: 5 });
    const dir = await tempDir();
    const abort = new AbortController();
    const log = { info: () => undefined, warn: () => undefined, debug: () => undefined, error: () => undefined };
    try {
      const clock = { now: () => sim.now() };
      const run = recordLiquidations({ dataDir: dir, venue: 'binance', feed: BINANCE_LIQUIDATIONS, ctx: { contractSize: () => 1 }, source: 'simulator',
        wsBase: sim.url.replace('http', 'ws'), symbols: ['BTCUSDT', 'ETHUSDT'], clock, log, signal: abort.signal,
        pingMs: 100, pongTimeoutMs: 200, mergeEveryMs: 500, backoffMs: { base: 20, max: 100 } });
      await connections(sim, 1);
      await sleep(500); sim.liquidations.malformed();
      await sleep(300); sim.liquidations.stall();
      await connections(sim, 2); // the client gave up on the silent connection and came back
      await sleep(500); sim.liquidations.disconnect();
      await connections(sim, 3);
      await sleep(500);
      abort.abort();
      const summary = await run;
      expect(summary).toMatchObject({ malformed: 1, connections: 3 });
    } finally {
      await sim.close();
    }
    const day = (await readLiquidationDay(dir, 'binance', DAY))!;
    expect(new Set(Array.from(day.frame.time, (_, i) => day.text('symbol', i)))).toEqual(new Set(['BTCUSDT', 'ETHUSDT']));
    // independent readers see UTC nanosecond times, text and doubles
    const path = liquidationDayPath(dir, 'binance', DAY);
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const types = (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRowObjectsJS();
    expect(types.map((t) => [t.column_name, t.column_type])).toEqual(LIQUIDATIONS.columns.map((c) => [c.name, c.type === 'timestamp' ? 'TIMESTAMP WITH TIME ZONE' : c.type === 'text' ? 'VARCHAR' : 'DOUBLE']));
    const [[n, first]] = (await db.runAndReadAll(`SELECT count(*), min(epoch_ms(time)) FROM read_parquet('${path}')`)).getRows() as [[bigint, bigint]];
    expect([Number(n), Number(first)]).toEqual([day.length, day.frame.time[0]]);
    if (PYTHON) {
      const seen = JSON.parse(await python('read-with-python.py', [path])) as { pandas_dtypes: Record<string, string>; rows: number; first_time_ms: number };
      expect(seen.pandas_dtypes).toEqual(Object.fromEntries(LIQUIDATIONS.columns.map((c) => [c.name, c.type === 'timestamp' ? 'datetime64[ns, UTC]' : c.type === 'text' ? expect.stringMatching(/^(object|str|string)$/) : 'float64'])));
      expect([seen.rows, seen.first_time_ms]).toEqual([day.length, day.frame.time[0]]);
    }
    const sent = sim.liquidations.connections.flatMap((c) => c.sent.map(sentKey));
    expect(sent.length).toBeGreaterThan(0);
    expect(storedKeys(day).sort()).toEqual([...new Set(sent)].sort());
    // the stalled connection counts as connected until the client noticed (no pong): then a gap, and one at the server's close
    expect(coverage(day.coverage, day.coverage[0]!.from, day.coverage[day.coverage.length - 1]!.to).gaps).toHaveLength(2);
  });

  it('runs inside collect --loop (--liquidations) and stops with it on SIGTERM, the day file written', async () => {
    const sim = await startSim({ port: 0, now: START, speed: 60, seed: 4, universe: true });
    const dir = await tempDir();
    try {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), 'collect', '--loop', '--every', '1h', '--liquidations', '--size', '2', '--days', '1', '--api-url', sim.url, '--data-dir', dir], {
        env: { ...process.env, QML_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (d) => { out += d; });
      await connections(sim, 1);
      for (let i = 0; i < 200 && !out.includes('cycle 1'); i++) await sleep(50);
      await sleep(1500);
      child.kill('SIGTERM');
      const [code] = await once(child, 'close') as [number];
      expect(code).toBe(0);
      expect(out).toContain('cycle 1');
    } finally {
      await sim.close();
    }
    const day = (await readLiquidationDay(dir, 'binance', DAY))!;
    const sent = new Set(sim.liquidations.connections.flatMap((c) => c.sent.map(sentKey)));
    expect(day.length).toBeGreaterThan(0);
    expect(storedKeys(day).every((k) => sent.has(k))).toBe(true);
  }, 60_000);

  it('--liquidations without --loop is a usage error', async () => {
    const r = await runCli(['collect', '--liquidations', '--data-dir', await tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--liquidations');
  });
});
