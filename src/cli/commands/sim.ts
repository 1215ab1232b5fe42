import type { Command } from 'commander';
import { once } from 'node:events';
import { UsageError } from '../../core/errors.js';
import { parseUserDate } from '../../core/time-format.js';
import { startSim } from '../../sim/server.js';
import { allDialects } from '../../sim/dialect.js';
import type { CommandContext } from '../command-context.js';
import { collect, integerFlag } from '../options.js';

interface SimFlags {
  host: string; port: string; now?: string; seed: string; symbols?: string[]; replay?: string[]; exchange?: string[];
  rateLimit?: string[]; spotWeightLimit?: string; futuresWeightLimit?: string; rateWindowMs?: string; banMs?: string; faults?: string; universe?: boolean;
}

export function registerSim(program: Command, ctx: () => CommandContext): void {
  program.command('sim')
    .description(`run the local exchange simulator on loopback: every venue's REST dialect and websocket on one port (${allDialects().filter((d) => d.kind === 'venue').map((d) => d.id).join(', ')})`)
    .option('--exchange <venue>', 'serve only this venue\'s dialect, repeatable (default: every one)', collect('--exchange'))
    .option('--host <host>', 'loopback address to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '8787')
    .option('--now <time>', "fix the exchange's clock, e.g. 2022-10-11T11:30:00Z (default: real time)")
    .option('--seed <n>', 'seed of the synthetic markets', '1')
    .option('--symbols <list>', 'synthetic coins, comma-separated X/USDT (spot + perpetual) or X/USDT:USDT', collect('--symbols'))
    .option('--replay <SYMBOL=file...>', 'serve recorded candles (freqtrade JSON or a kline CSV) for a symbol')
    .option('--rate-limit <family=n>', 'a budget\'s limit per window, by the dialect\'s family name (e.g. futures=1200), repeatable', collect('--rate-limit'))
    .option('--spot-weight-limit <n>', 'the default venue\'s spot request weight per window (same as --rate-limit spot=n)')
    .option('--futures-weight-limit <n>', 'the default venue\'s futures request weight per window (same as --rate-limit futures=n)')
    .option('--rate-window-ms <ms>', 'window length of the budgets given here')
    .option('--ban-ms <ms>', 'first ban length of the budgets given here, doubling on repeat')
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
        ...(flags.exchange ? { venues: flags.exchange } : {}),
      });
      c.print(`listening on ${sim.url}`);
      c.log.info({ url: sim.url, venues: sim.venues, spot: sim.catalog.spot.size, perpetual: sim.catalog.perp.size }, 'simulator running; Ctrl-C stops it');
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
  const limits: Record<string, number | undefined> = {
    spot: integerFlag('--spot-weight-limit', f.spotWeightLimit), futures: integerFlag('--futures-weight-limit', f.futuresWeightLimit),
  };
  for (const item of f.rateLimit ?? []) {
    const m = /^([a-z0-9-]+)=(.+)$/.exec(item);
    if (!m) throw new UsageError(`--rate-limit "${item}" must look like family=n, e.g. futures=1200`);
    limits[m[1]!] = integerFlag('--rate-limit', m[2]!, { min: 1 });
  }
  const families = new Set([...Object.keys(limits).filter((k) => limits[k] !== undefined), 'spot', 'futures']);
  return Object.fromEntries([...families].map((k) => [k, { ...common, ...(limits[k] ? { limit: limits[k] } : {}) }]));
}
