import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { concatSeries } from '../core/dataset.js';
import { clip, coverage, intervalsFromJson, intervalsToJson, subtract, unite, type Interval } from '../core/interval.js';
import { LIQUIDATIONS } from '../datasets/liquidations.js';
import { RowLossError, withStoreForWrite } from '../store/store-writer.js';
import { resolveDayStorePath } from '../store/store-path.js';
import { daysOf, distinctEvents, EventColumns, eventsOfDay, withPositionSides } from './events.js';
import type { FeedContext, LiquidationFeed } from './feed.js';

const DAY = 86_400_000;

/**
 * The recorder's append-only journal: every frame received is written here before anything else is
 * done with it (a kill -9 loses nothing the process had read: the bytes are in the kernel), and the file
 * is fsynced at least once a second (a power cut loses at most that second). One line per record:
 *
 *   E <frame as received>   an event
 *   U <ms>                  connected (exchange time)
 *   A <ms>                  still connected (once a second: the latest a killed process is known to have been up)
 *   D <ms>                  disconnected
 *   N <from> <to>           not covered after all: connected, but the stream was silent past its limit
 */
export class Journal {
  private fd: number;
  private dirty = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  event(frame: string): void {
    this.write(`E ${frame.replace(/\n/g, ' ')}\n`);
  }

  mark(kind: 'U' | 'A' | 'D', t: number): void {
    this.write(`${kind} ${Math.round(t)}\n`);
  }

  /** A span taken back from the coverage (a silent stream), whichever journal file recorded it as covered. */
  uncovered(from: number, to: number): void {
    this.write(`N ${Math.round(from)} ${Math.round(to)}\n`);
  }

  sync(): void {
    if (!this.dirty) return;
    fsyncSync(this.fd);
    this.dirty = false;
  }

  close(): void {
    this.sync();
    closeSync(this.fd);
    this.fd = -1;
  }

  private write(line: string): void {
    writeSync(this.fd, line);
    this.dirty = true;
  }
}

/** Where a venue's recorder keeps its journals and state: `<dataDir>/<venue>/liquidations/`. */
export function liquidationsDir(dataDir: string, venue: string): string {
  return join(dataDir, venue, LIQUIDATIONS.name);
}

export function journalDir(dataDir: string, venue: string): string {
  return join(liquidationsDir(dataDir, venue), 'journal');
}

/** A new journal file for this run: `<journal dir>/<time>-<pid>-<n>.log`, never one another run writes. */
export async function newJournal(dataDir: string, venue: string, n: number): Promise<Journal> {
  await mkdir(journalDir(dataDir, venue), { recursive: true });
  return new Journal(join(journalDir(dataDir, venue), `${Date.now()}-${process.pid}-${n}.log`));
}

/** What a journal file holds, read through the venue's feed: its events, its connected periods, and spans taken back. */
export function readJournalText(text: string, feed: LiquidationFeed, ctx: FeedContext, events: EventColumns): { coverage: Interval[]; uncovered: Interval[]; malformed: number } {
  const coverage: Interval[] = [];
  const uncovered: Interval[] = [];
  let up: number | undefined;
  let alive: number | undefined;
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const kind = line[0];
    const rest = line.slice(2);
    if (kind === 'E') {
      if (feed.parse(rest, ctx, (e) => events.add(e)) === 'malformed') malformed++;
      continue;
    }
    if (kind === 'N') {
      const [from, to] = rest.split(' ').map(Number);
      if (Number.isFinite(from) && Number.isFinite(to)) uncovered.push({ from: from!, to: to! });
      else malformed++;
      continue;
    }
    const t = Number(rest);
    if (!Number.isFinite(t)) { malformed++; continue; }
    if (kind === 'U') {
      if (up !== undefined && alive !== undefined) coverage.push({ from: up, to: alive });
      up = t;
      alive = t;
    } else if (kind === 'A') {
      if (up !== undefined) alive = Math.max(alive ?? t, t);
    } else if (kind === 'D') {
      if (up !== undefined) coverage.push({ from: up, to: t });
      up = undefined;
      alive = undefined;
    } else {
      malformed++;
    }
  }
  if (up !== undefined && alive !== undefined) coverage.push({ from: up, to: alive });
  return { coverage, uncovered, malformed };
}

