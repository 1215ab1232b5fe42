import { allocSeries, type DatasetDescriptor, type SeriesFrame } from '../core/dataset.js';
import { StoreError } from '../core/errors.js';
import type { StoreIdentity } from '../store/store-read.js';
import type { WriteIdentity } from '../store/store-meta.js';
import { readCheckpointFile, removeCheckpointFile, writeCheckpointFile } from '../store/store-writer.js';
import type { Interval } from './fetch-plan.js';
import { rowSourcesFromJson, type RowSources } from '../core/row-sources.js';
import type { Log } from '../core/log.js';

/**
 * An unfinished job's fetched rows, kept in `<store>.partial.parquet` beside the store so the store
 * itself is never replaced by a half result. The tag says which spans were fetched and which store
 * they extend. It is found by the store's identity and reused by any later run over the same store,
 * whatever range that run asks for: the spans already fetched are simply not fetched again.
 */
export interface CheckpointTag {
  readonly v: 3;
  /** The store the rows extend (rows, first, last), or null when there was none. */
  readonly base: StoreSummaryTag | null;
  /** The footer parameters the rows were fetched for (the ATR period), as JSON. */
  readonly params: string;
  readonly covered: readonly Interval[];
  /** Where the kept rows came from (`qml.row_sources` JSON), when the pager says. */
  readonly sources?: string;
}

export interface StoreSummaryTag { readonly rows: number; readonly first: number; readonly last: number }

export interface Checkpoint<F extends SeriesFrame> {
  readonly rows: F;
  readonly covered: readonly Interval[];
  readonly sources: RowSources;
}

/** The checkpoint for this store when it extends exactly the store as it is now; else it is removed, saying why. */
export async function takeCheckpoint<F extends SeriesFrame>(
  d: DatasetDescriptor, path: string, expect: StoreIdentity, base: StoreSummaryTag | null, params: string, log: Log,
): Promise<Checkpoint<F> | undefined> {
  const found = await readCheckpointFile<F>(d, path, expect);
  if (!found) return undefined;
  if (found instanceof StoreError) {
    log.warn({ path }, `discarding a resume checkpoint: ${found.message}`);
    await removeCheckpointFile(path);
    return undefined;
  }
  const tag = parseTag(found.meta.partial);
  const why = !tag ? 'it was written by another version'
    : JSON.stringify(tag.base) !== JSON.stringify(base) ? 'the store changed since it was written'
    : tag.params !== params ? `it was made for other parameters (${tag.params})` : undefined;
  if (why || !tag) {
    log.warn({ path, rows: found.frame.time.length }, `discarding a resume checkpoint: ${why}`);
    await removeCheckpointFile(path);
    return undefined;
  }
  log.info({ path, rows: found.frame.time.length }, 'resuming from checkpoint');
  return { rows: found.frame, covered: tag.covered, sources: rowSourcesFromJson(tag.sources) };
}

function parseTag(text: string | undefined): CheckpointTag | undefined {
  try {
    const t = JSON.parse(text ?? '') as CheckpointTag;
    return t.v === 3 && Array.isArray(t.covered) && typeof t.params === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

/** Keep fetched rows as the store's checkpoint; derived columns are left empty (they are computed at the end). */
export async function saveCheckpoint<F extends SeriesFrame>(d: DatasetDescriptor, path: string, id: WriteIdentity, rows: F, tag: CheckpointTag): Promise<void> {
  const frame: Record<string, Float64Array> = { ...allocSeries(d, rows.time.length) };
  for (const c of d.columns) if (!c.derived && rows[c.key]) frame[c.key] = rows[c.key]!;
  await writeCheckpointFile(d, path, frame as SeriesFrame, id, JSON.stringify(tag));
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
