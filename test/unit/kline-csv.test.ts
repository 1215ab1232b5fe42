import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { KlineCsvReader } from '../../src/files/kline-csv.js';
import { parseCandleText } from '../../src/files/parse-candles.js';
import { csvBytesOfZip, klineCandlesOfZip } from '../../src/files/read-candle-file.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { expectSameColumns } from '../helpers/same-columns.js';

/**
 * The archive's kline CSV parsed from its bytes gives exactly what the general parser gives, on a real
 * Binance file and on the shapes the archives take (header or none, ms or µs, long decimals); any other
 * shape is left to the general parser.
 */
const real = readFileSync(join(FIXTURES, 'btcusdt-usdm-1h-2019-09.patchtst.csv'), 'utf8');
const general = (text: string) => { const f = parseCandleText(text, 'test.csv').frame; return { time: f.time, open: f.open, high: f.high, low: f.low, close: f.close, volume: f.volume }; };
// a whole file as one piece
const fast = (text: string) => {
  const bytes = new TextEncoder().encode(text);
  const reader = new KlineCsvReader(bytes.length);
  return reader.push(bytes) ? reader.finish() : undefined;
};

describe('the kline archive CSV, parsed from its bytes', () => {
  it('equals the general parser on a real USDT-M kline file with its header (the 10000 placeholder bars included)', () => {
    const f = fast(real);
    expect(f?.time.length).toBe(300);
    expectSameColumns(f!, general(real));
  });

  it('equals it without a header, with times in µs, CRLF line ends and decimals past 15 digits', () => {
    const rows = real.trim().split('\n').slice(1).map((l) => l.split(','));
    const micros = rows.map((r) => [`${r[0]}000`, ...r.slice(1)].join(',')).join('\r\n');
    expectSameColumns(fast(micros)!, general(micros));
    const long = rows.map((r, i) => [r[0], `0.${'1234567890123456789'.slice(0, 10 + (i % 10))}`, '98765432109876543.21', r[3], r[4], r[5], ...r.slice(6)].join(',')).join('\n');
    expectSameColumns(fast(long)!, general(long));
  });

  it('leaves rows out of order, repeated times, seconds and empty fields to the general parser', () => {
    const rows = real.trim().split('\n').slice(1);
    expect(fast([rows[1], rows[0], ...rows.slice(2)].join('\n'))).toBeUndefined();
    expect(fast([rows[0], rows[0]].join('\n'))).toBeUndefined();
    expect(fast(rows.map((l) => { const r = l.split(','); return [String(Number(r[0]) / 1000), ...r.slice(1)].join(','); }).join('\n'))).toBeUndefined();
    expect(fast(rows.map((l) => { const r = l.split(','); return [r[0], '', ...r.slice(2)].join(','); }).join('\n'))).toBeUndefined();
  });

  it('reads a zip\'s CSV through zlib, deflated or stored, the same bytes fflate reads', async () => {
    for (const level of [0, 1, 9] as const) {
      const zip = zipSync({ 'BTCUSDT-1h-2019-09.csv': strToU8(real) }, { level });
      expect(new TextDecoder().decode(await csvBytesOfZip(zip, 'x.zip'))).toBe(real);
    }
    await expect(csvBytesOfZip(new Uint8Array([1, 2, 3]), 'broken.zip')).rejects.toThrow(/broken.zip is not a readable zip/);
  });

  it('gives the same columns when the bytes come in pieces cut anywhere (inside the header, a number, between CR and LF)', () => {
    const rows = real.trim().split('\n');
    const crlf = `${rows.join('\r\n')}\r\n`;
    for (const text of [real, crlf, real.trimEnd()]) {
      const bytes = new TextEncoder().encode(text);
      const want = general(text);
      for (const cuts of [[1], [5, 6, 7], [bytes.indexOf(0x0d) + 1], [100, 101, 4000], Array.from({ length: 60 }, (_, i) => 97 + i * 331)]) {
        const reader = new KlineCsvReader(bytes.length);
        let from = 0;
        for (const at of [...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length]) {
          expect(reader.push(bytes.subarray(from, at))).toBe(true);
          from = at;
        }
        expectSameColumns(reader.finish()!, want, `cut at ${cuts.slice(0, 3).join(',')}`);
      }
      // one byte at a time, without knowing the size: the columns grow as the rows come
      const reader = new KlineCsvReader();
      for (let i = 0; i < bytes.length; i++) reader.push(bytes.subarray(i, i + 1));
      expectSameColumns(reader.finish()!, want, 'byte by byte');
    }
  });

  it('stops at the first piece that breaks the strict shape, whichever piece it is', () => {
    const rows = real.trim().split('\n');
    const swapped = new TextEncoder().encode([rows[0], ...rows.slice(1, 200), rows[201], rows[200], ...rows.slice(202)].join('\n'));
    const reader = new KlineCsvReader(swapped.length);
    const results = [];
    for (let at = 0; at < swapped.length; at += 1000) results.push(reader.push(swapped.subarray(at, at + 1000)));
    expect(results.slice(0, 2)).toEqual([true, true]);
    expect(results.at(-1)).toBe(false);
    expect(reader.finish()).toBeUndefined();
  });

  it('reads a kline zip piece by piece into the columns the whole CSV gives; other zips are left to the general path', async () => {
    const big = real.trim().split('\n');
    // 300 rows repeated a month later each time: ~2 MB of CSV, several inflate pieces
    const text = [big[0], ...Array.from({ length: 30 }, (_, m) => big.slice(1).map((l) => { const r = l.split(','); return [String(Number(r[0]) + m * 2_592_000_000), ...r.slice(1)].join(','); })).flat()].join('\n');
    const want = general(text);
    expect(want.time.length).toBe(30 * 300);
    for (const level of [0, 6] as const) {
      const got = await klineCandlesOfZip(zipSync({ 'X-1h.csv': strToU8(text) }, { level }));
      expectSameColumns(got!, want, `level ${level}`);
    }
    expect(await klineCandlesOfZip(zipSync({ 'X.csv': strToU8([big[2], big[1]].join('\n')) }))).toBeUndefined();
    expect(await klineCandlesOfZip(zipSync({ 'a.csv': strToU8(real), 'b.csv': strToU8(real) }))).toBeUndefined();
    // a zip whose data is damaged: undefined, so the whole-file path reads it and says what is wrong
    const zip = zipSync({ 'X.csv': strToU8(text) });
    zip.fill(0x55, 200, 400);
    expect(await klineCandlesOfZip(zip)).toBeUndefined();
    // a directory that gives another size than the data inflates to: not believed either
    const lying = zipSync({ 'X.csv': strToU8(text) });
    const v = new DataView(lying.buffer);
    const cd = v.getUint32(lying.length - 22 + 16, true);
    v.setUint32(cd + 24, v.getUint32(cd + 24, true) + 1, true);
    expect(await klineCandlesOfZip(lying)).toBeUndefined();
  });
});
