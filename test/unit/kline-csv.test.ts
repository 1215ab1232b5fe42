import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseKlineCsv } from '../../src/files/kline-csv.js';
import { parseCandleText } from '../../src/files/parse-candles.js';
import { csvBytesOfZip } from '../../src/files/read-candle-file.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { expectSameColumns } from '../helpers/same-columns.js';

/**
 * The archive's kline CSV parsed from its bytes gives exactly what the general parser gives, on a real
 * Binance file and on the shapes the archives take (header or none, ms or µs, long decimals); any other
 * shape is left to the general parser.
 */
const real = readFileSync(join(FIXTURES, 'btcusdt-usdm-1h-2019-09.patchtst.csv'), 'utf8');
const general = (text: string) => { const f = parseCandleText(text, 'test.csv').frame; return { time: f.time, open: f.open, high: f.high, low: f.low, close: f.close, volume: f.volume }; };
const fast = (text: string) => parseKlineCsv(new TextEncoder().encode(text));

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
});
