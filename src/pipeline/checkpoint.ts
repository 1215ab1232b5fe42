import { StoreError } from '../core/errors.js';
import type { CandleFrame } from '../core/frame.js';
import type { LoadedStore } from '../store/master-store.js';
import { readCheckpointFile, removeCheckpointFile, writeCheckpointFile, type WriteIdentity } from '../store/store-writer.js';
import type { StoreIdentity } from '../store/master-store.js';
import type { Interval } from './fetch-plan.js';
import type { Log } from './log.js';

/**
 * An unfinished job's fetched candles, kept in `<tf>_master.partial.parquet` beside the store so the
 * store itself is never replaced by a half result. The tag says which spans were fetched and which
 * store they extend. It is found by the store's identity and reused by any later run over the same
 * store, whatever range that run asks for: the spans already fetched are simply not fetched again.
 */
export interface CheckpointTag {
  readonly v: 2;
  /** The store the rows extend (rows, first, last), or null when there was none. */
  readonly base: StoreSummaryTag | null;
  readonly atrPeriod: number;
  readonly covered: readonly Interval[];
}

export interface StoreSummaryTag { readonly rows: number; readonly first: number; readonly last: number }

export interface Checkpoint {
  readonly rows: CandleFrame;
  readonly covered: readonly Interval[];
}

export function summaryOf(stored: CandleFrame | undefined): StoreSummaryTag | null {
  const n = stored?.time.length ?? 0;
  return n === 0 ? null : { rows: n, first: stored!.time[0]!, last: stored!.time[n - 1]! };
}

/** The checkpoint for this store when it extends exactly the store as it is now; else it is removed, saying why. */
export async function takeCheckpoint(
  path: string, expect: StoreIdentity, stored: LoadedStore | undefined, atrPeriod: number, log: Log,
): Promise<Checkpoint | undefined> {
  const found = await readCheckpointFile(path, expect);
  if (!found) return undefined;
  if (found instanceof StoreError) {
    log.warn({ path }, `discarding a resume checkpoint: ${found.message}`);
    await removeCheckpointFile(path);
    return undefined;
  }
  const tag = parseTag(found.meta.partial);
  const why = !tag ? 'it was written by another version'
    : JSON.stringify(tag.base) !== JSON.stringify(summaryOf(stored?.frame)) ? 'the store changed since it was written'
    : tag.atrPeriod !== atrPeriod ? `it was made for ATR(${tag.atrPeriod})` : undefined;
  if (why || !tag) {
    log.warn({ path, rows: found.frame.time.length }, `discarding a resume checkpoint: ${why}`);
    await removeCheckpointFile(path);
    return undefined;
  }
  log.info({ path, rows: found.frame.time.length }, 'resuming from checkpoint');
  return { rows: found.frame, covered: tag.covered };
}

function parseTag(text: string | undefined): CheckpointTag | undefined {
  try {
    const t = JSON.parse(text ?? '') as CheckpointTag;
    return t.v === 2 && Array.isArray(t.covered) ? t : undefined;
  } catch {
    return undefined;
  }
}

export async function saveCheckpoint(path: string, id: WriteIdentity, rows: CandleFrame, tag: CheckpointTag): Promise<void> {
  await writeCheckpointFile(path, { ...rows, atr: new Float64Array(rows.time.length).fill(NaN) }, id, JSON.stringify(tag));
}

export { removeCheckpointFile as removeCheckpoint };

/**
 * Decides when to write a checkpoint while fetching: at most every `intervalMs`, and never more than
 * about a third of the time (a checkpoint rewrites everything fetched so far).
 */
export class CheckpointClock {
  private last = Date.now();
  private cost = 0;

  constructor(private readonly intervalMs: number) {}

  due(): boolean {
    return Date.now() - this.last >= Math.max(this.intervalMs, 2 * this.cost);
  }

  async run(write: () => Promise<void>): Promise<void> {
    const t0 = Date.now();
    await write();
    this.last = Date.now();
    this.cost = this.last - t0;
  }
}
