import { Command, CommanderError } from 'commander';
import { ConfigError, DatabaseError, ExchangeError, InterruptedError, JobFailedError, StoreError, UsageError } from '../core/errors.js';
import { TOOL_VERSION } from '../core/version.js';
import type { CommandContext } from './command-context.js';
import { registerBuild } from './commands/build.js';
import { registerDemo } from './commands/demo.js';
import { registerList } from './commands/list.js';
import { registerSim } from './commands/sim.js';
import { registerUpdate } from './commands/update.js';
import { registerCollect } from './commands/collect.js';
import { registerStatus } from './commands/status.js';
import { registerLiquidations } from './commands/liquidations.js';
import { registerDb } from './commands/db.js';
import { registerFiles } from './commands/files.js';
import { registerCleanUp } from './commands/clean-up.js';
import { registerMigrateLayout } from './commands/migrate-layout.js';
import { registerSetup } from './commands/setup.js';
import { teach } from './help.js';
import { registerUniverse } from './commands/universe.js';
import { registerValidate } from './commands/validate.js';
import { registerVenues } from './commands/venues.js';
import { registerReport } from './commands/report.js';
import { createLogger } from './logger.js';
import { StatusLine } from './status-line.js';
import { allVenues } from '../exchange/venue.js';

/** Exit codes, documented in the README. The only place errors become numbers. */
export const EXIT = { ok: 0, failed: 1, usage: 2, exchange: 3, store: 4, database: 5, internal: 70, interrupted: 130 } as const;

export function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError || e instanceof ConfigError) return EXIT.usage;
  if (e instanceof ExchangeError) return EXIT.exchange;
  if (e instanceof StoreError) return EXIT.store;
  if (e instanceof DatabaseError) return EXIT.database;
  if (e instanceof JobFailedError) return EXIT.failed;
  if (e instanceof InterruptedError) return EXIT.interrupted;
  return EXIT.internal;
}

/** Where a run's output goes and what it reads from its environment. */
export interface CliIo {
  /** Results (stdout). */
  readonly stdout: { write(text: string): unknown };
  /** Logs and error lines (stderr); pretty logs only when it is a terminal. */
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Stop on Ctrl-C/SIGTERM (the binary does; a run inside another program leaves signals alone). */
  readonly signals: boolean;
}

const PROCESS_IO: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, signals: true };

/** Run the CLI; resolves to the process exit code. Tests run it in-process with their own `io`. */
export async function main(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  const controller = new AbortController();
  const program = new Command('qml-data')
    .description(`crypto market history (candles, funding, open interest, long/short, liquidations) from ${venueNames()} through ccxt, kept in Parquet stores`)
    .version(TOOL_VERSION)
    .option('--log-level <level>', 'fatal, error, warn, info, debug or silent', io.env['QML_LOG_LEVEL'] ?? 'info')
    .option('-q, --quiet', 'only errors on stderr: no logs, no progress display (results still go to stdout)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  let ctx: CommandContext | undefined;
  const getCtx = (): CommandContext => {
    if (ctx) return ctx;
    const { logLevel, quiet } = program.opts<{ logLevel: string; quiet?: boolean }>();
    const terminal = io.stderr.isTTY && !quiet ? new StatusLine(io.stderr) : undefined;
    const level = quiet ? 'error' : logLevel;
    const log = createLogger(level, terminal ?? io.stderr, !io.env['NO_COLOR']);
    const chosen = program.getOptionValueSource('logLevel') === 'cli' || io.env['QML_LOG_LEVEL'] !== undefined;
    const runLog = terminal && !chosen ? log.child({}, { level: 'warn' }) : log;
    return (ctx = { log, runLog, terminal, signal: controller.signal, print: (text: string) => { io.stdout.write(`${text}\n`); }, stdout: io.stdout, env: io.env });
  };
  for (const register of [registerBuild, registerUpdate, registerValidate, registerList, registerUniverse, registerCollect, registerStatus, registerReport, registerLiquidations, registerDb, registerFiles, registerCleanUp, registerMigrateLayout, registerVenues, registerSim, registerDemo, registerSetup]) register(program, getCtx);
  teach(program);
  program.commands.forEach((c) => c.exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)'));
  const stopSignals = io.signals ? onStopSignals(controller, () => ctx?.log) : () => undefined;
  try {
    await program.parseAsync([...argv]);
    return EXIT.ok;
  } catch (e) {
    return reportError(e, io);
  } finally {
    stopSignals();
  }
}

function reportError(e: unknown, io: CliIo): number {
  if (e instanceof CommanderError) {
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? EXIT.ok : EXIT.usage;
  }
  const code = exitCodeOf(e);
  if (code === EXIT.internal) io.stderr.write(`qml-data: internal error (please report): ${(e as Error)?.stack ?? String(e)}\n`);
  else if (code === EXIT.interrupted) io.stderr.write('qml-data: interrupted; stores written before the interruption are kept, run the command again to continue\n');
  else io.stderr.write(`qml-data: ${(e as Error).message}\n`);
  return code;
}

/** First Ctrl-C/SIGTERM: stop fetching, finish any write in progress, exit. A second one: exit now. */
function onStopSignals(controller: AbortController, log: () => { warn: (o: object, m: string) => void } | undefined): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    log()?.warn({ signal }, 'stopping: finishing the write in progress (press Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** The venues' names as a sentence: `A, B and C`. */
function venueNames(): string {
  const names = allVenues().map((v) => v.name);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names.join('');
}
