import { mkdir, readdir, readFile, rename, rmdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { DatasetDescriptor } from '../core/dataset.js';
import { listStores } from './store-read.js';
import { checkVenue, dayStorePath, storePath } from './store-path.js';
import { withStoreLock } from './store-lock.js';

/** One file of the layout earlier versions wrote, and where it belongs now. */
export interface LayoutMove {
  readonly kind: 'store' | 'journal' | 'document';
  /** The venue (or source) whose folder it goes to. */
  readonly exchange: string;
  readonly from: string;
  readonly to: string;
}

export interface LayoutPlan {
  readonly moves: LayoutMove[];
  /** Files whose place in a venue's folder is already taken (never overwritten): left where they are. */
  readonly conflicts: LayoutMove[];
  /** Files whose venue cannot be told (an unreadable footer, a journal no venue's feed reads): left where they are. */
  readonly unknown: { readonly path: string; readonly why: string }[];
}

/**
 * How to move the stores of the layout earlier versions wrote (`<dataDir>/<SYMBOL>/…`,
 * `<dataDir>/<dataset>/<day>.parquet` and its journal) into their venue's folder: each store's venue is its
 * footer's exchange, made canonical (a venue's alias → its id); a journal goes to the venue whose feed
 * reads its events (`venueOfJournal`). Read-only.
 */
export async function planLayoutMigration(
  dataDir: string, datasets: readonly DatasetDescriptor[], canonical: (exchange: string) => string, venueOfJournal: (text: string) => string | undefined,
): Promise<LayoutPlan> {
  const moves: LayoutMove[] = [];
  const conflicts: LayoutMove[] = [];
  const unknown: { path: string; why: string }[] = [];
  const top = (p: string) => relative(dataDir, p).split(/[\\/]/).length === 2;
  for (const ref of await listStores(dataDir, datasets)) {
    if (!top(ref.path)) continue; // already in a venue's folder
    if (!ref.exchange) {
      unknown.push({ path: ref.path, why: 'its footer names no exchange (unreadable, or written by another tool)' });
      continue;
    }
    const exchange = canonical(ref.exchange);
    const d = datasets.find((x) => x.name === ref.dataset)!;
    try {
      checkVenue(exchange);
    } catch {
      unknown.push({ path: ref.path, why: `its footer names "${ref.exchange}", not a folder name` });
      continue;
    }
    const to = d.partition === 'day' ? dayStorePath(dataDir, exchange, d, Date.parse(`${ref.timeframe}T00:00:00Z`))
      : storePath(dataDir, exchange, d, ref.symbol, d.perTimeframe ? ref.timeframe : undefined);
    const move: LayoutMove = { kind: 'store', exchange, from: ref.path, to: join(dirname(to), ref.path.split(/[\\/]/).pop()!) };
    (await exists(move.to) ? conflicts : moves).push(move);
  }
  for (const d of datasets.filter((x) => x.partition === 'day')) {
    const dir = join(dataDir, d.name, 'journal');
    for (const name of (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.log')).sort()) {
      const from = join(dir, name);
      const exchange = venueOfJournal(await readFile(from, 'utf8'));
      if (!exchange) {
        unknown.push({ path: from, why: 'no venue\'s feed reads its events' });
        continue;
      }
      const move: LayoutMove = { kind: 'journal', exchange, from, to: join(dataDir, exchange, d.name, 'journal', name) };
      (await exists(move.to) ? conflicts : moves).push(move);
    }
  }
  // the universe and the collector's status of the one venue earlier versions collected: the universe says which
  const universeDir = join(dataDir, 'universe');
  const current = await readFile(join(universeDir, 'current.json'), 'utf8').then((t) => JSON.parse(t) as { exchange?: unknown }, () => undefined);
  if (current) {
    const exchange = typeof current.exchange === 'string' ? canonical(current.exchange) : undefined;
    const files = [
      ...(await readdir(universeDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).map((n) => ({ from: join(universeDir, n), rel: join('universe', n) })),
      ...(await Promise.all(['collect-status.json', 'collect-last-cycle.json'].map(async (n) => (await exists(join(dataDir, n)) ? [{ from: join(dataDir, n), rel: n }] : [])))).flat(),
    ];
    for (const f of files) {
      if (!exchange || !/^[a-z0-9]+$/.test(exchange)) {
        unknown.push({ path: f.from, why: 'the universe names no venue' });
        continue;
      }
      const move: LayoutMove = { kind: 'document', exchange, from: f.from, to: join(dataDir, exchange, f.rel) };
      (await exists(move.to) ? conflicts : moves).push(move);
    }
  }
  return { moves, conflicts, unknown };
}

/**
 * Move the files: each under its store's lock at its old place and at its new one (a run working on either
 * is waited for, up to `waitMs`), by rename (the bytes are not rewritten), never over an existing file.
 * Folders the moves empty are removed. Returns the moves done.
 */
export async function applyLayoutMigration(dataDir: string, plan: LayoutPlan, waitMs: number): Promise<LayoutMove[]> {
  const done: LayoutMove[] = [];
  for (const m of plan.moves) {
    await mkdir(dirname(m.to), { recursive: true });
    const move = async () => {
      if (await exists(m.to)) return; // taken meanwhile: left alone
      await rename(m.from, m.to);
      done.push(m);
    };
    if (m.kind !== 'store') await move();
    else await withStoreLock(m.from, { waitMs }, () => withStoreLock(m.to, { waitMs }, move));
  }
  // folders the moves emptied (a daily dataset's folder too, once its journal folder went), never the data folder
  const inside = (d: string) => relative(dataDir, d) !== '' && !relative(dataDir, d).startsWith('..');
  for (const dir of new Set(done.map((m) => dirname(m.from)))) {
    if (inside(dir)) await rmdir(dir).catch(() => undefined);
    if (inside(dirname(dir))) await rmdir(dirname(dir)).catch(() => undefined);
  }
  return done;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
