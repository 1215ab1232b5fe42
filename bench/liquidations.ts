// The liquidations section of `npm run bench`: how many events a second the recorder keeps, on one core.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LIQUIDATIONS } from '../src/datasets/liquidations.js';
import { readStore } from '../src/store/store-read.js';
import { startSim } from '../src/sim/server.js';

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * The recorder binary against the simulator streaming far faster than Binance ever does (every one of
 * 40 perpetuals liquidating every simulated second, the clock at 750×: 30,000 events/s offered).
 * Printed: events the simulator sent, events in the day files, the recorder's CPU (the final merge into
 * the day file included), and what that makes per second of one core.
 */
export async function liquidationsSection(): Promise<void> {
  const perps = Array.from({ length: 40 }, (_, i) => `L${i}X/USDT:USDT`);
  const sim = await startSim({ port: 0, now: Date.parse('2026-11-20T10:00:00Z'), speed: 750, liquidationRate: 1000, symbols: perps, seed: 9 });
  const dir = mkdtempSync(join(tmpdir(), 'qml-bench-liq-'));
  const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'qml-data.js'), 'liquidations', 'record', '--api-url', sim.url, '--data-dir', dir, ], {
    env: { ...process.env, QML_LOG_LEVEL: 'warn' }, stdio: 'ignore',
  });
  while (sim.liquidations.connections.length === 0) await sleep(20);
  const cpu0 = cpuSeconds(child.pid!);
  const t0 = performance.now();
  await sleep(8_000);
  const seconds = (performance.now() - t0) / 1000;
  const sent = sim.liquidations.connections[0]!.sent.length;
  let cpu = cpuSeconds(child.pid!) - cpu0;
  const exit = once(child, 'close');
  child.kill('SIGTERM');
  // the CPU of the shutdown too: the journal merged into the day file
  for (;;) {
    try { cpu = cpuSeconds(child.pid!) - cpu0; } catch { break; }
    if (child.exitCode !== null) break;
    await sleep(20);
  }
  await exit;
  await sim.close();
  const total = sim.liquidations.connections.reduce((n, c) => n + c.sent.length, 0);
  let stored = 0;
  const days = join(dir, 'binance', 'liquidations');
  for (const name of readdirSync(days).filter((n) => n.endsWith('.parquet'))) {
    stored += (await readStore(LIQUIDATIONS, join(days, name), {})).frame.time.length;
  }
  console.log('\nliquidation recorder (binary) against the simulator\'s stream: 40 perps, every simulated second, clock at 750×');
  console.log(`  offered:  ${(sent / seconds).toFixed(0)} events/s for ${seconds.toFixed(1)} s`);
  console.log(`  kept:     ${stored} of ${total} events sent, in the day file (${total - stored} lost)`);
  console.log(`  recorder: ${cpu.toFixed(2)} CPU-s for them → ${(stored / cpu).toFixed(0)} events per CPU-second on one core (target ≥ 20,000; Binance's all-market stream sends a few hundred a second at its peaks)`);
}
