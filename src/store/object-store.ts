import { homedir } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '../core/errors.js';

/**
 * Where stores live: a local folder, or an S3 bucket and prefix (`s3://bucket/prefix`). Paths below an
 * `s3://` data folder keep the same layout as on disk (`s3://bucket/prefix/<venue>/BTC_USDT/1h_master.parquet`),
 * so DuckDB's `read_parquet('s3://…')` and pandas with s3fs read them unchanged.
 *
 * The S3 client comes from `@aws-sdk/client-s3`, loaded only when an `s3://` path is used, configured the
 * way AWS tools are: credentials from the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`),
 * profiles (`AWS_PROFILE`) and the rest of the SDK's chain; the endpoint from `AWS_ENDPOINT_URL_S3` or
 * `AWS_ENDPOINT_URL` (MinIO, Ceph, R2: addressed by path then), the region from `AWS_REGION` (default
 * us-east-1). Keys and secrets are never logged.
 */
export function isRemote(path: string): boolean {
  return path.startsWith('s3://');
}

/** A path below a data folder, local or remote (`s3://` paths are joined with `/`). */
export function childPath(base: string, ...parts: string[]): string {
  if (!isRemote(base)) return join(base, ...parts);
  return [base.replace(/\/+$/, ''), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ''))].filter((p) => p !== '').join('/');
}

/** `s3://bucket/a/b` → bucket and key (`a/b`). */
export function splitS3(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new StoreError(`${url} is not an S3 location (expected s3://bucket or s3://bucket/prefix)`);
  return { bucket: m[1]!, key: (m[2] ?? '').replace(/\/+$/, '') };
}

type S3 = typeof import('@aws-sdk/client-s3');
let loaded: Promise<{ sdk: S3; client: InstanceType<S3['S3Client']> }> | undefined;

/** The S3 client of this process (one, made on first use from the environment). */
function s3(): Promise<{ sdk: S3; client: InstanceType<S3['S3Client']> }> {
  // the SDK warns on stderr that its releases after January 2027 want Node 22: the locked version runs on 20,
  // and a command's stderr is one line per mistake, so the warning is left out (unless the user set it)
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  loaded ??= import('@aws-sdk/client-s3').then((sdk) => {
    const endpoint = process.env['AWS_ENDPOINT_URL_S3'] ?? process.env['AWS_ENDPOINT_URL'];
    const client = new sdk.S3Client({
      region: process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      maxAttempts: 4,
    });
    return { sdk, client };
  });
  return loaded;
}

/** An S3 failure as a store error, one line: what was asked, and S3's own word for why (never a key). */
function s3Error(what: string, e: unknown): StoreError {
  const err = e as Error & { name?: string; Code?: string; $metadata?: { httpStatusCode?: number }; code?: string; cause?: { code?: string } };
  const status = err.$metadata?.httpStatusCode;
  const why = err.Code ?? (err.name && err.name !== 'Error' && err.name !== 'UnknownError' ? err.name : undefined) ?? err.code ?? err.cause?.code ?? err.message;
  return new StoreError(`${what}: ${why}${status ? ` (HTTP ${status})` : ''}`);
}

/** The folders and files right below an S3 "folder" (by `/`), with their sizes. */
export async function listRemote(url: string): Promise<{ dirs: string[]; files: { name: string; size: number; modified?: Date }[] }> {
  const { bucket, key } = splitS3(url);
  const { sdk, client } = await s3();
  const prefix = key === '' ? '' : `${key}/`;
  const dirs: string[] = [];
  const files: { name: string; size: number; modified?: Date }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }))
      .catch((e: unknown) => { throw s3Error(`cannot list ${url}`, e); });
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) dirs.push(p.Prefix.slice(prefix.length).replace(/\/$/, ''));
    for (const c of page.Contents ?? []) if (c.Key && c.Key !== prefix) files.push({ name: c.Key.slice(prefix.length), size: c.Size ?? 0, ...(c.LastModified ? { modified: c.LastModified } : {}) });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { dirs, files };
}

/** An object's bytes, or a range of them (`start` and `end` exclusive; a negative `start` counts from the end). */
export async function getRemote(url: string, range?: { start: number; end?: number }): Promise<Uint8Array> {
  const { bucket, key } = splitS3(url);
  const { sdk, client } = await s3();
  const Range = range === undefined ? undefined : range.start < 0 ? `bytes=${range.start}` : `bytes=${range.start}-${range.end === undefined ? '' : range.end - 1}`;
  try {
    const res = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key, ...(Range ? { Range } : {}) }));
    return await res.Body!.transformToByteArray();
  } catch (e) {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404) throw new StoreError(`no store at ${url} (run build first)`);
    throw s3Error(`cannot read ${url}`, e);
  }
}

