import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's Ceph binaries a gateway needs (`.ci/run` installs them when absent). */
export const CEPH_BINARIES = ['/usr/bin/ceph-mon', '/usr/bin/ceph-osd', '/usr/bin/radosgw', '/usr/bin/radosgw-admin', '/usr/bin/ceph', '/usr/bin/ceph-authtool', '/usr/bin/monmaptool'];
export const HAVE_CEPH = CEPH_BINARIES.every((b) => existsSync(b));

/** A running S3 gateway: where it answers, a user's keys, and how to stop it. */
export interface CephGateway {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * A one-machine Ceph in a temporary folder (for the tests and `npm run bench -- s3`): one monitor, one in-memory OSD (memstore), the RADOS Gateway
 * (beast) on a free loopback port, cephx keys of their own, and an S3 user. Daemons run in the foreground as
 * children of this process; `stop` kills them and removes the folder. About 15 s to come up.
 */
export async function startCephGateway(o: { readonly memstoreBytes?: number } = {}): Promise<CephGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'qml-ceph-'));
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = randomUUID();
  for (const d of ['mon', 'osd/ceph-0', 'run', 'log', 'rgw']) await mkdir(join(dir, d), { recursive: true });
  const conf = join(dir, 'ceph.conf');
  await writeFile(conf, `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
keyring = ${dir}/admin.keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
run dir = ${dir}/run
log file = ${dir}/log/$name.log
admin socket = ${dir}/run/$name.asok
osd objectstore = memstore
memstore device bytes = ${o.memstoreBytes ?? 1 << 30}
osd data = ${dir}/osd/$cluster-$id
mon data = ${dir}/mon/$cluster-$id
[client.rgw]
keyring = ${dir}/rgw.keyring
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
`);
  const children: ChildProcess[] = [];
  const daemon = (bin: string, args: string[]) => {
    const c = spawn(bin, ['-f', '-c', conf, ...args], { stdio: 'ignore' });
    children.push(c);
    return c;
  };
  const ceph = (args: string[]) => run('/usr/bin/ceph', ['-c', conf, '--connect-timeout', '20', ...args], { timeout: 30_000 });
  const stop = async () => {
    for (const c of children) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run('/usr/bin/ceph-authtool', ['--create-keyring', join(dir, 'mon.keyring'), '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await run('/usr/bin/ceph-authtool', ['--create-keyring', join(dir, 'admin.keyring'), '--gen-key', '-n', 'client.admin', '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mgr', 'allow *']);
    await run('/usr/bin/ceph-authtool', [join(dir, 'mon.keyring'), '--import-keyring', join(dir, 'admin.keyring')]);
    await run('/usr/bin/monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, '--fsid', fsid, join(dir, 'monmap')]);
    await run('/usr/bin/ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '--keyring', join(dir, 'mon.keyring')]);
    daemon('/usr/bin/ceph-mon', ['-i', 'a']);
    const osdUuid = randomUUID();
    const id = (await ceph(['osd', 'new', osdUuid])).stdout.trim();
    const osdKeyring = join(dir, `osd/ceph-${id}/keyring`);
    await mkdir(join(dir, `osd/ceph-${id}`), { recursive: true });
    await writeFile(osdKeyring, (await ceph(['auth', 'get-or-create', `osd.${id}`, 'mon', 'allow profile osd', 'osd', 'allow *', 'mgr', 'allow profile osd'])).stdout);
    await run('/usr/bin/ceph-osd', ['-c', conf, '-i', id, '--mkfs', '--osd-uuid', osdUuid, '--keyring', osdKeyring], { timeout: 60_000 });
    daemon('/usr/bin/ceph-osd', ['-i', id, '--keyring', osdKeyring]);
    await writeFile(join(dir, 'rgw.keyring'), (await ceph(['auth', 'get-or-create', 'client.rgw', 'mon', 'allow rw', 'osd', 'allow rwx'])).stdout);
    daemon('/usr/bin/radosgw', ['-n', 'client.rgw']);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    for (const end = Date.now() + 90_000; ; await sleep(250)) {
      const up = await fetch(endpoint, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() > end) throw new Error(`the Ceph gateway in ${dir} did not answer on ${endpoint} within 90 s (logs: ${dir}/log)`);
    }
    const [accessKeyId, secretAccessKey] = [`QML${randomUUID().replace(/-/g, '').slice(0, 17).toUpperCase()}`, randomUUID().replace(/-/g, '')];
    await run('/usr/bin/radosgw-admin', ['-c', conf, 'user', 'create', '--uid', 'qml', '--display-name', 'qml tests', '--access-key', accessKeyId, '--secret', secretAccessKey], { timeout: 60_000 });
    return { endpoint, accessKeyId, secretAccessKey, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
