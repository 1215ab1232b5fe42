import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { dayFileName, readDay } from '../store/liquidation-day.js';
import { replaceLiquidationDay } from '../store/store-writer.js';
import { clip, dayOf, distinct, fromFrame, liquidationKey, parseLiquidation, toFrame, unite, type Interval, type RawLiquidation } from './events.js';

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

export function journalDir(dataDir: string): string {
  return join(dataDir, 'liquidations', 'journal');
}

export function liquidationsDir(dataDir: string): string {
  return join(dataDir, 'liquidations');
}

/** A new journal file for this run: `<journal dir>/<time>-<pid>-<n>.jsonl`, never one another run writes. */
export async function newJournal(dataDir: string, n: number): Promise<Journal> {
  await mkdir(journalDir(dataDir), { recursive: true });
  return new Journal(join(journalDir(dataDir), `${Date.now()}-${process.pid}-${n}.log`));
}

/** What a journal file holds: its events and its connected periods (an unfinished one ends at its last sign of life). */
export function readJournalText(text: string): { events: RawLiquidation[]; coverage: Interval[]; uncovered: Interval[]; malformed: number } {
  const events: RawLiquidation[] = [];
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
      const e = parseLiquidation(rest);
      if (e) events.push(e);
      else malformed++;
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
  return { events, coverage, uncovered, malformed };
}

/**
 * Merge journal files into the day files (every day their events or connected periods touch), each
 * written atomically with what it held before, then delete the journals merged. `keep` (the live
 * journal) is merged but not deleted. A kill at any point leaves journals that a later merge finishes;
 * events seen twice are kept once.
 */
export async function mergeJournals(dataDir: string, keep?: string): Promise<{ days: number; events: number }> {
  const dir = journalDir(dataDir);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.log')).sort();
  if (names.length === 0) return { days: 0, events: 0 };
  const events: RawLiquidation[] = [];
  const connected: Interval[] = [];
  const uncovered: Interval[] = [];
  for (const name of names) {
    const j = readJournalText(await readFile(join(dir, name), 'utf8'));
    // not push(...): a journal of a busy minute holds more events than a call has arguments
    for (const e of j.events) events.push(e);
    for (const c of j.coverage) connected.push(c);
    for (const c of j.uncovered) uncovered.push(c);
  }
  const coverage = subtract(unite(connected), uncovered);
  const days = new Set<number>(events.map(dayOf));
  for (const c of unite([...coverage, ...uncovered])) for (let d = Math.floor(c.from / DAY) * DAY; d < c.to; d += DAY) days.add(d);
  let total = 0;
  for (const day of [...days].sort((a, b) => a - b)) {
    const path = join(liquidationsDir(dataDir), dayFileName(day));
    const stored = await readDay(path);
    const merged = distinct(concat(stored ? fromFrame(stored.frame) : [], events.filter((e) => dayOf(e) === day)));
    const cover = subtract(unite([...(stored?.coverage ?? []), ...clip(coverage, day, day + DAY)]), uncovered);
    if (stored && merged.length === stored.frame.length && sameIntervals(cover, stored.coverage)) continue;
    await replaceLiquidationDay(path, { frame: toFrame(merged), coverage: cover }, (f) => fromFrame(f).map(liquidationKey), { retracted: uncovered });
    total += merged.length - (stored?.frame.length ?? 0);
  }
  for (const name of names) if (join(dir, name) !== keep) await unlink(join(dir, name));
  return { days: days.size, events: total };
}

/** The intervals less the spans taken back. */
function subtract(intervals: readonly Interval[], cuts: readonly Interval[]): Interval[] {
  return cuts.reduce<Interval[]>((left, cut) => left.flatMap((i) => [
    { from: i.from, to: Math.min(i.to, cut.from) },
    { from: Math.max(i.from, cut.to), to: i.to },
  ].filter((x) => x.to > x.from)), [...intervals]);
}

function concat<T>(a: readonly T[], b: readonly T[]): T[] {
  const out = a.slice();
  for (const x of b) out.push(x);
  return out;
}

function sameIntervals(a: readonly Interval[], b: readonly Interval[]): boolean {
  return a.length === b.length && a.every((x, i) => x.from === b[i]!.from && x.to === b[i]!.to);
}
