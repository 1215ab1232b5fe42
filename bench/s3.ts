// The s3 section of `npm run bench`: the daily update of N stores of Y years × 1m (QML_BENCH_S3_STORES,
// default 100; QML_BENCH_S3_YEARS, default 5) in a bucket of Ceph's RADOS Gateway on this machine, next to the
// same update on local disk: time, and bytes sent to the gateway (counted by a proxy between the two).
import { createServer, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { cleanCandles } from '../src/clean/clean-candles.js';
import { candleColumns, type MasterFrame } from '../src/core/frame.js';
import { parseTimeframe } from '../src/core/timeframe.js';
import { extendMaster, OHLCV } from '../src/datasets/ohlcv.js';
import { wilderAtr } from '../src/indicators/wilder-atr.js';
import { aggregateBars } from '../src/sim/aggregate.js';
import { SyntheticSource } from '../src/sim/synthetic-source.js';
import { coinProfile } from '../src/sim/symbol-profiles.js';
import { masterPath } from '../src/store/store-path.js';
import { withStoreForWrite, type WriteIdentity } from '../src/store/store-writer.js';
import { HAVE_CEPH, startCephGateway } from './ceph-gateway.js';

const DAY = 86_400_000;
const M1 = parseTimeframe('1m');

function candles(base: string, from: number, to: number): MasterFrame {
  const src = new SyntheticSource({ seed: 1, profile: coinProfile(base), market: 'spot' });
  const f = cleanCandles(candleColumns(aggregateBars(src.bars(from, to), M1, src.units))).frame;
  return { ...f, atr: wilderAtr(f.high, f.low, f.close, 14) };
}

const id = (symbol: string): WriteIdentity => ({ exchange: 'binance', source: 'exchange', marketType: 'spot', symbol, timeframe: '1m', atrPeriod: 14 });

/** A day's new candles appended as update appends them: the stored tail and the new rows, through the one write path. */
async function appendDay(dir: string, symbol: string, from: number, to: number): Promise<void> {
  await withStoreForWrite<MasterFrame, void>(OHLCV, masterPath(dir, 'binance', symbol, '1m'), { symbol }, { waitMs: 0, erase: false }, async (h) => {
    const tail = await h.tail();
    if (!tail) throw new Error(`${symbol}: no tail to append to`);
    const fresh = candleColumns(candles(symbol.split('/')[0]!, from, to));
    const derived = extendMaster(tail.frame, fresh, 14);
    if (!derived) throw new Error(`${symbol}: not an append`);
    await h.extend(derived.frame, id(symbol));
  });
}

export async function s3Section(): Promise<void> {
  const n = Number(process.env['QML_BENCH_S3_STORES'] ?? 100);
  const years = Number(process.env['QML_BENCH_S3_YEARS'] ?? 5);
  if (!HAVE_CEPH) {
    console.log('\ns3: not measured (Debian\'s radosgw, ceph-mon and ceph-osd are not installed)');
    return;
  }
  const end = Date.parse('2026-11-20T00:00:00Z');
  const start = end - Math.round(years * 365) * DAY;
  const symbols = Array.from({ length: n }, (_, i) => `S${i}X/USDT`);
  // the OSD keeps every object in memory: room for the stores (about 27 bytes a candle) twice over
  const perStore = Math.round((end - start) / M1.ms);
  const gw = await startCephGateway({ memstoreBytes: Math.max(1 << 30, Math.ceil(n * perStore * 27 * 2)) });
  let rows = 0;
  // a proxy in front of the gateway counts the bytes qml-data sends it
  let sent = 0;
  const proxy = createServer((req, res) => {
    const up = request(`${gw.endpoint}${req.url}`, { method: req.method, headers: req.headers }, (r) => { res.writeHead(r.statusCode ?? 502, r.headers); r.pipe(res); });
    req.on('data', (c: Buffer) => { sent += c.length; });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const endpoint = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  Object.assign(process.env, { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: gw.accessKeyId, AWS_SECRET_ACCESS_KEY: gw.secretAccessKey, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const local = mkdtempSync(join(tmpdir(), 'qml-bench-s3-'));
  const bucket = 's3://qml-bench/data';
  try {
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey } });
    await s3.send(new CreateBucketCommand({ Bucket: 'qml-bench' }));
    s3.destroy();
    // one store at a time (years of 1m for many stores do not fit in memory at once)
    for (const s of symbols) {
      const frame = candles(s.split('/')[0]!, start, end);
      rows += frame.time.length;
      for (const dir of [local, bucket]) {
        await withStoreForWrite<MasterFrame, number>(OHLCV, masterPath(dir, 'binance', s, '1m'), { symbol: s }, { waitMs: 0, erase: false }, (h) => h.replace(frame, id(s)));
      }
    }
    const stored = sent;
    const day = async (dir: string) => {
      const t0 = Date.now();
      for (const s of symbols) await appendDay(dir, s, end, end + DAY);
      return Date.now() - t0;
    };
    const localMs = await day(local);
    sent = 0;
    const s3Ms = await day(bucket);
    console.log(`\nS3 (Ceph ${'16.2'} RADOS Gateway, one in-memory OSD, this machine): daily update of ${n} stores × ${years} y × 1m (${(rows / 1e6).toFixed(1)} M candles; ${(stored / 2 ** 20).toFixed(0)} MiB uploaded to fill the bucket)`);
    console.log(`  local disk: ${(localMs / 1000).toFixed(1)} s`);
    console.log(`  S3:         ${(s3Ms / 1000).toFixed(1)} s, ${(sent / 2 ** 20).toFixed(2)} MiB sent to the gateway (${(sent / n / 1024).toFixed(0)} KiB a store: the new row groups, the footer, the requests; the stored bytes are copied inside the gateway)`);
  } finally {
    proxy.close();
    await gw.stop();
    rmSync(local, { recursive: true, force: true });
  }
}
