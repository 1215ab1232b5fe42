import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim } from '../../src/sim/server.js';
import { recordOf } from '../../src/datasets/registry.js';
import { readStoreColumns } from '../../src/store/store-read.js';
import { writeFile } from 'node:fs/promises';
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

    it('a wrong key, an unreachable endpoint, a bad location are one line each with their exit code; a command that works on local files refuses a bucket', async () => {
      const cases: [string[], Record<string, string>, number, RegExp][] = [
        [['list', '--data-dir', remote], { ...env(), AWS_SECRET_ACCESS_KEY: 'not-the-secret' }, 4, /cannot list s3:\/\/qml-test\/market\/data: SignatureDoesNotMatch/],
        [['validate', '--data-dir', remote], { ...env(), AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }, 4, /cannot list s3:\/\/qml-test\/market\/data: .*(ECONNREFUSED|connect)/],
        [['list', '--data-dir', 's3://Bad_Bucket'], env(), 2, /not a folder path or an S3 location/],
        [['clean-up', '--data-dir', remote], env(), 2, /clean-up works on a local data folder, not a bucket/],
        [['liquidations', 'list', '--data-dir', remote], env(), 2, /the liquidation recorder works on a local data folder, not a bucket/],
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

  describe('stores built and updated in a bucket (build, update --data-dir s3://…)', () => {
    const remote = `s3://${Bucket}/written`;
    const T0 = Date.parse('2026-06-01T05:00:00Z');
    const env = () => ({ AWS_ENDPOINT_URL: gw.endpoint, AWS_ACCESS_KEY_ID: gw.accessKeyId, AWS_SECRET_ACCESS_KEY: gw.secretAccessKey, AWS_REGION: 'us-east-1', XDG_CACHE_HOME: cache });
    let cache: string;
    let sim: Awaited<ReturnType<typeof startSim>>;
    const d = recordOf('ohlcv')!.descriptor;
    /** A store in the bucket, downloaded and read as a file. */
    const fromBucket = async (key: string) => {
      const bytes = await (await s3.send(new GetObjectCommand({ Bucket, Key: key }))).Body!.transformToByteArray();
      const file = join(await tempDir('qml-s3-get-'), 'store.parquet');
      await writeFile(file, bytes);
      return (await readStoreColumns(d, file)).columns as Record<string, Float64Array>;
    };
    const same = (a: Record<string, Float64Array>, b: Record<string, Float64Array>) => {
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      for (const k of Object.keys(b)) expect(Buffer.from(a[k]!.buffer).equals(Buffer.from(b[k]!.buffer)), k).toBe(true);
    };
    beforeAll(async () => {
      cache = await tempDir('qml-s3-cache-');
      sim = await startSim({ port: 0, now: T0, seed: 8, symbols: ['BTC/USDT', 'ETH/USDT'] });
    });
    afterAll(async () => { await sim?.close(); });

    it('build writes the same stores into the bucket as into a folder; update there equals a fresh build', async () => {
      const args = (dir: string) => ['build', '--symbol', 'BTC/USDT:USDT,ETH/USDT', '--timeframes', '1h', '--days', '10', ...simArgs(sim.url, dir)];
      const local = await tempDir('qml-s3-ref-');
      const [a, b] = [await runBinary(args(remote), env()), await runBinary(args(local))];
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expect(a.stdout).toContain(`${remote}/binance/BTC_USDT_USDT/1h_master.parquet`);
      same(await fromBucket('written/binance/BTC_USDT_USDT/1h_master.parquet'), (await readStoreColumns(d, join(local, 'binance/BTC_USDT_USDT/1h_master.parquet'))).columns as Record<string, Float64Array>);
      // no lock left behind; nothing of the run's own state in the bucket
      const keys = (await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'written/' }))).Contents!.map((c) => c.Key!).sort();
      expect(keys).toEqual(['written/binance/BTC_USDT_USDT/1h_master.parquet', 'written/binance/ETH_USDT/1h_master.parquet']);
      // two days later: update in the bucket ≡ a fresh build to the same end
      sim.setNow(T0 + 2 * 86_400_000);
      const u = await runBinary(['update', '--json', '--data-dir', remote, '--api-url', sim.url], env());
      expect(u.code, u.stderr).toBe(0);
      const fresh = await tempDir('qml-s3-fresh-');
      const f = await runBinary(['build', '--symbol', 'BTC/USDT:USDT,ETH/USDT', '--timeframes', '1h', '--since', new Date(Date.parse('2026-05-22T05:00:00Z')).toISOString(), ...simArgs(sim.url, fresh)]);
      expect(f.code, f.stderr).toBe(0);
      for (const s of ['BTC_USDT_USDT', 'ETH_USDT']) same(await fromBucket(`written/binance/${s}/1h_master.parquet`), (await readStoreColumns(d, join(fresh, `binance/${s}/1h_master.parquet`))).columns as Record<string, Float64Array>);
    }, 120_000);

    it('an update appends to a large store without uploading it again: the stored bytes are copied inside the gateway (a 2-part multipart object), equal to a fresh build', async () => {
      const big = await startSim({ port: 0, now: T0, seed: 8, symbols: ['SOL/USDT'] });
      try {
        const since = '2025-10-15';
        const b = await runBinary(['build', '--symbol', 'SOL/USDT', '--timeframes', '1m', '--since', since, ...simArgs(big.url, remote)], env());
        expect(b.code, b.stderr).toBe(0);
        const key = 'written/binance/SOL_USDT/1m_master.parquet';
        const before = await s3.send(new HeadObjectCommand({ Bucket, Key: key }));
        expect(before.ContentLength!).toBeGreaterThan(5 * MiB); // large enough for a copied part
        big.setNow(T0 + 86_400_000);
        const u = await runBinary(['update', '--symbol', 'SOL/USDT', '--timeframes', '1m', '--json', '--data-dir', remote, '--api-url', big.url], env());
        expect(u.code, u.stderr).toBe(0);
        expect((JSON.parse(u.stdout) as { stores: { write?: string }[] }).stores[0]!.write).toBe('append');
        const after = await s3.send(new HeadObjectCommand({ Bucket, Key: key }));
        expect(after.ETag).toMatch(/-2"$/); // a multipart object of 2 parts: the copied bytes and the new ones
        const fresh = await tempDir('qml-s3-fresh-');
        const f = await runBinary(['build', '--symbol', 'SOL/USDT', '--timeframes', '1m', '--since', since, ...simArgs(big.url, fresh)]);
        expect(f.code, f.stderr).toBe(0);
        same(await fromBucket(key), (await readStoreColumns(d, join(fresh, 'binance/SOL_USDT/1m_master.parquet'))).columns as Record<string, Float64Array>);
      } finally {
        await big.close();
      }
    }, 150_000);

    it('a store locked by a live writer is refused naming it; a lock whose lease has expired is taken over and removed', async () => {
      const lockKey = 'written/binance/ETH_USDT/1h_master.parquet.lock';
      const lock = (leaseUntil: number) => JSON.stringify({ owner: 'someone', pid: 4242, host: 'other-machine', startedAt: new Date().toISOString(), leaseUntil: new Date(leaseUntil).toISOString() });
      await s3.send(new PutObjectCommand({ Bucket, Key: lockKey, Body: lock(Date.now() + 600_000) }));
      sim.setNow(T0 + 3 * 86_400_000);
      const args = ['update', '--symbol', 'ETH/USDT', '--data-dir', remote, '--api-url', sim.url];
      const held = await runBinary(args, env());
      expect(held.code, held.stderr).toBe(4); // the one store failed on its lock: a store error
      expect(held.stdout + held.stderr).toMatch(/being written by process 4242 on other-machine/);
      await s3.send(new PutObjectCommand({ Bucket, Key: lockKey, Body: lock(Date.now() - 1_000) }));
      const took = await runBinary(args, env());
      expect(took.code, took.stderr).toBe(0);
      expect(took.stdout).toMatch(/written\s+ETH\/USDT 1h/);
      expect(await status(s3.send(new HeadObjectCommand({ Bucket, Key: lockKey })))).toBe(404);
    }, 120_000);
  });
});
