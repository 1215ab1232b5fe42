import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { parseTimeframe } from '../../core/timeframe.js';
import { candlesBehind } from '../../validate/check-health.js';
import { readCollectStatus } from '../../store/collect-status.js';
import { findLeftovers } from '../../store/leftovers.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { runSettings, storeOptions } from '../options.js';

interface StatusFlags { dataDir?: string; config?: string; json?: boolean }

/** How many closed candles the exchange has after a store's last one, by this machine's clock. */
function behindText(s: StoreStatus, now: number): string {
  if (!s.last || !s.timeframe) return '';
  return `  ${candlesBehind(Date.parse(s.last), parseTimeframe(s.timeframe), now)} behind`;
}

function hoursAgo(iso: string, now: number): string {
  const h = (now - Date.parse(iso)) / 3_600_000;
  return Number.isFinite(h) ? `${h.toFixed(1)} h ago` : 'at an unknown time';
}

interface StoreStatus { symbol: string; timeframe: string | null; status: string; rows: number; last: string | null; error: string | null; at: string }

export function registerStatus(program: Command, ctx: () => CommandContext): void {
  storeOptions(program.command('status').description('what the collector did last: universe, last and next cycle, every store\'s last candle and error'))
    .action(async (flags: StatusFlags) => {
      const c = ctx();
      const dataDir = runSettings(loadConfig(flags.config), flags, c.env).dataDir;
      const status = await readCollectStatus(dataDir);
      if (!status) throw new UsageError(`no collector status in ${dataDir} (run \`qml-data collect\` first)`);
      const leftovers = await findLeftovers(dataDir);
      if (flags.json) return c.print(JSON.stringify({ ...status, leftovers }, null, 2));
      const u = status['universe'] as { date: string; createdAt: string; source: string; members: number };
      const now = Date.now();
      const last = status['lastCycle'] as { finishedAt: string; error?: string; stores: Record<string, number> };
      const stores = Object.values(status['stores'] as Record<string, StoreStatus>);
      c.print([
        `universe of ${u.date} (${u.source}), ${u.members} members, made ${hoursAgo(u.createdAt, now)}`,
        `last cycle finished ${last.finishedAt}${last.error ? `, failed: ${last.error}` : `: ${Object.entries(last.stores).map(([k, v]) => `${v} ${k}`).join(', ')}`}`,
        `next cycle: ${(status['nextCycle'] as string | null) ?? 'none scheduled (not running with --loop)'}`,
        ...stores.map((s) => `${s.status.padEnd(14)} ${`${s.symbol} ${s.timeframe ?? ''}`.padEnd(28)} last ${s.last ?? '-'}${behindText(s, now)}${s.error ? `  error: ${s.error}` : ''}`),
        ...(leftovers.length ? [`${leftovers.length} leftover(s) of interrupted runs: see \`qml-data clean-up\``] : []),
      ].join('\n'));
    });
}
