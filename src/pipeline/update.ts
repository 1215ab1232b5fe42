import { UsageError } from '../core/errors.js';
import { parseSymbol } from '../core/symbol.js';
import { parseTimeframe } from '../core/timeframe.js';
import { canonicalExchange, exchangeNames } from '../exchange/venue.js';
import { datasetsNamed } from '../datasets/registry.js';
import { listStores, readStoreMeta, type StoreRef } from '../store/store-read.js';
import { resolveStorePath } from '../store/store-path.js';
import { plannedJob } from './dataset-plans.js';
import { failedOutcome, type StoreOutcome } from './outcome.js';
import { PauseGate, withRetry, type RetryContext } from '../core/retry.js';
import type { RunDeps, RunSettings } from './run-settings.js';
import { runStoreJob, runStores } from './store-job.js';

export interface UpdateOptions {
  /** Only these symbols (default: every store in the data folder). */
  readonly symbols?: readonly string[];
  /** Only these timeframes. */
  readonly timeframes?: readonly string[];
  /** Stores of these datasets (default: candles, `ohlcv`). */
  readonly datasets?: readonly string[];
  /**
   * The exchange the stores must be from (--exchange). Without it each store is fetched from the
   * exchange recorded in it, so one run may span exchanges.
   */
  readonly exchange?: string;
}

/**
 * Append newly closed candles to existing stores. A store that already holds the last closed candle
 * costs no kline request; one whose market has no newer candle is not rewritten.
 */
export async function runUpdate(o: UpdateOptions, s: RunSettings, deps: RunDeps): Promise<StoreOutcome[]> {
  const { refs, missing } = await selectStores(o, s.dataDir, o.exchange ?? s.exchange);
  // a store named on the command line that does not exist is the user's mistake (exit 2 when it is all they asked)
  const absent = missing.map((m) => failedOutcome(m, new UsageError(`no ${m.dataset === 'ohlcv' ? '' : `${m.dataset} `}${m.timeframe ? `${m.timeframe} ` : ''}store for ${m.symbol} in ${s.dataDir} (run build first)`)));
  if (refs.length === 0) return absent;
  const retry: RetryContext = { policy: s.retry, gate: new PauseGate(), log: deps.log, signal: deps.signal };
  // Each exchange's clock is asked once, and only after a store has passed its checks: a foreign or
  // corrupt store is reported as such without touching the network.
  const clocks = new Map<string, Promise<number>>();
  const clockOf = (exchange: string) => {
    let c = clocks.get(exchange);
    if (!c) clocks.set(exchange, c = withRetry('fetch exchange time', retry, () => deps.clientFor(exchange).serverTime()));
    return c;
  };
  return [...await runStores(refs, s, deps, async (ref) => {
    // funding has no timeframe of its own: its planner steps through settlements by the hour
    const tf = parseTimeframe(ref.timeframe || '1h');
    let exchange: string;
    try {
      exchange = canonicalExchange(o.exchange ?? ref.exchange ?? (await readStoreMeta(ref.path)).exchange ?? s.exchange);
      const job = plannedJob(ref.dataset, tf, exchange, () => clockOf(exchange), {}, deps.archives?.has(exchange) ?? false);
      return await runStoreJob({ ...job, symbol: ref.symbol, path: ref.path, erase: false, dryRun: false, mustExist: true }, s, deps, retry);
    } catch (e) {
      return failedOutcome({ ...ref, timeframe: tf.name }, e);
    }
  }), ...absent];
}

interface Missing { dataset: string; symbol: string; timeframe: string | null; path: string }

/** Named stores, or every store found; named ones that do not exist come back as `missing`. */
async function selectStores(o: UpdateOptions, dataDir: string, venue: string): Promise<{ refs: StoreRef[]; missing: Missing[] }> {
  const symbols = o.symbols?.map((x) => parseSymbol(x).symbol);
  const tfs = o.timeframes?.map((x) => parseTimeframe(x).name);
  const datasets = datasetsNamed(o.datasets ?? ['ohlcv']);
  const all = (await listStores(dataDir, datasets, o.exchange, o.exchange ? exchangeNames(o.exchange) : [])).filter((r) => !tfs || r.timeframe === '' || tfs.includes(r.timeframe));
  if (!symbols) return { refs: all, missing: [] };
  const refs = all.filter((r) => symbols.includes(r.symbol));
  const missing: Missing[] = [];
  for (const d of datasets) {
    for (const symbol of symbols) {
      const has = (timeframe?: string) => refs.some((r) => r.dataset === d.name && r.symbol === symbol && (timeframe === undefined || r.timeframe === timeframe));
      if (!d.perTimeframe || !tfs) {
        if (!has()) missing.push({ dataset: d.name, symbol, timeframe: null, path: dataDir });
        continue;
      }
      for (const timeframe of tfs) if (!has(timeframe)) missing.push({ dataset: d.name, symbol, timeframe, path: await resolveStorePath(dataDir, venue, d, symbol, timeframe) });
    }
  }
  return { refs, missing };
}
