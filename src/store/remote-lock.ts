import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { StoreError } from '../core/errors.js';
import { deleteRemote, getRemoteVersion, putRemote, RemoteChangedError } from './object-store.js';
import { isStale } from './store-lock.js';

/** How long a lock object holds without its writer renewing it: 60 s, or QML_S3_LEASE_SECONDS (at least 2). */
export function leaseMs(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const s = Number(env['QML_S3_LEASE_SECONDS']);
  return Number.isFinite(s) && s >= 2 ? s * 1000 : 60_000;
}

interface RemoteLockBody { readonly owner: string; readonly pid: number; readonly host: string; readonly startedAt: string; readonly leaseUntil: string }

/** The lock a writer holds on a store in a bucket: whether it still holds it (its lease was not taken over). */
export interface RemoteLock {
  /** Throws when the lease was lost (another writer took it over after it expired): nothing may be written then. */
  check(): void;
}

/**
 * Run `fn` holding the lock of a store in a bucket: the object `<store>.lock`, created only if absent
 * (`If-None-Match: *`), holding its owner and a lease the writer renews while it works. A lock
 * whose lease has expired (its writer was killed, or lost its link for a minute) is taken over by a
 * conditional replace of the version read, so of two writers trying only one wins; so is at once a lock whose
 * owner was a process of this machine that no longer runs (killed: a rerun need not wait out its lease). The
 * lease is renewed every quarter of its length (60 s, or QML_S3_LEASE_SECONDS). A live one is waited for
 * up to `waitMs`, then reported with its owner. Leases compare this machine's clock with the owner's: clocks
 * more than a few seconds apart shorten or lengthen them.
 */
export async function withRemoteLock<T>(storeUrl: string, o: { waitMs: number; pollMs?: number }, fn: (lock: RemoteLock) => Promise<T>): Promise<T> {
  const url = `${storeUrl}.lock`;
  const owner = randomBytes(8).toString('hex');
  const lease = leaseMs();
  const body = (): Uint8Array => new TextEncoder().encode(JSON.stringify({
    owner, pid: process.pid, host: hostname(), startedAt, leaseUntil: new Date(Date.now() + lease).toISOString(),
  } satisfies RemoteLockBody));
  const startedAt = new Date().toISOString();
  let etag = await acquire(url, storeUrl, body, o);
  let lost: string | undefined;
  // the lease is renewed in the background; a renewal refused means another writer holds the lock now
  let renewing = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing.then(async () => {
      if (lost) return;
      try {
        etag = await putRemote(url, body(), { ifMatch: etag });
      } catch (e) {
        lost = e instanceof RemoteChangedError ? 'another writer took over its lease' : `its lease could not be renewed (${(e as Error).message})`;
      }
    });
  }, lease / 4);
  timer.unref();
  const lock: RemoteLock = {
    check: () => {
      if (lost) throw new StoreError(`${storeUrl}: this run lost its lock (${lost}); nothing more is written, run the command again`);
    },
  };
  try {
    return await fn(lock);
  } finally {
    clearInterval(timer);
    await renewing;
    // removed only while it is still this run's (a lock taken over belongs to its new owner)
    const now = await getRemoteVersion(url).catch(() => undefined);
    if (now && ownerOf(now.bytes)?.owner === owner) await deleteRemote(url).catch(() => undefined);
  }
}

async function acquire(url: string, storeUrl: string, body: () => Uint8Array, o: { waitMs: number; pollMs?: number }): Promise<string> {
  const deadline = Date.now() + o.waitMs;
  for (;;) {
    try {
      return await putRemote(url, body(), { ifAbsent: true });
    } catch (e) {
      if (!(e instanceof RemoteChangedError)) throw e;
    }
    const held = await getRemoteVersion(url);
    if (!held) continue; // released meanwhile: try again
    const who = ownerOf(held.bytes);
    const until = who ? Date.parse(who.leaseUntil) : NaN;
    if (!(until > Date.now()) || (who && isStale(who))) {
      // expired (or unreadable): take it over, only if it is still the version read
      try {
        return await putRemote(url, body(), { ifMatch: held.etag });
      } catch (e) {
        if (!(e instanceof RemoteChangedError)) throw e;
        continue; // another writer took it first
      }
    }
    if (Date.now() >= deadline) {
      throw new StoreError(`${storeUrl} is being written by ${who ? `process ${who.pid} on ${who.host} since ${who.startedAt} (lease until ${who.leaseUntil})` : 'another writer'}; wait for it to finish, or for its lease to expire if it is gone`);
    }
    await delay(o.pollMs ?? 500);
  }
}

function ownerOf(bytes: Uint8Array): RemoteLockBody | undefined {
  try {
    const o = JSON.parse(new TextDecoder().decode(bytes)) as RemoteLockBody;
    return typeof o.owner === 'string' && typeof o.leaseUntil === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}
