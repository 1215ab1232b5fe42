import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StoreError } from '../core/errors.js';

/**
 * Replace `path` with `bytes` so that a crash at any moment leaves either the old file or the new one:
 * write a temp file in the same folder, fsync it, rename it over the target, fsync the folder.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await replaceViaTemp(path, async (tmp) => {
    await mkdir(dirname(path), { recursive: true });
    return filled(await open(tmp, 'wx', 0o644), (fh) => fh.writeFile(bytes));
  });
}

/**
 * Replace `path` with its own first `keep` bytes followed by `bytes`, as atomically as writeFileAtomic.
 * The kept bytes are copied by the kernel (copy_file_range, or a reflink where the file system has
 * them), never through this process: appending to a large store reads none of it.
 */
export async function writePrefixedFileAtomic(path: string, keep: number, bytes: Uint8Array): Promise<void> {
  await replaceViaTemp(path, async (tmp) => {
    await copyFile(path, tmp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    return filled(await open(tmp, 'r+'), async (fh) => {
      await fh.truncate(keep);
      await fh.write(bytes, 0, bytes.byteLength, keep);
    });
  });
}

/** `fh` after `write`, or closed when `write` fails. */
async function filled(fh: FileHandle, write: (fh: FileHandle) => Promise<unknown>): Promise<FileHandle> {
  try {
    await write(fh);
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Fill a temp file beside `path` (`fill` returns it open), fsync it, rename it over `path`, fsync the folder. */
async function replaceViaTemp(path: string, fill: (tmp: string) => Promise<FileHandle>): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `${tempPrefix(path)}${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await fill(tmp);
    try {
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
