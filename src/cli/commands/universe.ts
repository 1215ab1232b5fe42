import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { readCurrentUniverse, readUniverseSnapshot, universeSnapshotDates } from '../../store/universe-files.js';
import { ensureUniverse, type EnsureUniverse } from '../../universe/current-universe.js';
import { diffUniverse, type Universe } from '../../universe/refresh-universe.js';
import { STABLECOIN_TICKERS } from '../../universe/known-coins.js';
import { exchangeNames, venueProfile } from '../../exchange/venue.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig, type Config } from '../config.js';
import { withExchange } from '../exchange-session.js';
import { collect, exchangeSettings, integerFlag, positiveNumber, runSettings, storeOptions, type ExchangeFlags } from '../options.js';

export interface UniverseFlags extends ExchangeFlags {
  config?: string; json?: boolean; size?: string; minSize?: string; categories?: string[]; market?: string; alwaysInclude?: string[];
  force?: boolean; maxAge?: string; coingeckoUrl?: string;
}

export function registerUniverse(program: Command, ctx: () => CommandContext): void {
  const universe = program.command('universe').description('the top coins by volume (CoinGecko) mapped to the exchange\'s markets');
  storeOptions(universe.command('refresh')
    .description('rank coins by 24 h volume on CoinGecko, map them to the exchange\'s markets, keep a dated snapshot')
    .option('--size <n>', 'coins in the universe (default from config: 100)')
    .option('--min-size <n>', 'a universe of fewer members fails (exit 1) and the previous one stays in force (default from config: none)')
    .option('--categories <list>', 'only coins in these CoinGecko categories, e.g. layer-1,layer-2', collect('--categories'))
    .option('--always-include <ids>', 'CoinGecko ids that are always members when they map', collect('--always-include'))
    .option('--market <kind>', 'perp (USDT-M perpetuals) or spot (default from config: perp)')
    .option('--max-age <hours>', 'reuse a universe younger than this (default from config: 24)')
    .option('--force', 'rebuild even when the current universe is young enough')
    .option('--coingecko-url <url>', 'CoinGecko API base (default: the simulator\'s with --api-url, else api.coingecko.com)'), { exchange: true })
    .action(async (flags: UniverseFlags) => refreshCommand(flags, ctx()));
  storeOptions(universe.command('show').description('print the current universe of a venue')
    .option('--exchange <id>', 'the venue (default from config)'))
    .action(async (flags: UniverseFlags) => {
      const c = ctx();
      const u = await current(c, flags);
      c.print(flags.json ? JSON.stringify(u, null, 2) : renderUniverse(u));
    });
  storeOptions(universe.command('diff [date]').description('what changed against an earlier snapshot (default: the one before the current)')
    .option('--exchange <id>', 'the venue (default from config)'))
    .action(async (date: string | undefined, flags: UniverseFlags) => {
      const c = ctx();
      const u = await current(c, flags);
      const { dataDir, exchange } = runSettings(loadConfig(flags.config), flags, c.env);
      const names = exchangeNames(exchange);
      const earlier = date ?? (await universeSnapshotDates(dataDir, exchange, names)).filter((d) => d < u.date).pop();
      const before = earlier ? await readUniverseSnapshot(dataDir, exchange, earlier, names) as Universe | undefined : undefined;
      if (!before) throw new UsageError(`no universe snapshot ${date ? `of ${date}` : 'before the current one'} in ${dataDir} (expected a date of \`universe refresh\`)`);
      const d = diffUniverse(before, u);
      if (flags.json) return c.print(JSON.stringify({ from: before.date, to: u.date, ...d }, null, 2));
      c.print([`universe ${before.date} → ${u.date}: ${d.added.length} added, ${d.removed.length} removed`,
        ...d.added.map((m) => `+ ${m.id} (${m.market})`), ...d.removed.map((m) => `- ${m.id} (${m.market})`)].join('\n'));
    });
}

async function current(c: CommandContext, flags: UniverseFlags): Promise<Universe> {
  const { dataDir, exchange } = runSettings(loadConfig(flags.config), flags, c.env);
  const u = await readCurrentUniverse(dataDir, exchange, exchangeNames(exchange)) as Universe | undefined;
  if (!u) throw new UsageError(`no universe of ${exchange} in ${dataDir} (run \`qml-data universe refresh --exchange ${exchange}\` first)`);
  return u;
}