/** An object's size, last change and version (its ETag, without quotes). */
export async function statRemote(url: string): Promise<{ size: number; etag: string; modified?: Date }> {
  const st = await headRemote(url);
  if (!st) throw new StoreError(`no store at ${url} (run build first)`);
  return st;
}

/** An object's size, last change and version, or undefined when there is none. */
export async function headRemote(url: string): Promise<{ size: number; etag: string; modified?: Date } | undefined> {
  const { bucket, key } = splitS3(url);
  const { sdk, client } = await s3();
  try {
    const res = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { size: res.ContentLength ?? 0, etag: bareEtag(res.ETag), ...(res.LastModified ? { modified: res.LastModified } : {}) };
  } catch (e) {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404) return undefined;
    throw s3Error(`cannot read ${url}`, e);
  }
}

/** An object's bytes with its version, or undefined when there is none. */
export async function getRemoteVersion(url: string): Promise<{ bytes: Uint8Array; etag: string } | undefined> {
  const { bucket, key } = splitS3(url);
  const { sdk, client } = await s3();
  try {
    const res = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
    return { bytes: await res.Body!.transformToByteArray(), etag: bareEtag(res.ETag) };
  } catch (e) {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404) return undefined;
    throw s3Error(`cannot read ${url}`, e);
  }
}

/** Thrown when a conditional write finds the object not as the writer read it (HTTP 412). */
export class RemoteChangedError extends StoreError {
  override name = 'RemoteChangedError';
}

/**
 * Put an object only if it is still the version read (`ifMatch`: its ETag) or only if there is none
 * (`ifAbsent`): the gateway refuses anything else (412), so a write never replaces another writer's version.
 * ETags go bare (Ceph 16 refuses the quoted form). Returns the new version.
 */
export async function putRemote(url: string, bytes: Uint8Array, when: { readonly ifMatch?: string; readonly ifAbsent?: boolean }): Promise<string> {
  const { bucket, key } = splitS3(url);
  const { sdk, client } = await s3();
  try {
    const res = await client.send(new sdk.PutObjectCommand({
      Bucket: bucket, Key: key, Body: bytes,
      ...(when.ifMatch !== undefined ? { IfMatch: when.ifMatch } : {}), ...(when.ifAbsent ? { IfNoneMatch: '*' } : {}),
    }));
    return bareEtag(res.ETag);
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) throw new RemoteChangedError(`${url} changed since it was read (another writer); nothing was written`);
    throw s3Error(`cannot write ${url}`, e);
  }
}

/** Remove an object (absent: nothing to do). */
export async function deleteRemote(url: string): Promise<void> {
  const { bucket, key } = splitS3(url);
  const { sdk, client } = await s3();
  await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key })).catch((e: unknown) => { throw s3Error(`cannot remove ${url}`, e); });
}

function bareEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/"/g, '');
}

/**
 * Where a data folder keeps what stays on this machine (the archives' cache, resume checkpoints): the folder
 * itself, or for `s3://bucket/prefix` `$XDG_CACHE_HOME/qml-data/s3/bucket/prefix` (~/.cache by default).
 */
export function localStateDir(dataDir: string): string {
  if (!isRemote(dataDir)) return dataDir;
  const { bucket, key } = splitS3(dataDir);
  return join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'qml-data', 's3', bucket, ...key.split('/').filter(Boolean));
}

/** The least size of a multipart upload's parts but the last (S3 and Ceph: 5 MiB). */
export const MIN_PART = 5 * 1024 * 1024;

/**
 * Replace an object with its own first `keep` bytes followed by `bytes`, copying the kept bytes inside the
 * gateway (a multipart upload whose first part is an UploadPartCopy of the version read, `CopySourceIfMatch`),
 * so only the new bytes are uploaded. `keep` must be at least MIN_PART. Returns the new version.
 */
export async function appendRemote(url: string, keep: number, bytes: Uint8Array, etag: string): Promise<string> {
  const { bucket, key } = splitS3(url);
  const { sdk, client } = await s3();
  const { UploadId } = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key })).catch((e: unknown) => { throw s3Error(`cannot write ${url}`, e); });
  try {
    const copied = await client.send(new sdk.UploadPartCopyCommand({
      Bucket: bucket, Key: key, UploadId, PartNumber: 1, CopySource: `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
      CopySourceRange: `bytes=0-${keep - 1}`, CopySourceIfMatch: etag,
    }));
    const added = await client.send(new sdk.UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: bytes }));
    const done = await client.send(new sdk.CompleteMultipartUploadCommand({
      Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult!.ETag! }, { PartNumber: 2, ETag: added.ETag! }] },
    }));
    return bareEtag(done.ETag);
  } catch (e) {
    await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => undefined);
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) throw new RemoteChangedError(`${url} changed since it was read (another writer); nothing was written`);
    throw s3Error(`cannot write ${url}`, e);
  }
}
