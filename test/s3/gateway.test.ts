import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CEPH, startCephGateway, type CephGateway } from '../helpers/ceph.js';

/**
 * The S3 server the object-storage stores will be tested against (issue 25): Ceph's RADOS Gateway from
 * Debian's packages, started here in a temporary folder. These tests pin down what the stores' promises
 * will rest on, as this gateway does it: a conditional create (`If-None-Match: *`) and a conditional replace
 * (`If-Match` with the ETag read), suffix ranges, listing by prefix and delimiter page by page, and a
 * multipart upload that copies the unchanged bytes server-side (UploadPartCopy) before the new ones.
 */
const MiB = 1 << 20;

describe.skipIf(!HAVE_CEPH)('the Ceph S3 gateway (needs Debian\'s radosgw, ceph-mon, ceph-osd: .ci/run installs them)', () => {
  let gw: CephGateway;
  let s3: S3Client;
  const Bucket = 'qml-test';
  beforeAll(async () => {
    gw = await startCephGateway();
    s3 = new S3Client({ endpoint: gw.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey } });
    await s3.send(new CreateBucketCommand({ Bucket }));
  }, 150_000);
  afterAll(async () => {
    s3?.destroy();
    await gw?.stop();
  });

  const status = (p: Promise<unknown>) => p.then(() => 200, (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode ?? 0);

  it('creates an object only when it is absent: a second If-None-Match: * create is refused (412)', async () => {
    expect(await status(s3.send(new PutObjectCommand({ Bucket, Key: 'locks/a', Body: 'owner one', IfNoneMatch: '*' })))).toBe(200);
    expect(await status(s3.send(new PutObjectCommand({ Bucket, Key: 'locks/a', Body: 'owner two', IfNoneMatch: '*' })))).toBe(412);
    const body = await (await s3.send(new GetObjectCommand({ Bucket, Key: 'locks/a' }))).Body!.transformToString();
    expect(body).toBe('owner one');
  });

  it('replaces an object only when it is the version read: a stale ETag is refused; this gateway wants the ETag without its quotes', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket, Key: 'stores/x', Body: 'v1' }));
    const etag = first.ETag!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const second = await s3.send(new PutObjectCommand({ Bucket, Key: 'stores/x', Body: 'v2', IfMatch: etag.replace(/"/g, '') }));
    // the first version's ETag is stale now: refused, quoted or not
    expect(await status(s3.send(new PutObjectCommand({ Bucket, Key: 'stores/x', Body: 'v3', IfMatch: etag.replace(/"/g, '') })))).toBe(412);
    // radosgw 16 compares If-Match with the bare ETag: the quoted form (what RFC 9110 and AWS take) is refused even when current
    expect(await status(s3.send(new PutObjectCommand({ Bucket, Key: 'stores/x', Body: 'v3', IfMatch: second.ETag! })))).toBe(412);
    expect(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'stores/x' }))).Body!.transformToString()).toBe('v2');
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'stores/x' }))).ETag).toBe(second.ETag);
  });

  it('serves ranges, suffix ranges included (a Parquet footer is read from the end)', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'stores/r', Body: 'abcdefghij' }));
    const part = async (Range: string) => (await s3.send(new GetObjectCommand({ Bucket, Key: 'stores/r', Range }))).Body!.transformToString();
    expect(await part('bytes=2-4')).toBe('cde');
    expect(await part('bytes=-3')).toBe('hij');
  });

  it('lists by prefix and delimiter, page by page', async () => {
    for (const k of ['d/binance/BTC/1h.parquet', 'd/binance/BTC/4h.parquet', 'd/binance/ETH/1h.parquet', 'd/okx/BTC/1h.parquet']) await s3.send(new PutObjectCommand({ Bucket, Key: k, Body: k }));
    const venues = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'd/', Delimiter: '/' }));
    expect(venues.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['d/binance/', 'd/okx/']);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'd/binance/', MaxKeys: 2, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(keys).toEqual(['d/binance/BTC/1h.parquet', 'd/binance/BTC/4h.parquet', 'd/binance/ETH/1h.parquet']);
  });

  it('appends without re-uploading: a multipart upload copies the stored bytes server-side, then adds the new ones', async () => {
    const old = new Uint8Array(6 * MiB).map((_, i) => i % 251);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'stores/big', Body: old }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'stores/big.next' }));
    const copied = await s3.send(new UploadPartCopyCommand({ Bucket, Key: 'stores/big.next', UploadId, PartNumber: 1, CopySource: `${Bucket}/stores/big`, CopySourceRange: `bytes=0-${old.length - 1}` }));
    const added = new TextEncoder().encode('new rows and a new footer');
    const tail = await s3.send(new UploadPartCommand({ Bucket, Key: 'stores/big.next', UploadId, PartNumber: 2, Body: added }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'stores/big.next', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult!.ETag! }, { PartNumber: 2, ETag: tail.ETag! }] } }));
    const got = new Uint8Array(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'stores/big.next' }))).Body!.transformToByteArray());
    expect(got.length).toBe(old.length + added.length);
    expect(Buffer.from(got.subarray(0, old.length)).equals(Buffer.from(old))).toBe(true);
    expect(new TextDecoder().decode(got.subarray(old.length))).toBe('new rows and a new footer');
  });
});
