import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StoreError } from '../core/errors.js';
import { storeWriteError, writeFileAtomic } from './atomic-write.js';
import { getRemoteVersion, isRemote, listRemote, putRemote, RemoteChangedError } from './object-store.js';

/**
 * The small documents kept beside the stores (a venue's universe, the collector's status, the last cycle's
 * summary), in a local folder or a bucket alike. On disk a write is atomic (temp file, fsync, rename); in a
 * bucket one PUT is: a reader sees the old document or the new one, never half of one.
 */

/** A document's bytes, or undefined when there is none. */
export async function readDocument(path: string): Promise<Uint8Array | undefined> {
  if (isRemote(path)) return (await getRemoteVersion(path))?.bytes;
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Replace a document (atomically on disk; one PUT in a bucket). */
export async function writeDocument(path: string, bytes: Uint8Array): Promise<void> {
  if (isRemote(path)) {
    await putRemote(path, bytes, {});
    return;
  }
  await writeFileAtomic(path, bytes);
}

/**
 * Create a document only where there is none (in a bucket `If-None-Match: *`; on disk a private temp file
 * `<path>.<pid>.<hex>.tmp` linked into place, which fails when the name exists): of several writers creating
 * the same document at once exactly one wins, and a kill at any moment leaves none or a whole one. Returns
 * false, writing nothing, when it exists already. `sync: false` skips the fsync (a store's lock file: after a
 * crash it is stale anyway); `names` is the file a failure names (a lock's store: the store could not be written).
 */
export async function createDocument(path: string, bytes: Uint8Array, o: { readonly sync?: boolean; readonly names?: string } = {}): Promise<boolean> {
  if (isRemote(path)) {
    try {
      await putRemote(path, bytes, { ifAbsent: true });
      return true;
    } catch (e) {
      if (e instanceof RemoteChangedError) return false;
      throw e;
    }
  }
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, bytes, { mode: 0o644, flush: o.sync ?? true });
    await link(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw storeWriteError(e, o.names ?? path);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** The names of the documents right in a folder (none when it does not exist). */
export async function documentNames(folder: string): Promise<string[]> {
  if (isRemote(folder)) return (await listRemote(folder)).files.map((f) => f.name);
  return readdir(folder, { withFileTypes: true }).then((es) => es.filter((e) => e.isFile()).map((e) => e.name), () => []);
}
