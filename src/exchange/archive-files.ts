import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TemporaryExchangeError } from '../core/errors.js';

/**
 * A venue's archive file over HTTP: its bytes, or undefined when the venue has none (404). Any other answer,
 * and a connection lost before the body is read whole (undici's "terminated"), is a temporary failure the
 * caller's retry handles, never an internal error. `what` names the file in errors.
 */
export async function fetchArchiveFile(url: string, what: string): Promise<Uint8Array | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) throw new TemporaryExchangeError(`${what}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    if (e instanceof TemporaryExchangeError) throw e;
    throw new TemporaryExchangeError(`${what}: ${causeText(e)}`);
  }
}

/** `terminated (other side closed)`: undici's message with its cause, which says what happened. */
function causeText(e: unknown): string {
  const err = e as Error & { cause?: Error };
  return err.cause?.message ? `${err.message} (${err.cause.message})` : err.message;
}

/**
 * Keep a downloaded archive file (and the files beside it, its `.CHECKSUM`) in the local cache: each written
 * under a name of its own first (another run may cache the same file at the same time), then renamed into
 * place, the file itself before the ones beside it.
 */
export async function keepInCache(file: string, bytes: Uint8Array, beside: Readonly<Record<string, Uint8Array>> = {}): Promise<void> {
  const part = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
  await mkdir(dirname(file), { recursive: true });
  for (const [suffix, b] of Object.entries(beside)) await writeFile(`${part}${suffix}`, b);
  await writeFile(part, bytes);
  await rename(part, file);
  for (const suffix of Object.keys(beside)) await rename(`${part}${suffix}`, `${file}${suffix}`);
}
