import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { symbolFromDirName } from '../core/symbol.js';
import { StoreError } from '../core/errors.js';
import { STORED_DATASETS } from '../datasets/registry.js';
import { heldByLiveRun, withStoreLock } from './store-lock.js';

/** What an interrupted run can leave in a data folder. */
export interface Leftover {
  readonly path: string;
  readonly kind: 'temp-file' | 'checkpoint' | 'stale-lock' | 'empty-folder' | 'partial-download';
  readonly bytes: number;
  /** The store the file belongs to (its lock guards it), when it belongs to one. */
  readonly store?: string;
}

const STORE_FILE = /^(.+\.parquet)(?:\.lock|\.[^.]+\.[^.]+\.tmp|\.lock\.\d+\.[0-9a-f]+\.tmp|\.lock\.stale\.\d+)$/;

/**
 * Leftovers of interrupted runs: a write's temp files, resume checkpoints (`*.partial.parquet`: an
 * interrupted build resumes from them, so removing one gives up that progress), lock files of processes
 * that are gone, symbol folders with nothing in them, and unfinished archive downloads.
 */
export async function findLeftovers(dataDir: string): Promise<Leftover[]> {
  const out: Leftover[] = [];
  const size = async (p: string) => (await stat(p).catch(() => undefined))?.size ?? 0;
  for (const { folder, symbol } of await storeFolders(dataDir)) {
    const names = await readdir(folder).catch(() => [] as string[]);
    if (symbol && names.length === 0) out.push({ path: folder, kind: 'empty-folder', bytes: 0 });
    for (const name of names) {
      const path = join(folder, name);
      if (name.endsWith('.partial.parquet')) {
        out.push({ path, kind: 'checkpoint', bytes: await size(path), store: join(folder, name.replace(/\.partial\.parquet$/, '.parquet')) });
        continue;
      }
      const m = STORE_FILE.exec(name);
      if (!m) continue;
      const store = join(folder, m[1]!);
      out.push({ path, kind: name.endsWith('.lock') ? 'stale-lock' : 'temp-file', bytes: await size(path), store });
    }
  }
  const archives = join(dataDir, '.archives');
  for (const p of await walk(archives)) if (p.endsWith('.part')) out.push({ path: p, kind: 'partial-download', bytes: await size(p) });
  // the files of a store a live run holds are that run's, not leftovers
  const live = new Map<string, boolean>();
  const kept: Leftover[] = [];
  for (const l of out) {
    if (l.store && !live.has(l.store)) live.set(l.store, await heldByLiveRun(l.store));
    if (!l.store || !live.get(l.store)) kept.push(l);
  }
  return kept;
}

/**
 * Remove leftovers, each under its store's lock taken without waiting: a store another run is working
 * on is skipped (its files are that run's), so nothing is removed from under a live run. A lock file
 * whose owner is alive is no leftover and stays.
 */
export async function removeLeftovers(items: readonly Leftover[]): Promise<{ removed: Leftover[]; busy: Leftover[] }> {
  const removed: Leftover[] = [];
  const busy: Leftover[] = [];
  const byStore = new Map<string, Leftover[]>();
  for (const i of items) if (i.store) byStore.set(i.store, [...(byStore.get(i.store) ?? []), i]);
  for (const [store, files] of byStore) {
    try {
      // taking the lock clears a dead owner's lock and its attempt files by itself
      await withStoreLock(store, { waitMs: 0 }, async () => {
        for (const f of files.filter((x) => x.kind !== 'stale-lock')) {
          await unlink(f.path).catch(() => undefined);
          removed.push(f);
        }
      });
      removed.push(...files.filter((x) => x.kind === 'stale-lock'));
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      busy.push(...files);
    }
  }
  for (const i of items.filter((x) => x.kind === 'partial-download')) {
    await unlink(i.path).catch(() => undefined);
    removed.push(i);
  }
  // folders last: empty from the start, or emptied above (a store that never got written); rmdir refuses
  // a folder that is not empty
  const folders = new Set([...items.filter((x) => x.kind === 'empty-folder').map((x) => x.path), ...removed.filter((x) => x.store).map((x) => dirname(x.path))]);
  for (const path of folders) {
    if (await rmdir(path).then(() => true, () => false)) removed.push({ path, kind: 'empty-folder', bytes: 0 });
  }
  return { removed, busy };
}

/**
 * Folders stores live in: symbol folders in each venue's folder (`<venue>/BTC_USDT/`) and at the top (the
 * layout of earlier versions), and the folders of a venue's daily stores (`<venue>/liquidations/`).
 */
async function storeFolders(dataDir: string): Promise<{ folder: string; symbol: boolean }[]> {
  const out: { folder: string; symbol: boolean }[] = [];
  const scan = async (dir: string, venue: boolean) => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (!e.isDirectory()) continue;
      if (symbolFromDirName(e.name)) out.push({ folder: join(dir, e.name), symbol: true });
      else if (DAILY.has(e.name)) out.push({ folder: join(dir, e.name), symbol: false });
      else if (!venue && /^[a-z0-9]+$/.test(e.name)) await scan(join(dir, e.name), true);
    }
  };
  await scan(dataDir, false);
  return out;
}

/** Folders of daily stores (a venue's liquidations). */
const DAILY = new Set(STORED_DATASETS.filter((d) => d.partition === 'day').map((d) => d.name));

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...await walk(p));
    else out.push(p);
  }
  return out;
}
