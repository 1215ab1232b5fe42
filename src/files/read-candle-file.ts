import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import { UsageError } from '../core/errors.js';
import { parseCandleText, type ParsedCandles, type ParseOptions } from './parse-candles.js';

/** The CSV inside a zip (Binance's archives hold one). */
export function csvOfZip(zip: Uint8Array, name: string): string {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (e) {
    throw new UsageError(`${name} is not a readable zip (${(e as Error).message})`);
  }
  const csv = Object.entries(files).find(([n]) => n.toLowerCase().endsWith('.csv'));
  if (!csv) throw new UsageError(`${name} holds no .csv file`);
  return new TextDecoder().decode(csv[1]);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A candle file from disk: CSV, freqtrade JSON, or a zip holding a CSV (Binance's archives), checked
 * against its `.CHECKSUM` (sha256, as Binance publishes beside each zip) when that file is there.
 */
export async function readCandleFile(path: string, o: ParseOptions = {}): Promise<ParsedCandles & { checksum?: 'verified' }> {
  if (!/\.zip$/i.test(path)) return parseCandleText(await readFile(path, 'utf8'), path, o);
  const zip = await readFile(path);
  const sum = await readFile(`${path}.CHECKSUM`, 'utf8').catch(() => undefined);
  if (sum !== undefined) {
    const want = sum.trim().split(/\s+/)[0];
    if (sha256(zip) !== want) throw new UsageError(`${path} does not match ${path}.CHECKSUM (sha256 ${sha256(zip)}, expected ${want}); nothing imported`);
  }
  return { ...parseCandleText(csvOfZip(zip, path), path, o), ...(sum !== undefined ? { checksum: 'verified' as const } : {}) };
}
