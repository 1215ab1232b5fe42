import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import { promisify } from 'node:util';
import { createInflateRaw, inflateRaw, type ZlibOptions } from 'node:zlib';
import { UsageError } from '../core/errors.js';
import { compressionRegistry, CompressionType, tableFromIPC, type Table } from 'apache-arrow';
import lz4 from 'lz4js';
import { finish, parseCandleText, type ParsedCandles, type ParseOptions } from './parse-candles.js';
import { KlineCsvReader } from './kline-csv.js';
import type { CandleFrame } from '../core/frame.js';
import type { BufferPool } from '../core/buffer-pool.js';

/**
 * The bytes of the CSV inside a zip. A single deflated (or stored) entry, as exchange archives are, is
 * inflated by Node's zlib (native: several times fflate's JavaScript inflate) on libuv's thread pool, so a
 * run reading many archives inflates one file while it parses and writes others; any other zip by fflate.
 */
export async function csvBytesOfZip(zip: Uint8Array, name: string): Promise<Uint8Array> {
  const one = csvEntry(zip);
  if (one) {
    try {
      const out = one.method === 0 ? one.data : await inflateRawAsync(one.data, inflateOptions(one.unpacked));
      if (out.length === one.unpacked) return out;
    } catch {
      // not what the directory says: fflate reads it, or says why it cannot
    }
  }
  return csvOfAnyZip(zip, name);
}

/** The zip's CSV as text. */
export async function csvTextOfZip(zip: Uint8Array, name: string): Promise<string> {
  return new TextDecoder().decode(await csvBytesOfZip(zip, name));
}

/**
 * The candles of a kline archive zip in the strict shape (kline-csv.ts), inflated piece by piece on libuv's
 * thread pool and parsed as the pieces come: the file's CSV is never held whole (a month of 1m candles is
 * 4 MB of text, 512 KiB pieces here).
 * `pool`: the candles' columns are lent by it (their owner gives them back).
 * Undefined when the zip is not one deflated or stored CSV, does not inflate to the size its directory
 * gives, or its CSV is not the strict shape: the caller then reads it whole (csvBytesOfZip) with the
 * general parser, which also says what is wrong.
 */
export async function klineCandlesOfZip(zip: Uint8Array, pool?: BufferPool): Promise<CandleFrame | undefined> {
  const one = csvEntry(zip);
  if (!one) return undefined;
  const reader = new KlineCsvReader(one.unpacked, pool);
  if (one.method === 0) return one.data.length === one.unpacked && reader.push(one.data) ? reader.finish() : undefined;
  const inflated = await new Promise<boolean>((resolve) => {
    const z = createInflateRaw({ chunkSize: INFLATE_PIECE });
    let total = 0;
    z.on('data', (piece: Buffer) => {
      total += piece.length;
      if (!reader.push(piece)) {
        resolve(false);
        z.destroy();
      }
    });
    z.on('error', () => resolve(false));
    z.on('end', () => resolve(total === one.unpacked));
    z.end(one.data);
  });
  return inflated ? reader.finish() : undefined;
}

const INFLATE_PIECE = 512 * 1024;

const inflateRawAsync = promisify(inflateRaw) as (data: Uint8Array, o: ZlibOptions) => Promise<Buffer>;

/** The zip's only entry when it is a CSV: its compressed bytes. */
function csvEntry(zip: Uint8Array): { method: number; data: Uint8Array; unpacked: number } | undefined {
  const one = singleEntry(zip);
  if (!one || !one.name.toLowerCase().endsWith('.csv')) return undefined;
  return { method: one.method, data: zip.subarray(one.start, one.start + one.size), unpacked: one.unpacked };
}

/** Any zip holding a CSV, through fflate. */
function csvOfAnyZip(zip: Uint8Array, name: string): Uint8Array {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (e) {
    throw new UsageError(`${name} is not a readable zip (${(e as Error).message})`);
  }
  const csv = Object.entries(files).find(([n]) => n.toLowerCase().endsWith('.csv'));
  if (!csv) throw new UsageError(`${name} holds no .csv file`);
  return csv[1];
}

/**
 * Inflate into one chunk of the size the zip's directory gives (up to 1 GiB): no joining of 16 KiB pieces,
 * twice as fast as the default. A directory that lies only costs the default's speed or a short read.
 */
