import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { parseTimeframe } from '../../core/timeframe.js';
import { candlesBehind } from '../../validate/check-health.js';
import { readCollectStatus, readCollectStatuses } from '../../store/collect-status.js';
import { isRemote } from '../../store/object-store.js';
import { findLeftovers } from '../../store/leftovers.js';
import { recorderStatusPath, type RecorderStatus } from '../../liquidations/recorder.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { runSettings, storeOptions } from '../options.js';
import { durationText } from './liquidations.js';
import { liquidationDays } from '../../liquidations/days.js';
import { venueIds } from '../../exchange/venue.js';
import { shortText } from './collect.js';

interface StatusFlags { dataDir?: string; config?: string; json?: boolean }

/** How many closed candles the exchange has after a store's last one, by this machine's clock. */
function behindText(s: StoreStatus, now: number): string {
  if (!s.last || !s.timeframe || s.dataset !== undefined && s.dataset !== 'ohlcv') return '';
  return `  ${candlesBehind(Date.parse(s.last), parseTimeframe(s.timeframe), now)} behind`;
}

function hoursAgo(iso: string, now: number): string {
  const h = (now - Date.parse(iso)) / 3_600_000;
  return Number.isFinite(h) ? `${h.toFixed(1)} h ago` : 'at an unknown time';
}

interface StoreStatus { dataset?: string; symbol: string; timeframe: string | null; status: string; rows: number; last: string | null; error: string | null; at: string }

/** Each venue's recorder: its last state, and how much of today its day store covers (none where it never ran here). */
async function recorderViews(dataDir: string, now: number) {
  const out = [];
  for (const venue of venueIds()) {
    const rec = await readFile(recorderStatusPath(dataDir, venue), 'utf8').then((t) => JSON.parse(t) as RecorderStatus, () => undefined);
    if (!rec) continue;
    const today = new Date(now).toISOString().slice(0, 10);
    const day = (await liquidationDays(dataDir, now, venue)).find((d) => d.day === today);
    out.push({ exchange: venue, ...rec, today: { day: today, coveredMs: day?.coveredMs ?? 0, spanMs: day?.spanMs ?? now % 86_400_000, gaps: day?.gaps ?? [] } });
  }
  return out;
}

function recorderText(r: Awaited<ReturnType<typeof recorderViews>>[number], now: number): string[] {
  const state = r.state === 'connected' || r.state === 'connecting' || r.state === 'retrying'
    ? `${r.state} (last report ${hoursAgo(r.updatedAt, now)})` : r.state;
  return [
    `liquidations: ${r.exchange} recorder ${state} on ${r.url}; ${r.events} event(s), ${r.connections} connection(s), ${r.failedAttempts} failed attempt(s)`,
    `liquidations: ${r.exchange} ${r.today.day} covered ${durationText(r.today.coveredMs)} of ${durationText(r.today.spanMs)}${r.today.spanMs - r.today.coveredMs > 0 ? `, not covered ${durationText(r.today.spanMs - r.today.coveredMs)}` : ''}`,
    ...(r.lastError ? [`liquidations: ${r.exchange} last error ${r.lastError.at}: ${r.lastError.status !== null ? `HTTP ${r.lastError.status}, ` : ''}${r.lastError.message}`] : []),
  ];
}

export function registerStatus(program: Command, ctx: () => CommandContext): void {
  storeOptions(program.command('status').description('what the collector and the liquidation recorder did last: universe, cycles, every store\'s last row and error, the recorder\'s coverage'))
    .action(async (flags: StatusFlags) => {
      const c = ctx();
      const dataDir = runSettings(loadConfig(flags.config), flags, c.env).dataDir;
      const now = Date.now();
      // each venue's collector (and one an earlier version kept at the top of the folder)
      const collected: Record<string, unknown>[] = [];
      // several collectors sharing the folder (collect --shard) each keep their own: every shard is shown
      for (const venue of venueIds()) {
        for (const { status } of await readCollectStatuses(dataDir, venue)) collected.push({ exchange: venue, ...status });
      }
      const legacy = await readCollectStatus(dataDir);
      if (legacy) collected.push({ exchange: null, ...legacy });
      // the liquidation recorder and a killed run's leftovers are local files: none in a bucket
      const remote = isRemote(dataDir);
      const recorders = remote ? [] : await recorderViews(dataDir, now);
      if (collected.length === 0 && recorders.length === 0) throw new UsageError(`no collector or recorder status in ${dataDir} (run \`qml-data collect\` or \`qml-data liquidations record\` first)`);
      const leftovers = remote ? [] : await findLeftovers(dataDir);
      if (flags.json) return c.print(JSON.stringify({ collect: collected, ...(recorders.length ? { liquidations: recorders } : {}), leftovers }, null, 2));
      const lines: string[] = [];
      for (const status of collected) {
        const shard = status['shard'] as { k: number; n: number } | undefined;
        lines.push(`${status['exchange'] ?? '(earlier layout)'}${shard ? ` shard ${shard.k}/${shard.n}` : ''}:`);
        const u = status['universe'] as { date: string; createdAt: string; source: string; members: number; shortfall?: { missing: number; reasons: Record<string, number> }; shard?: { members: number } };
        const last = status['lastCycle'] as { finishedAt: string; error?: string; stores: Record<string, number> };
        const stores = Object.values(status['stores'] as Record<string, StoreStatus>);
        lines.push(
          `  universe of ${u.date} (${u.source}), ${u.members} members${shortText(u.shortfall)}, made ${hoursAgo(u.createdAt, now)}${shard && u.shard ? `; ${u.shard.members} of them this shard's` : ''}`,
          `  last cycle finished ${last.finishedAt}${last.error ? `, failed: ${last.error}` : `: ${Object.entries(last.stores).map(([k, v]) => `${v} ${k}`).join(', ')}`}`,
          `  next cycle: ${(status['nextCycle'] as string | null) ?? 'none scheduled (not running with --loop)'}`,
          ...stores.map((s) => `  ${s.status.padEnd(14)} ${`${s.dataset ?? 'ohlcv'} ${s.symbol} ${s.timeframe ?? ''}`.padEnd(44)} last ${s.last ?? '-'}${behindText(s, now)}${s.error ? `  error: ${s.error}` : ''}`),
        );
      }
      for (const r of recorders) lines.push(...recorderText(r, now));
      if (leftovers.length) lines.push(`${leftovers.length} leftover(s) of interrupted runs: see \`qml-data clean-up\``);
      c.print(lines.join('\n'));
    });
}
