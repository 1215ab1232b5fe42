import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SeriesFrame } from '../../src/core/dataset.js';
import { intervalsFromJson, type Interval } from '../../src/core/interval.js';
import { textOf } from '../../src/core/text-codes.js';
import { LIQUIDATIONS } from '../../src/datasets/liquidations.js';
import type { StoreMeta } from '../../src/store/store-meta.js';
import { readStore } from '../../src/store/store-read.js';
import type { FeedContext, LiquidationFeed } from '../../src/liquidations/feed.js';
import { journalDir, mergeJournals } from '../../src/liquidations/journal.js';

/** A venue's liquidations day store as a test reads it: its frame, its length, its coverage and footer. */
export interface LiquidationDay {
  readonly frame: SeriesFrame;
  readonly length: number;
  readonly coverage: Interval[];
  readonly meta: Partial<StoreMeta>;
  /** The text of a text column's row. */
  text(key: string, i: number): string | undefined;
}

/** `<dataDir>/<venue>/liquidations/<day>.parquet`. */
export function liquidationDayPath(dataDir: string, venue: string, day: string): string {
  return join(dataDir, venue, 'liquidations', `${day}.parquet`);
}

/** The day store, through the store layer; undefined when there is none. */
export async function readLiquidationDay(dataDir: string, venue: string, day: string): Promise<LiquidationDay | undefined> {
  const path = liquidationDayPath(dataDir, venue, day);
  if (!(await stat(path).then(() => true, () => false))) return undefined;
  const { frame, meta } = await readStore<SeriesFrame>(LIQUIDATIONS, path, {});
  return { frame, length: frame.time.length, coverage: intervalsFromJson(meta.coverage), meta, text: (key, i) => textOf(frame[key]![i]!) };
}

/**
 * Events into a venue's day stores the way the recorder puts them there: frames (as the venue sends them)
 * into a journal with the connected span, then the journal merged through the store layer.
 */
export async function recordFrames(dataDir: string, venue: string, feed: LiquidationFeed, frames: readonly object[], connected: Interval, ctx: FeedContext = { contractSize: () => 1 }): Promise<void> {
  const dir = journalDir(dataDir, venue);
  await mkdir(dir, { recursive: true });
  const lines = [`U ${connected.from}`, ...frames.map((f) => `E ${JSON.stringify(f)}`), `D ${connected.to}`];
  await writeFile(join(dir, `${Date.now()}-test-${Math.random().toString(36).slice(2)}.log`), `${lines.join('\n')}\n`);
  await mergeJournals({ dataDir, venue, feed, ctx, source: 'simulator' });
}