function inflateOptions(unpacked: number): { chunkSize?: number } {
  return unpacked > 0 && unpacked <= 1 << 30 ? { chunkSize: Math.max(64, unpacked + 64) } : {};
}

/** A zip's only entry, from its central directory: name, method (0 stored, 8 deflate), where its data lies. */
function singleEntry(zip: Uint8Array): { name: string; method: number; start: number; size: number; unpacked: number } | undefined {
  if (zip.length < 22) return undefined;
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.length - 22; // the end record without a comment
  if (v.getUint32(end, true) !== 0x06054b50 || v.getUint16(end + 10, true) !== 1) return undefined;
  const cd = v.getUint32(end + 16, true);
  if (cd + 46 > zip.length || v.getUint32(cd, true) !== 0x02014b50) return undefined;
  const method = v.getUint16(cd + 10, true);
  const size = v.getUint32(cd + 20, true);
  const unpacked = v.getUint32(cd + 24, true);
  const nameLength = v.getUint16(cd + 28, true);
  const local = v.getUint32(cd + 42, true);
  if ((method !== 0 && method !== 8) || local + 30 > zip.length || v.getUint32(local, true) !== 0x04034b50) return undefined;
  const start = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
  if (start + size > zip.length) return undefined;
  return { name: new TextDecoder().decode(zip.subarray(cd + 46, cd + 46 + nameLength)), method, start, size, unpacked };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A candle file from disk: CSV, freqtrade JSON, or a zip holding a CSV (an exchange archive), checked
 * against its `.CHECKSUM` (sha256, as published beside each archive zip) when that file is there.
 */
export async function readCandleFile(path: string, o: ParseOptions = {}): Promise<ParsedCandles & { checksum?: 'verified' }> {
  if (/\.feather$/i.test(path)) return parseFeather(await readFile(path), path);
  if (!/\.zip$/i.test(path)) return parseCandleText(await readFile(path, 'utf8'), path, o);
  const zip = await readFile(path);
  const sum = await readFile(`${path}.CHECKSUM`, 'utf8').catch(() => undefined);
  if (sum !== undefined) {
    const want = sum.trim().split(/\s+/)[0];
    if (sha256(zip) !== want) throw new UsageError(`${path} does not match ${path}.CHECKSUM (sha256 ${sha256(zip)}, expected ${want}); nothing imported`);
  }
  return { ...parseCandleText(await csvTextOfZip(zip, path), path, o), ...(sum !== undefined ? { checksum: 'verified' as const } : {}) };
}

const UNIT_MS = [1000, 1, 1e-3, 1e-6]; // Arrow's TimeUnit: SECOND, MILLISECOND, MICROSECOND, NANOSECOND
let lz4Registered = false;

/**
 * freqtrade's feather files (its default data format): an Arrow IPC file with `date` (a UTC timestamp),
 * `open`, `high`, `low`, `close`, `volume`, LZ4-compressed as pandas/pyarrow write them.
 */
export function parseFeather(bytes: Uint8Array, name: string): ParsedCandles {
  if (!lz4Registered) {
    compressionRegistry.set(CompressionType.LZ4_FRAME, { decode: (d) => lz4.decompress(d) });
    lz4Registered = true;
  }
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new UsageError(`${name} is not a readable feather file (${(e as Error).message})`);
  }
  const col = (n: string) => table.getChild(n);
  const missing = ['date', 'open', 'high', 'low', 'close', 'volume'].filter((n) => !col(n));
  if (missing.length > 0) throw new UsageError(`${name}: no ${missing.join(', ')} column (expected freqtrade's date, open, high, low, close, volume)`);
  const dateField = table.schema.fields.find((f) => f.name === 'date')!;
  const unit = (dateField.type as { unit?: number }).unit;
  if (unit === undefined) throw new UsageError(`${name}: its date column is not a timestamp`);
  const scale = UNIT_MS[unit]!;
  const dates = col('date')!.toArray() as ArrayLike<number | bigint>;
  const values = ['open', 'high', 'low', 'close', 'volume'].map((n) => col(n)!.toArray() as ArrayLike<number>);
  const rows: number[][] = [];
  for (let i = 0; i < table.numRows; i++) rows.push([Math.round(Number(dates[i]) * scale), ...values.map((v) => Number(v[i]))]);
  return finish(rows, 'freqtrade-feather', ['arrow-timestamp']);
}
