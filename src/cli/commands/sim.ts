import type { Command } from 'commander';
import { once } from 'node:events';
import { UsageError } from '../../core/errors.js';
import { parseUserDate } from '../../core/time-format.js';
import { startSim } from '../../sim/server.js';
import type { CommandContext } from '../command-context.js';
import { collect, integerFlag } from '../options.js';

interface SimFlags {
  host: string; port: string; now?: string; seed: string; symbols?: string[]; replay?: string[];
  spotWeightLimit?: string; futuresWeightLimit?: string; rateWindowMs?: string; banMs?: string; faults?: string; universe?: boolean;
}

export function registerSim(program: Command, ctx: () => CommandContext): void {
  program.command('sim')
    .description('run the local exchange simulator (Binance REST dialect) on loopback')
    .option('--host <host>', 'loopback address to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '8787')
    .option('--now <time>', "fix the exchange's clock, e.g. 2022-10-11T11:30:00Z (default: real time)")
    .option('--seed <n>', 'seed of the synthetic markets', '1')
    .option('--symbols <list>', 'synthetic coins, comma-separated X/USDT (spot + perpetual) or X/USDT:USDT', collect('--symbols'))
    .option('--replay <SYMBOL=file...>', 'serve recorded candles (freqtrade JSON or Binance kline CSV) for a symbol')
    .option('--spot-weight-limit <n>', 'spot request weight per window (Binance: 6000)')
    .option('--futures-weight-limit <n>', 'USDT-M request weight per window (Binance: 2400)')
    .option('--rate-window-ms <ms>', 'rate-limit window length (Binance: 60000)')
    .option('--ban-ms <ms>', 'first 418 ban length, doubling on repeat (Binance: 120000)')
    .option('--universe', 'also serve CoinGecko (under /coingecko/api/v3) and the 200+ USDT-M perpetuals of its market')
    .option('--faults <spec>', 'inject faults, e.g. "500@klines#3,reset:ETHUSDT#5,delist:BTCUSDT#9" (see README)')
    .action(async (flags: SimFlags) => {
      const c = ctx();
      const sim = await startSim({
        host: flags.host,
        port: integerFlag('--port', flags.port, { min: 0, max: 65535 })!,
        now: flags.now === undefined ? undefined : parseUserDate(flags.now, '--now'),
        seed: integerFlag('--seed', flags.seed, { min: 0, max: 2 ** 32 - 1 })!,
        symbols: flags.symbols,
        replay: replayMap(flags.replay ?? []),
        rateLimits: rateLimits(flags),
        faults: flags.faults,
        universe: flags.universe ?? false,
      });
      c.print(`listening on ${sim.url}`);
      c.log.info({ url: sim.url, spot: sim.catalog.spot.size, perpetual: sim.catalog.perp.size }, 'simulator running; Ctrl-C stops it');
      if (!c.signal.aborted) await once(c.signal, 'abort');
      await sim.close();
    });
}

function replayMap(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0 || at === item.length - 1) throw new UsageError(`--replay "${item}" must look like SYMBOL=file, e.g. BTC/USDT=btc-1h.json`);
    out[item.slice(0, at).toUpperCase()] = item.slice(at + 1);
  }
  return out;
}

function rateLimits(f: SimFlags) {
  const windowMs = integerFlag('--rate-window-ms', f.rateWindowMs);
  const banBaseMs = integerFlag('--ban-ms', f.banMs);
  const common = { ...(windowMs ? { windowMs } : {}), ...(banBaseMs ? { banBaseMs } : {}) };
  const spot = integerFlag('--spot-weight-limit', f.spotWeightLimit);
  const futures = integerFlag('--futures-weight-limit', f.futuresWeightLimit);
  return { spot: { ...common, ...(spot ? { limit: spot } : {}) }, futures: { ...common, ...(futures ? { limit: futures } : {}) } };
}
