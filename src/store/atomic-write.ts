import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StoreError } from '../core/errors.js';

/**
 * Replace `path` with `bytes` so that a crash at any moment leaves either the old file or the new one:
 * write a temp file in the same folder, fsync it, rename it over the target, fsync the folder.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `${tempPrefix(path)}${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    await syncDir(dir);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw storeWriteError(e, path);
  }
}

/**
 * Replace `path` with its own first `keep` bytes followed by `bytes`, as atomically as writeFileAtomic.
 * The kept bytes are copied by the kernel (copy_file_range, or a reflink where the file system has
 * them), never through this process: appending to a large store reads none of it.
 */
export async function writePrefixedFileAtomic(path: string, keep: number, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `${tempPrefix(path)}${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await copyFile(path, tmp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    const fh = await open(tmp, 'r+');
    try {
      await fh.truncate(keep);
      await fh.write(bytes, 0, bytes.byteLength, keep);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    await syncDir(dir);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw storeWriteError(e, path);
  }
}

function tempPrefix(path: string): string {
  return `.${basename(path)}.`;
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Remove temp files a killed writer of `path` left behind; call only while holding the store's lock. */
export async function removeStaleTemps(path: string): Promise<number> {
  const prefix = tempPrefix(path);
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  const stale = names.filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'));
  await Promise.all(stale.map((n) => unlink(join(dirname(path), n)).catch(() => undefined)));
  return stale.length;
}

export function storeWriteError(e: unknown, path: string): StoreError {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOSPC: 'the disk is full', EDQUOT: 'the disk quota is exceeded', EACCES: 'permission denied',
    EPERM: 'permission denied', EROFS: 'the file system is read-only', ENOTDIR: 'a parent is not a folder',
    EEXIST: 'a file stands where a folder is needed',
  };
  return new StoreError(`cannot write ${path}: ${(code && why[code]) ?? (e as Error).message}; the previous version is unchanged`);
}