/** Where a merge writes, and how it reads the journal's frames. */
export interface MergeTarget {
  readonly dataDir: string;
  readonly venue: string;
  /** Names the venue's stores had before (the legacy layout's footers). */
  readonly aliases?: readonly string[];
  readonly feed: LiquidationFeed;
  readonly ctx: FeedContext;
  /** Where the events come from (`exchange`, `simulator`), recorded in the footer. */
  readonly source: string;
}

/**
 * Merge journal files into the day stores (every day their events or connected periods touch), each
 * written through the store layer (lock, atomic write, every stored event kept), with what it held
 * before, then delete the journals merged. `keep` (the live journal) is merged but not deleted. A kill at
 * any point leaves journals that a later merge finishes; events seen twice are kept once.
 */
export async function mergeJournals(t: MergeTarget, keep?: string): Promise<{ days: number; events: number }> {
  const dir = journalDir(t.dataDir, t.venue);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.log')).sort();
  if (names.length === 0) return { days: 0, events: 0 };
  const columns = new EventColumns();
  const connected: Interval[] = [];
  const uncovered: Interval[] = [];
  for (const name of names) {
    const j = readJournalText(await readFile(join(dir, name), 'utf8'), t.feed, t.ctx, columns);
    for (const c of j.coverage) connected.push(c);
    for (const c of j.uncovered) uncovered.push(c);
  }
  const events = columns.frame();
  const cover = subtract(unite(connected), uncovered);
  const days = daysOf(events);
  for (const c of unite([...cover, ...uncovered])) for (let d = Math.floor(c.from / DAY) * DAY; d < c.to; d += DAY) days.add(d);
  let total = 0;
  for (const day of [...days].sort((a, b) => a - b)) total += await mergeDay(t, day, eventsOfDay(events, day), clip(cover, day, day + DAY), uncovered);
  for (const name of names) if (join(dir, name) !== keep) await unlink(join(dir, name));
  return { days: days.size, events: total };
}

/** One day's store with the journal's events and coverage added; the number of events it gained. */
async function mergeDay(t: MergeTarget, day: number, fresh: ReturnType<typeof eventsOfDay>, cover: Interval[], retracted: readonly Interval[]): Promise<number> {
  const path = await resolveDayStorePath(t.dataDir, t.venue, LIQUIDATIONS, day, t.aliases);
  return withStoreForWrite(LIQUIDATIONS, path, { dataset: LIQUIDATIONS.name }, { waitMs: 10_000, erase: false }, async (h) => {
    const stored = h.stored ? (await h.load()).frame : undefined;
    const had = intervalsFromJson(h.stored?.meta.coverage);
    const merged = withPositionSides(distinctEvents(stored ? concatSeries([stored, fresh]) : fresh));
    const next = subtract(unite([...had, ...cover]), retracted);
    if (stored && merged.time.length === stored.time.length && sameIntervals(next, had)) return 0;
    // coverage only grows, but for spans the recorder took back (a stream that was connected and silent)
    const gaps = coverage([...next, ...retracted], 0, Number.MAX_SAFE_INTEGER).gaps;
    if (had.some((c) => gaps.some((g) => g.from < c.to && g.to > c.from))) throw new RowLossError(`${path}: writing it would drop recorded coverage; refused`);
    await h.replace(merged, {
      exchange: t.venue, source: t.source, marketType: 'swap', coverage: intervalsToJson(next), feed: t.feed.completeness,
    });
    return merged.time.length - (stored?.time.length ?? 0);
  });
}

function sameIntervals(a: readonly Interval[], b: readonly Interval[]): boolean {
  return a.length === b.length && a.every((x, i) => x.from === b[i]!.from && x.to === b[i]!.to);
}
