import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordOf } from '../../src/datasets/registry.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { readStoreColumns } from '../../src/store/store-read.js';
import type { Universe } from '../../src/universe/refresh-universe.js';
import { ROOT } from '../helpers/fixtures.js';
import { HAVE_CEPH, startCephGateway, type CephGateway } from '../helpers/ceph.js';
import { runBinary, tempDir } from '../helpers/cli.js';
import { PG_PASSWORD, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { PYTHON, python } from '../helpers/python.js';

/**
 * Several writers, one bucket (issue 25): collectors splitting the universe (`collect --shard K/N`), two
 * processes updating one store at once, writers killed with SIGKILL at chosen steps of the S3 protocol and
 * run again, and the commands that read a bucket to write elsewhere (export, db sync) or write into one
 * (import). Every process is the real binary; every request goes through a proxy in front of Ceph's gateway
 * that records it and can kill the writer at a chosen request.
 */
const NOW = Date.parse('2026-11-20T00:30:00Z');
const DAY = 86_400_000;
const Bucket = 'qml-shared';
const d = recordOf('ohlcv')!.descriptor;

interface Seen { method: string; key: string; query: string; status?: number }
/** Kill the writer at a request: before the gateway sees it, or after the gateway has done it (the writer never hears back). */
interface KillAt { match: (r: Seen) => boolean; when: 'before' | 'after'; child: () => ChildProcess | undefined; done?: boolean }

describe.skipIf(!HAVE_CEPH)('several writers on one bucket (Ceph\'s S3 gateway)', () => {
  let gw: CephGateway;
  let s3: S3Client;
  let proxy: Server;
  let endpoint: string;
  let sim: RunningSim;
  const seen: Seen[] = [];
  let killAt: KillAt | undefined;

  beforeAll(async () => {
    [gw, sim] = await Promise.all([startCephGateway(), startSim({ port: 0, now: NOW, seed: 4, universe: true })]);
    s3 = new S3Client({ endpoint: gw.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey } });
    await s3.send(new CreateBucketCommand({ Bucket }));
    proxy = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const r: Seen = { method: req.method ?? '', key: decodeURIComponent(url.pathname.replace(/^\/[^/]+\/?/, '')), query: url.search };
      seen.push(r);
      const k = killAt && !killAt.done && killAt.match(r) ? killAt : undefined;
      if (k) k.done = true;
      const kill = async () => {
        const child = k!.child();
        if (child && child.exitCode === null) {
          child.kill('SIGKILL');
          await once(child, 'exit');
        }
        res.destroy();
      };
      if (k?.when === 'before') {
        void kill();
        return;
      }
      const up = request(`${gw.endpoint}${req.url}`, { method: req.method, headers: req.headers }, (u) => {
        r.status = u.statusCode;
        if (k) {
          u.resume();
          u.on('end', () => void kill());
          return;
        }
        res.writeHead(u.statusCode ?? 502, u.headers);
        u.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    endpoint = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  }, 150_000);
  afterAll(async () => {
    proxy?.close();
    s3?.destroy();
    await Promise.all([gw?.stop(), sim?.close()]);
  });

  /** The environment of a "machine": its own local state folder (checkpoints, caches) and this bucket's gateway. */
  const machine = async () => ({
    AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: gw.accessKeyId, AWS_SECRET_ACCESS_KEY: gw.secretAccessKey, AWS_REGION: 'us-east-1',
    XDG_CACHE_HOME: await tempDir('qml-machine-'),
  });
  const keys = async (prefix: string) => {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken: token }));
      out.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort();
  };
  const columnsOf = async (file: string) => (await readStoreColumns(d, file)).columns as Record<string, Float64Array>;
  const fromBucket = async (key: string) => {
    const file = join(await tempDir('qml-get-'), 'store.parquet');
    await writeFile(file, await (await s3.send(new GetObjectCommand({ Bucket, Key: key }))).Body!.transformToByteArray());
    return columnsOf(file);
  };
  const expectSame = (a: Record<string, Float64Array>, b: Record<string, Float64Array>, what: string) => {
    expect(Object.keys(a).sort(), what).toEqual(Object.keys(b).sort());
    expect(a['time']!.length, what).toBeGreaterThan(0);
    for (const k of Object.keys(b)) expect(Buffer.from(a[k]!.buffer).equals(Buffer.from(b[k]!.buffer)), `${what} ${k}`).toBe(true);
  };
  /** Writes of an object: a PUT (whole, or a part of a multipart upload) or a multipart upload's completion. */
  const writesOf = (key: string) => seen.filter((r) => r.key === key && (r.method === 'PUT' || (r.method === 'POST' && r.query.includes('uploadId')))).length;

  it('two collectors split one universe (collect --shard 1/2 and 2/2, at once); a third machine\'s validate finds every store complete, each written once; status shows both shards', async () => {
    const prefix = 'team';
    const args = ['collect', '--size', '12', '--days', '3', '--json', '--api-url', sim.url, '--data-dir', `s3://${Bucket}/${prefix}`];
    const [m1, m2, m3] = [await machine(), await machine(), await machine()];
    const [a, b] = await Promise.all([runBinary([...args, '--shard', '1/2'], m1), runBinary([...args, '--shard', '2/2'], m2)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const [sa, sb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    // every member is one shard's: the two shares add up to the universe, and each built only its own
    expect(sa.universe.members).toBe(12);
    expect(sa.universe.shard.members + sb.universe.shard.members).toBe(12);
    expect(Math.min(sa.universe.shard.members, sb.universe.shard.members)).toBeGreaterThan(0);
    expect([sa.stores.built, sb.stores.built]).toEqual([sa.universe.shard.members, sb.universe.shard.members]);
    // one universe in force, read from the bucket; its members are exactly the stores there
    const universe = JSON.parse(new TextDecoder().decode(await (await s3.send(new GetObjectCommand({ Bucket, Key: `${prefix}/binance/universe/current.json` }))).Body!.transformToByteArray())) as Universe;
    const storeKeys = (await keys(`${prefix}/`)).filter((k) => k.endsWith('.parquet'));
    expect(storeKeys).toEqual(universe.members.map((m) => `${prefix}/binance/${m.market.replace(/[/:]/g, '_')}/5m_master.parquet`).sort());
    // nothing written twice: each store was put once, by one shard; no lock left
    for (const k of storeKeys) expect(writesOf(k), k).toBe(1);
    expect((await keys(`${prefix}/`)).filter((k) => k.endsWith('.lock'))).toEqual([]);
    // a third machine reads the bucket: every store complete
    const v = await runBinary(['validate', '--json', '--now', new Date(NOW).toISOString(), '--data-dir', `s3://${Bucket}/${prefix}`], m3);
    expect(v.code, v.stderr).toBe(0);
    const report = JSON.parse(v.stdout) as { stores: { status: string; rows: number }[] };
    expect(report.stores).toHaveLength(12);
    expect(report.stores.every((s) => s.status === 'ok' && s.rows === 3 * 288)).toBe(true);
    // status shows each shard with its own stores; together they are the universe, apart they share none
    const st = await runBinary(['status', '--json', '--data-dir', `s3://${Bucket}/${prefix}`], m3);
    expect(st.code, st.stderr).toBe(0);
    const shards = (JSON.parse(st.stdout) as { collect: { exchange: string; shard?: { k: number; n: number }; stores: Record<string, { symbol: string }> }[] }).collect;
    expect(shards.map((s) => [s.exchange, s.shard])).toEqual([['binance', { k: 1, n: 2 }], ['binance', { k: 2, n: 2 }]]);
    const [x, y] = shards.map((s) => Object.values(s.stores).map((e) => e.symbol));
    expect([...x!, ...y!].sort()).toEqual(universe.members.map((m) => m.market).sort());
    // the bucket named by the environment, as a cron job would set it
    const text = await runBinary(['status'], { ...m3, QML_DATA_DIR: `s3://${Bucket}/${prefix}` });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^binance shard 1\/2:$/m);
    expect(text.stdout).toMatch(/^binance shard 2\/2:$/m);
    // the stores equal an unsharded collect into a local folder, value for value
    const local = await tempDir('qml-collect-ref-');
    const ref = await runBinary(['collect', '--size', '12', '--days', '3', '--api-url', sim.url, '--data-dir', local]);
    expect(ref.code, ref.stderr).toBe(0);
    for (const k of storeKeys) expectSame(await fromBucket(k), await columnsOf(join(local, k.slice(prefix.length + 1))), k);
  }, 180_000);

  it.skipIf(!PYTHON)('pandas (through pyarrow\'s S3 filesystem) and polars read a store straight from the bucket: UTC nanosecond times, the values stored', async () => {
    const prefix = 'team';
    const key = (await keys(`${prefix}/`)).find((k) => k.endsWith('5m_master.parquet'));
    expect(key, 'the shard test wrote stores').toBeDefined();
    const seenBy = JSON.parse(await python('read-from-bucket.py', [gw.endpoint, gw.accessKeyId, gw.secretAccessKey, `${Bucket}/${key!}`])) as {
      pandas_dtypes: Record<string, string>; polars_schema: Record<string, string>; time_ms: number[]; close: number[]; polars_close: number[];
    };
    expect(seenBy.pandas_dtypes['time']).toBe('datetime64[ns, UTC]');
    expect(seenBy.pandas_dtypes['Close']).toBe('float64');
    expect(seenBy.polars_schema['time']).toMatch(/^Datetime\(time_unit='ns', time_zone='UTC'\)$/);
    const ours = await fromBucket(key!);
    expect(seenBy.time_ms).toEqual(Array.from(ours['time']!));
    expect(seenBy.close).toEqual(Array.from(ours['close']!));
    expect(seenBy.polars_close).toEqual(Array.from(ours['close']!));
  }, 60_000);

  it('two processes updating the same store at once: without a wait one refuses naming the other, with one it waits; no row is lost either way', async () => {
    const prefix = 'race';
    const remote = `s3://${Bucket}/${prefix}`;
    const m = await machine();
    const build = await runBinary(['build', '--symbol', 'ETH/USDT', '--timeframes', '1m', '--days', '4', '--api-url', sim.url, '--data-dir', remote], m);
    expect(build.code, build.stderr).toBe(0);
    const key = `${prefix}/binance/ETH_USDT/1m_master.parquet`;
    const update = (env: Record<string, string>, config?: string) => runBinary(['update', '--json', '--api-url', sim.url, '--data-dir', remote, ...(config ? ['--config', config] : [])], env);
    const fresh = async () => {
      const dir = await tempDir('qml-race-ref-');
      const f = await runBinary(['build', '--symbol', 'ETH/USDT', '--timeframes', '1m', '--since', new Date(NOW - 4 * DAY).toISOString(), '--api-url', sim.url, '--data-dir', dir]);
      expect(f.code, f.stderr).toBe(0);
      return columnsOf(join(dir, 'binance/ETH_USDT/1m_master.parquet'));
    };
    sim.setNow(NOW + DAY / 2);
    const [p, q] = await Promise.all([update(await machine()), update(await machine())]);
    const codes = [p.code, q.code].sort();
    expect(codes, p.stderr + q.stderr).toEqual([0, 4]);
    expect((p.code === 4 ? p : q).stdout + (p.code === 4 ? p : q).stderr).toMatch(/is being written by process \d+ on /);
    expectSame(await fromBucket(key), await fresh(), 'after the race without a wait');
    // with a wait for the lock (lock_wait_ms), the second waits for the first, then finds nothing left to fetch
    sim.setNow(NOW + DAY);
    const config = join(await tempDir('qml-race-cfg-'), 'wait.yaml');
    await writeFile(config, 'lock_wait_ms: 60000\n');
    const both = await Promise.all([update(await machine(), config), update(await machine(), config)]);
    for (const r of both) expect(r.code, r.stderr).toBe(0);
    const writes = both.map((r) => (JSON.parse(r.stdout) as { stores: { status: string }[] }).stores[0]!.status).sort();
    expect(writes).toEqual(['up-to-date', 'written']);
    expectSame(await fromBucket(key), await fresh(), 'after the race with a wait');
    sim.setNow(NOW);
  }, 180_000);

  it('a writer killed with SIGKILL at chosen steps (its lock taken, a store being put, a store put but unanswered, an update put) leaves only readable stores, and a rerun ends with every store complete and no lock', async () => {
    // each moment on a bucket folder of its own
    let prefix = 'killed';
    const remote = () => `s3://${Bucket}/${prefix}`;
    const m = await machine();
    const symbols = ['BTC/USDT:USDT', 'ETH/USDT', 'SOL/USDT'];
    const buildArgs = () => ['build', '--symbol', symbols.join(','), '--timeframes', '5m', '1h', '--days', '20', '--api-url', sim.url, '--data-dir', remote()];
    const ref = await tempDir('qml-kill-ref-');
    const r = await runBinary(['build', '--symbol', symbols.join(','), '--timeframes', '5m', '1h', '--since', new Date(NOW - 20 * DAY).toISOString(), '--api-url', sim.url, '--data-dir', ref]);
    expect(r.code, r.stderr).toBe(0);
    const storeKey = (k: string) => k.endsWith('_master.parquet');
    /** Run the binary until the proxy kills it at `at`; returns its exit signal. */
    const killedRun = async (args: string[], at: Omit<KillAt, 'child' | 'done'>) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), ...args], { env: { ...process.env, QML_LOG_LEVEL: 'warn', QML_ARCHIVES: 'off', ...m }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (x) => { stderr += x; });
      killAt = { ...at, child: () => child };
      const [code, signal] = await once(child, 'exit') as [number | null, string | null];
      const fired = killAt.done;
      killAt = undefined;
      expect(fired, `the kill point was reached: ${stderr}`).toBe(true);
      return signal ?? code;
    };
    const readable = async () => {
      // every object in the bucket is a store any reader can open (or a lock object): nothing half-written
      for (const k of (await keys(`${prefix}/`)).filter(storeKey)) expect((await fromBucket(k))['time']!.length, k).toBeGreaterThan(0);
    };
    const rerunEqualsReference = async (args: string[]) => {
      const again = await runBinary(args, m);
      expect(again.code, again.stderr).toBe(0);
      const all = await keys(`${prefix}/`);
      expect(all.filter((k) => k.endsWith('.lock'))).toEqual([]);
      expect(all.filter(storeKey)).toHaveLength(6);
      for (const k of all.filter(storeKey)) expectSame(await fromBucket(k), await columnsOf(join(ref, k.slice(prefix.length + 1))), k);
    };
    const isStorePut = (x: Seen) => x.method === 'PUT' && x.key.startsWith(`${prefix}/`) && storeKey(x.key);
    const moments: [string, Omit<KillAt, 'child' | 'done'>][] = [
      ['its first lock taken', { match: (x) => x.method === 'PUT' && x.key.startsWith(`${prefix}/`) && x.key.endsWith('.lock'), when: 'after' }],
      ['a store\'s put on its way', { match: isStorePut, when: 'before' }],
      ['a store put by the gateway, the answer never received', { match: isStorePut, when: 'after' }],
    ];
    for (const [i, [moment, at]] of moments.entries()) {
      prefix = `killed-${i}`;
      expect(await killedRun(buildArgs(), at), moment).toBe('SIGKILL');
      await readable();
      // locks of the killed process are left (it could not remove them) and hold nothing up: the rerun on this
      // machine sees their owner is gone
      await rerunEqualsReference(buildArgs());
    }
    // an update killed after the gateway took its new version: the rerun finds it stored and adds nothing twice
    sim.setNow(NOW + DAY / 4);
    const updateArgs = ['update', '--api-url', sim.url, '--data-dir', remote()];
    expect(await killedRun(updateArgs, { match: isStorePut, when: 'after' }), 'an update put').toBe('SIGKILL');
    await readable();
    const refUpdate = await runBinary(['update', '--api-url', sim.url, '--data-dir', ref]);
    expect(refUpdate.code, refUpdate.stderr).toBe(0);
    await rerunEqualsReference(updateArgs);
    sim.setNow(NOW);
  }, 240_000);

  it('export and db sync read a bucket as they read a folder; import writes into one', async () => {
    const prefix = 'io';
    const remote = `s3://${Bucket}/${prefix}`;
    const m = await machine();
    const local = await tempDir('qml-io-local-');
    const args = (dir: string) => ['build', '--symbol', 'BTC/USDT:USDT,ETH/USDT', '--timeframes', '1h', '--days', '5', '--api-url', sim.url, '--data-dir', dir];
    for (const dir of [remote, local]) {
      const b = await runBinary(args(dir), m);
      expect(b.code, b.stderr).toBe(0);
      const f = await runBinary(['build', '--symbol', 'BTC/USDT:USDT', '--datasets', 'funding', '--days', '5', '--api-url', sim.url, '--data-dir', dir], m);
      expect(f.code, f.stderr).toBe(0);
    }
    // export: the same CSV from the bucket as from the folder
    const [outA, outB] = [await tempDir('qml-io-exp-'), await tempDir('qml-io-exp-')];
    const ea = await runBinary(['export', '--combined', '--out', join(outA, 'all.csv'), '--data-dir', remote], m);
    const eb = await runBinary(['export', '--combined', '--out', join(outB, 'all.csv'), '--data-dir', local], m);
    expect(ea.code, ea.stderr).toBe(0);
    expect(eb.code, eb.stderr).toBe(0);
    const csv = await readFile(join(outA, 'all.csv'), 'utf8');
    expect(csv.split('\n').length).toBeGreaterThan(2 * 4 * 24); // two stores of 5 days of 1h
    expect(csv).toBe(await readFile(join(outB, 'all.csv'), 'utf8'));
    // import: a file into the bucket makes the store a folder gets from it
    const perStore = await tempDir('qml-io-one-');
    const e1 = await runBinary(['export', '--symbol', 'ETH/USDT', '--out', perStore, '--data-dir', local], m);
    expect(e1.code, e1.stderr).toBe(0);
    const file = join(perStore, 'binance', 'ETH_USDT-1h.csv');
    const into = await tempDir('qml-io-imp-');
    const [ia, ib] = [await runBinary(['import', file, '--data-dir', `s3://${Bucket}/imported`], m), await runBinary(['import', file, '--data-dir', into], m)];
    expect(ia.code, ia.stderr).toBe(0);
    expect(ib.code, ib.stderr).toBe(0);
    expectSame(await fromBucket('imported/binance/ETH_USDT/1h_master.parquet'), await columnsOf(join(into, 'binance/ETH_USDT/1h_master.parquet')), 'imported');
    // db sync: the bucket's stores into one database, the folder's into another: the same rows
    const pg: TestPostgres = await startPostgres();
    try {
      const [dbA, dbB] = [await pg.database('from_bucket'), await pg.database('from_folder')];
      for (const [db, dir] of [[dbA, remote], [dbB, local]] as const) {
        const i = await runBinary(['db', 'init', '--db-url', db], m);
        expect(i.code, i.stderr).toBe(0);
        const s = await runBinary(['db', 'sync', '--db-url', db, '--data-dir', dir], m);
        expect(s.code, s.stderr).toBe(0);
        expect(s.stdout + s.stderr).not.toContain(PG_PASSWORD);
      }
      for (const table of ['ohlcv', 'funding']) {
        const q = `SELECT * FROM ${table} ORDER BY 1, 2, 3, 4`;
        const [x, y] = [(await pg.sql(dbA, q)).rows, (await pg.sql(dbB, q)).rows];
        expect(x.length, table).toBeGreaterThan(0);
        expect(x, table).toEqual(y);
      }
    } finally {
      await pg.stop();
    }
  }, 240_000);
});
