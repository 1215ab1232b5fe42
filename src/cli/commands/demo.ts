import { defaultVenue } from '../../exchange/venue.js';
import type { Command } from 'commander';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobFailedError, UsageError } from '../../core/errors.js';
import { floorOpen, parseTimeframe } from '../../core/timeframe.js';
import { runBuild } from '../../pipeline/build.js';
import { findStores, validateStores } from '../../pipeline/store-reports.js';
import { runUpdate } from '../../pipeline/update.js';
import { startSim } from '../../sim/server.js';
import { checkDataDir, masterPath } from '../../store/store-path.js';
import { renderHealthText } from '../../validate/render-findings.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { withExchange } from '../exchange-session.js';
import { positiveNumber, runSettings } from '../options.js';
import { failureOf, renderOutcomes } from '../report.js';

const DAY = 86_400_000;

export function registerDemo(program: Command, ctx: () => CommandContext): void {
  program.command('demo')
    .description('offline tour: start the simulator, build ETH/USDT 1h 4h, let time pass, update, validate')
    .option('--data-dir <dir>', 'where to write the demo stores (default: a new temporary folder)')
    .option('--days <n>', 'history to build', '365')
    .action(async (flags: { dataDir?: string; days: string }) => runDemo(flags, ctx()));
}

const MARKER = '.qml-demo';

/**
 * The demo writes simulated candles, so it works only in a new or empty folder, or one an earlier demo
 * made (it leaves a marker file): never among real stores, where synthetic candles would pass for real.
 */
async function demoFolder(given: string | undefined): Promise<string> {
  const dir = given === undefined ? await mkdtemp(join(tmpdir(), 'qml-demo-')) : checkDataDir(given);
  const names = await readdir(dir).catch(() => undefined);
  if (names && names.length > 0 && !names.includes(MARKER)) {
    throw new UsageError(`--data-dir "${given}" is not empty and was not made by the demo (expected a new or empty folder; the demo writes simulated candles)`);
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MARKER), 'Stores in this folder hold simulated candles written by `qml-data demo`.\n');
  return dir;
}

async function runDemo(flags: { dataDir?: string; days: string }, c: CommandContext): Promise<void> {
  const days = positiveNumber('--days', flags.days)!;
  const dataDir = await demoFolder(flags.dataDir);
  const start = floorOpen(parseTimeframe('1h'), Date.now()) - 2 * DAY + 30 * 60_000;
  const sim = await startSim({ port: 0, now: start, seed: 1 });
  const settings = { ...runSettings(loadConfig(), { dataDir }, c.env), dataDir, exchange: defaultVenue().id, source: 'simulator' };
  try {
    c.print(`simulator on ${sim.url}, exchange clock ${new Date(start).toISOString()}, stores in ${dataDir}\n`);
    await withExchange({ exchange: defaultVenue().id, apiUrl: sim.url, timeoutMs: 10_000 }, dataDir, c.log, undefined, async (clientFor) => {
      const deps = { clientFor, log: c.runLog, signal: c.signal };
      const built = await runBuild({ symbols: ['ETH/USDT'], timeframes: ['1h', '4h'], range: { kind: 'days', days }, dryRun: false }, settings, deps);
      c.print(`$ qml-data build --symbol ETH/USDT --timeframes 1h 4h --days ${flags.days}\n${renderOutcomes(built)}\n`);
      sim.setNow(start + 2 * DAY);
      c.print(`(two days pass on the exchange: ${new Date(sim.now()).toISOString()})\n`);
      const updated = await runUpdate({}, settings, deps);
      c.print(`$ qml-data update\n${renderOutcomes(updated)}\n`);
      const failure = failureOf([...built, ...updated]);
      if (failure) throw failure;
    });
    const health = await validateStores(await findStores(dataDir, {}), sim.now());
    c.print(`$ qml-data validate\n${renderHealthText(health)}\n\nRead them: python -c "import pandas as pd; print(pd.read_parquet('${masterPath(dataDir, defaultVenue().id, 'ETH/USDT', '1h')}').tail())"`);
    if (health.some((h) => h.status === 'fail')) throw new JobFailedError('a demo store failed validation');
  } finally {
    await sim.close();
  }
}