async function refreshCommand(flags: UniverseFlags, c: CommandContext): Promise<void> {
  const cfg = loadConfig(flags.config);
  const settings = runSettings(cfg, flags, c.env);
  const ex = exchangeSettings(cfg, flags, c.env);
  // flags are checked before anything connects
  const request = universeRequest(cfg, flags, c, settings.dataDir, ex.apiUrl);
  const { universe } = await withExchange(ex, settings.dataDir, c.log, c.terminal, (clientFor, _progress, scheduler) =>
    ensureUniverse(request, { exchange: clientFor(settings.exchange), scheduler, log: c.log, signal: c.signal }));
  c.print(flags.json ? JSON.stringify(universe, null, 2) : renderUniverse(universe));
}

/** What `universe refresh` and `collect` ask of the universe, from the config and the flags. */
export function universeRequest(cfg: Config, flags: UniverseFlags, c: CommandContext, dataDir: string, apiUrl: string | undefined): EnsureUniverse {
  const plan = c.env['COINGECKO_API_PLAN'] === 'pro' ? 'pro' : 'demo';
  const minSize = integerFlag('--min-size', flags.minSize) ?? cfg.universe.min_size ?? undefined;
  return {
    ...(minSize !== undefined ? { minSize } : {}),
    options: {
      aliases: { ...venueProfile(flags.exchange ?? cfg.exchange).coinAliases, ...cfg.universe.aliases },
      ...(cfg.universe.exclude_categories ? { excludeCategories: cfg.universe.exclude_categories } : {}),
      stablecoins: [...STABLECOIN_TICKERS, ...cfg.universe.stablecoins],
      excludeNonStandard: cfg.universe.exclude_non_standard,
      exchange: flags.exchange ?? cfg.exchange, size: integerFlag('--size', flags.size) ?? cfg.universe.size, quote: cfg.universe.quote,
      market: marketOf(flags.market ?? cfg.universe.market), categories: flags.categories ?? cfg.universe.categories,
      alwaysInclude: flags.alwaysInclude ?? cfg.universe.always_include, tickerOwners: cfg.universe.ticker_owners,
    },
    dataDir,
    maxAgeMs: (positiveNumber('--max-age', flags.maxAge) ?? cfg.universe.max_age_hours) * 3_600_000,
    force: flags.force ?? false,
    coingecko: { baseUrl: coinGeckoUrl(cfg, flags, apiUrl, plan), apiKey: c.env['COINGECKO_API_KEY'], plan, timeoutMs: cfg.timeout_ms, callsPerMinute: cfg.coingecko_calls_per_min },
    retry: { attempts: cfg.retry.attempts, baseMs: cfg.retry.base_ms, maxMs: cfg.retry.max_ms, totalMs: cfg.retry.total_ms },
  };
}

function marketOf(text: string): 'perp' | 'spot' {
  if (text !== 'perp' && text !== 'spot') throw new UsageError(`--market "${text}" is not a market kind (expected perp or spot)`);
  return text;
}

/** --coingecko-url, else the config's, else the simulator's beside --api-url, else CoinGecko's own. */
function coinGeckoUrl(cfg: Config, flags: UniverseFlags, apiUrl: string | undefined, plan: 'demo' | 'pro'): string {
  const given = flags.coingeckoUrl ?? cfg.coingecko_url ?? (apiUrl ? `${apiUrl}/coingecko/api/v3` : undefined);
  if (given) return given.replace(/\/+$/, '');
  return plan === 'pro' ? 'https://pro-api.coingecko.com/api/v3' : 'https://api.coingecko.com/api/v3';
}

/** The universe as text: members with their markets, then every coin left out with its reason. */
export function renderUniverse(u: Universe): string {
  const lines = [`universe of ${u.date} (${u.source}, ${u.exchange} ${u.market} ${u.quote}): ${u.members.length} of ${u.asked} asked, from the top ${u.ranked} by 24 h volume`];
  if (u.shortfall && u.shortfall.missing > 0) {
    lines.push(`short by ${u.shortfall.missing}: ${Object.entries(u.shortfall.reasons).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join(', ')}`);
  }
  for (const m of u.members) lines.push(`${String(m.rank).padStart(4)}  ${m.market.padEnd(24)} ${m.id}${m.multiplier !== 1 ? ` (×${m.multiplier})` : ''}${m.alias ? ` (alias: contract ${m.alias})` : ''}`);
  if (u.skipped.length > 0) lines.push(`left out (${u.skipped.length}):`);
  for (const s of u.skipped) lines.push(`${String(s.rank).padStart(4)}  ${s.id.padEnd(24)} ${s.reason}: ${s.detail}`);
  if (u.inactive.length > 0) lines.push(`inactive (${u.inactive.length}; their stores are kept):`);
  for (const x of u.inactive) lines.push(`      ${x.market.padEnd(24)} ${x.id} since ${x.since}: ${x.reason}`);
  return lines.join('\n');
}
