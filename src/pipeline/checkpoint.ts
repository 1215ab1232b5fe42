import { unlink } from 'node:fs/promises';
import { StoreError } from '../core/errors.js';
import type { MasterFrame } from '../core/frame.js';
import { partialPath } from '../store/master-path.js';
import { readMaster } from '../store/master-store.js';
import type { Log } from './log.js';
import { writeMaster, type WriteTarget } from './master-job.js';

/**
 * What an unfinished job had done, kept in `<tf>_master.partial.parquet` beside the store so that the
 * store itself is never replaced by a half result. A build resumes from it when asked for the same
 * start; an update when the store is still the one it was extending.
 */
export type PartialTag =
  | { readonly job: 'build'; readonly since: number }
  | { readonly job: 'update'; readonly baseRows: number; readonly baseLast: number };

/** The checkpoint for `target`, when one exists and belongs to this job; else undefined (and it is removed). */
export async function takeCheckpoint(target: WriteTarget, tag: PartialTag, log: Log): Promise<MasterFrame | undefined> {
  const path = partialPath(target.path);
  try {
    const { frame, meta } = await readMaster(path, { exchange: target.exchange, symbol: target.symbol, timeframe: target.timeframe });
    if (meta.partial === JSON.stringify(tag) && meta.atrPeriod === target.atrPeriod && frame.time.length > 0) {
      log.info({ symbol: target.symbol, timeframe: target.timeframe, rows: frame.time.length }, 'resuming from checkpoint');
      return frame;
    }
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
  }
  await removeCheckpoint(target.path);
  return undefined;
}

export async function writeCheckpoint(target: WriteTarget, frame: MasterFrame, tag: PartialTag): Promise<void> {
  await writeMaster({ ...target, path: partialPath(target.path) }, frame, new Date(), JSON.stringify(tag));
}

export async function removeCheckpoint(storePath: string): Promise<void> {
  await unlink(partialPath(storePath)).catch(() => undefined);
}

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
