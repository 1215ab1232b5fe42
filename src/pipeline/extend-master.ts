import { concatFrames, type CandleFrame, type MasterFrame } from '../core/frame.js';
import type { Timeframe } from '../core/timeframe.js';
import type { CleanReport } from '../clean/clean-candles.js';
import type { ExchangeClient, MarketInfo } from '../exchange/exchange-client.js';
import { CheckpointClock, writeCheckpoint, type PartialTag } from './checkpoint.js';
import { fetchHistory, type FetchProgress, type PageSink } from './fetch-history.js';
import type { Log } from './log.js';
import { makeMaster, type WriteTarget } from './master-job.js';
import type { RetryContext } from './retry.js';

export interface ExtendRequest {
  readonly client: ExchangeClient;
  readonly market: MarketInfo;
  readonly tf: Timeframe;
  /** Rows already clean (a store, or a checkpoint); the new candles follow them. */
  readonly base: MasterFrame | undefined;
  readonly since: number;
  readonly until: number;
  readonly target: WriteTarget;
  /** Checkpoint tag; undefined for a dry run, which writes nothing at all. */
  readonly tag: PartialTag | undefined;
  readonly checkpointMs: number;
  readonly retry: RetryContext;
  readonly log: Log;
  readonly onProgress?: (p: FetchProgress) => void;
}

/**
 * Fetch [since, until) after `base` and return the new master frame. While fetching, and when the fetch
 * fails or is interrupted, what was fetched so far is kept as a resume checkpoint.
 */
export async function extendMaster(r: ExtendRequest): Promise<{ frame: MasterFrame; report: CleanReport; fetched: number }> {
  const atrPeriod = r.target.atrPeriod;
  const clock = new CheckpointClock(r.checkpointMs);
  const save = (pages: readonly CandleFrame[]) => writeCheckpoint(r.target, makeMaster(r.base, concatFrames(pages), atrPeriod).frame, r.tag!);
  const sink: PageSink = {
    pages: [],
    afterPage: r.tag ? async (pages) => { if (clock.due()) await clock.run(() => save(pages)); } : undefined,
  };
  try {
    if (r.since < r.until) await fetchHistory(r.client, { market: r.market, tf: r.tf, since: r.since, until: r.until }, r.retry, sink, r.onProgress);
  } catch (e) {
    if (r.tag && sink.pages.length > 0) {
      await save(sink.pages).then(
        () => r.log.warn({ symbol: r.market.symbol, timeframe: r.tf.name }, 'kept what was fetched as a resume checkpoint'),
        (err: Error) => r.log.warn({ err: err.message }, 'could not write a resume checkpoint'),
      );
    }
    throw e;
  }
  const fetched = concatFrames(sink.pages);
  return { ...makeMaster(r.base, fetched, atrPeriod), fetched: fetched.time.length };
}
