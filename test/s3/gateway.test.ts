import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim } from '../../src/sim/server.js';
import { HAVE_CEPH, startCephGateway, type CephGateway } from '../helpers/ceph.js';
import { runBinary, simArgs, tempDir } from '../helpers/cli.js';

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

  describe('stores in a bucket, read by list, validate and report (--data-dir s3://bucket/prefix)', () => {
    let local: string;
    const remote = `s3://${Bucket}/market/data`;
    const env = () => ({ AWS_ENDPOINT_URL: gw.endpoint, AWS_ACCESS_KEY_ID: gw.accessKeyId, AWS_SECRET_ACCESS_KEY: gw.secretAccessKey, AWS_REGION: 'us-east-1' });
    beforeAll(async () => {
      const sim = await startSim({ port: 0, now: Date.parse('2026-06-01T05:00:00Z'), seed: 5, symbols: ['BTC/USDT', 'ETH/USDT'] });
      try {
        local = await tempDir('qml-s3-local-');
        const b = await runBinary(['build', '--symbol', 'BTC/USDT:USDT,ETH/USDT', '--timeframes', '1h', '--days', '5', ...simArgs(sim.url, local)]);
        expect(b.code, b.stderr).toBe(0);
        const f = await runBinary(['build', '--symbol', 'BTC/USDT:USDT', '--datasets', 'funding,open-interest', '--timeframes', '1h', '--days', '5', ...simArgs(sim.url, local)]);
        expect(f.code, f.stderr).toBe(0);
      } finally {
        await sim.close();
      }
      // the folder copied up as a sync tool would: the same layout, key for path
      const walk = async (dir: string): Promise<string[]> => (await Promise.all((await readdir(dir, { withFileTypes: true })).map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])))).flat();
      for (const file of (await walk(local)).filter((p) => p.endsWith('.parquet'))) {
        await s3.send(new PutObjectCommand({ Bucket, Key: `market/data/${relative(local, file)}`, Body: await readFile(file) }));
      }
    }, 120_000);

    it('list and validate say of the bucket what they say of the folder it came from', async () => {
      const fields = (stores: Record<string, unknown>[]) => stores.map(({ path, updatedAt, behind, ...rest }) => (void path, void updatedAt, void behind, rest));
      const [l1, l2] = await Promise.all([runBinary(['list', '--datasets', 'all', '--json', '--data-dir', local]), runBinary(['list', '--datasets', 'all', '--json', '--data-dir', remote], env())]);
      expect(l2.code, l2.stderr).toBe(0);
      const [a, b] = [JSON.parse(l1.stdout).stores as Record<string, unknown>[], JSON.parse(l2.stdout).stores as Record<string, unknown>[]];
      expect(b.length).toBe(4);
      expect(fields(b)).toEqual(fields(a));
      expect(b.map((x) => x['path'])).toEqual(a.map((x) => `${remote}/${relative(local, x['path'] as string)}`));
      const now = '2026-06-01T05:00:00Z';
      const [v1, v2] = await Promise.all([runBinary(['validate', '--datasets', 'all', '--json', '--now', now, '--data-dir', local]), runBinary(['validate', '--datasets', 'all', '--json', '--now', now, '--data-dir', remote], env())]);
      expect(v2.code, v2.stderr).toBe(v1.code);
      const strip = (t: string) => (JSON.parse(t).stores as Record<string, unknown>[]).map(({ path, ...rest }) => (void path, rest));
      expect(strip(v2.stdout)).toEqual(strip(v1.stdout));
    });

    it('report reads the bucket and writes its page locally', async () => {
      const out = join(await tempDir('qml-s3-report-'), 'page.html');
      const r = await runBinary(['report', '--data-dir', remote, '--out', out, '--json'], env());
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ path: out, stores: 4 });
      const html = await readFile(out, 'utf8');
      const data = JSON.parse(/<script id="report-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!) as { coverage: { rows: unknown[] }[] };
      expect(data.coverage.reduce((n, c) => n + c.rows.length, 0)).toBe(4);
    });

    it('a wrong key, an unreachable endpoint, a bad location are one line each with their exit code; writing to S3 is refused for now', async () => {
      const cases: [string[], Record<string, string>, number, RegExp][] = [
        [['list', '--data-dir', remote], { ...env(), AWS_SECRET_ACCESS_KEY: 'not-the-secret' }, 4, /cannot list s3:\/\/qml-test\/market\/data: SignatureDoesNotMatch/],
        [['validate', '--data-dir', remote], { ...env(), AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }, 4, /cannot list s3:\/\/qml-test\/market\/data: .*(ECONNREFUSED|connect)/],
        [['list', '--data-dir', 's3://Bad_Bucket'], env(), 2, /not a folder path or an S3 location/],
        [['build', '--symbol', 'BTC/USDT', '--data-dir', remote], env(), 2, /stores on S3 can be read .* but not yet written/],
      ];
      for (const [args, e, code, message] of cases) {
        const r = await runBinary(args, e);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
        expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toContain('not-the-secret');
      }
    }, 120_000);
  });
});
