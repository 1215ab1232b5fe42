import { StoreError } from '../core/errors.js';
import { parseSymbol } from '../core/symbol.js';
import { floorOpen, lastClosedOpen, nextOpen, parseTimeframe } from '../core/timeframe.js';
import { listStores, readMaster, type StoreRef } from '../store/master-store.js';
import { masterPath } from '../store/master-path.js';
import { removeCheckpoint, takeCheckpoint, type PartialTag } from './checkpoint.js';
import { extendMaster } from './extend-master.js';
import { lockedJob, writeMaster } from './master-job.js';
import { failedOutcome, mapPool, outcomeOf, type StoreOutcome } from './outcome.js';
import { PauseGate, withRetry, type RetryContext } from './retry.js';
import type { RunDeps, RunSettings } from './run-settings.js';

export interface UpdateOptions {
  /** Only these symbols (default: every store in the data folder). */
  readonly symbols?: readonly string[];
  /** Only these timeframes. */
  readonly timeframes?: readonly string[];
}

/**
 * Append newly closed candles to existing stores. A store that already holds the last closed candle
 * costs no kline request.
 */
export async function runUpdate(o: UpdateOptions, s: RunSettings, deps: RunDeps): Promise<StoreOutcome[]> {
  const { refs, missing } = await selectStores(o, s.dataDir);
  const absent = missing.map((m) => failedOutcome(m, new StoreError(`no ${m.timeframe === '*' ? '' : `${m.timeframe} `}store for ${m.symbol} in ${s.dataDir} (run build first)`)));
  if (refs.length === 0) return absent;
  const retry: RetryContext = { policy: s.retry, gate: new PauseGate(), log: deps.log, signal: deps.signal };
  // Asked once, and only after a store has passed its checks: a foreign or corrupt store is reported
  // as such without touching the network.
  let clock: Promise<number> | undefined;
  const now = () => (clock ??= withRetry('fetch exchange time', retry, () => deps.client.serverTime()));
  return [...await mapPool(refs, s.concurrency, (ref) => updateOne(ref, now, s, deps, retry)), ...absent];
}

/** Named stores, or every store found; named ones that do not exist come back as `missing`. */
async function selectStores(o: UpdateOptions, dataDir: string): Promise<{ refs: StoreRef[]; missing: StoreRef[] }> {
  const symbols = o.symbols?.map((x) => parseSymbol(x).symbol);
  const tfs = o.timeframes?.map((x) => parseTimeframe(x).name);
  const all = (await listStores(dataDir)).filter((r) => !tfs || tfs.includes(r.timeframe));
  if (!symbols) return { refs: all, missing: [] };
  const refs = all.filter((r) => symbols.includes(r.symbol));
  const missing = symbols.flatMap((symbol) => (tfs ?? ['*'])
    .filter((timeframe) => !refs.some((r) => r.symbol === symbol && (timeframe === '*' || r.timeframe === timeframe)))
    .map((timeframe) => ({ symbol, timeframe, path: timeframe === '*' ? dataDir : masterPath(dataDir, symbol, timeframe) })));
  return { refs, missing };
}

async function updateOne(ref: StoreRef, exchangeNow: () => Promise<number>, s: RunSettings, deps: RunDeps, retry: RetryContext): Promise<StoreOutcome> {
  const base = { symbol: ref.symbol, timeframe: ref.timeframe, path: ref.path };
  try {
    const tf = parseTimeframe(ref.timeframe);
    return await lockedJob(ref.path, s.lockWaitMs, async () => {
      const { frame: stored, meta } = await readMaster(ref.path, { exchange: s.exchange, symbol: ref.symbol, timeframe: tf.name });
      const storedLast = stored.time[stored.time.length - 1];
      if (storedLast === undefined) throw new StoreError(`${ref.path} is empty (run build to refill it)`);
      const target = { path: ref.path, exchange: s.exchange, symbol: ref.symbol, timeframe: tf.name, atrPeriod: meta.atrPeriod ?? s.atrPeriod };
      const tag: PartialTag = { job: 'update', baseRows: stored.time.length, baseLast: storedLast };
      const resumed = await takeCheckpoint(target, tag, deps.log);
      const now = await exchangeNow();
      const start = resumed ?? stored;
      const last = start.time[start.time.length - 1]!;
      if (!resumed && last >= lastClosedOpen(tf, now)) return outcomeOf({ ...base, status: 'up-to-date' }, stored, tf);
      const market = await withRetry(`look up ${ref.symbol}`, retry, () => deps.client.market(ref.symbol));
      const { frame, report, fetched } = await extendMaster({
        client: deps.client, market, tf, base: start, since: nextOpen(tf, last), until: floorOpen(tf, now), target, tag,
        checkpointMs: s.checkpointMs, retry, log: deps.log, onProgress: deps.onProgress,
      });
      const bytes = await writeMaster(target, frame);
      await removeCheckpoint(ref.path);
      deps.log.info({ symbol: ref.symbol, timeframe: tf.name, added: frame.time.length - stored.time.length }, 'store updated');
      return outcomeOf({ ...base, status: 'written' }, frame, tf, { fetched, clean: report, bytes, ...(resumed ? { resumed: resumed.time.length - stored.time.length } : {}) });
    });
  } catch (e) {
    deps.log.warn({ symbol: ref.symbol, timeframe: ref.timeframe, err: (e as Error).message }, 'store failed');
    return failedOutcome(base, e);
  }
}
