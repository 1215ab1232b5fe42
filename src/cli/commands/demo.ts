import type { Command } from 'commander';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobFailedError } from '../../core/errors.js';
import { floorOpen, parseTimeframe } from '../../core/timeframe.js';
import { runBuild } from '../../pipeline/build.js';
import { findStores, validateStores } from '../../pipeline/inspect.js';
import { runUpdate } from '../../pipeline/update.js';
import { startSim } from '../../sim/server.js';
import { checkDataDir } from '../../store/master-path.js';
import { renderHealthText } from '../../validate/render-findings.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { withExchange } from '../exchange-session.js';
import { runSettings } from '../options.js';
import { failureOf, renderOutcomes } from '../report.js';

const DAY = 86_400_000;

export function registerDemo(program: Command, ctx: () => CommandContext): void {
  program.command('demo')
    .description('offline tour: start the simulator, build ETH/USDT 1h 4h, let time pass, update, validate')
    .option('--data-dir <dir>', 'where to write the demo stores (default: a new temporary folder)')
    .option('--days <n>', 'history to build', '365')
    .action(async (flags: { dataDir?: string; days: string }) => runDemo(flags, ctx()));
}

async function runDemo(flags: { dataDir?: string; days: string }, c: CommandContext): Promise<void> {
  const dataDir = checkDataDir(flags.dataDir ?? await mkdtemp(join(tmpdir(), 'qml-demo-')));
  const start = floorOpen(parseTimeframe('1h'), Date.now()) - 2 * DAY + 30 * 60_000;
  const sim = await startSim({ port: 0, now: start, seed: 1 });
  const settings = { ...runSettings(loadConfig(), { dataDir }), dataDir };
  try {
    c.print(`simulator on ${sim.url}, exchange clock ${new Date(start).toISOString()}, stores in ${dataDir}\n`);
    await withExchange({ exchange: 'binance', apiUrl: sim.url, timeoutMs: 10_000 }, async (client, onProgress) => {
      const deps = { client, log: c.log, signal: c.signal, onProgress };
      const built = await runBuild({ symbols: ['ETH/USDT'], timeframes: ['1h', '4h'], range: { kind: 'days', days: Number(flags.days) }, dryRun: false }, settings, deps);
      c.print(`$ qml-data build --symbol ETH/USDT --timeframes 1h 4h --days ${flags.days}\n${renderOutcomes(built)}\n`);
      sim.setNow(start + 2 * DAY);
      c.print(`(two days pass on the exchange: ${new Date(sim.now()).toISOString()})\n`);
      const updated = await runUpdate({}, settings, deps);
      c.print(`$ qml-data update\n${renderOutcomes(updated)}\n`);
      const failure = failureOf([...built, ...updated]);
      if (failure) throw failure;
    });
    const health = await validateStores(await findStores(dataDir, {}), sim.now());
    c.print(`$ qml-data validate\n${renderHealthText(health)}\n\nRead them: python -c "import pandas as pd; print(pd.read_parquet('${join(dataDir, 'ETH_USDT', '1h_master.parquet')}').tail())"`);
    if (health.some((h) => h.status === 'fail')) throw new JobFailedError('a demo store failed validation');
  } finally {
    await sim.close();
  }
}
