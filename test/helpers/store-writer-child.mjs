// Writes one store over and over through the real store layer until it is killed (kill -9 tests).
// argv: <descriptor JSON file> <frames JSON file> <store path>
import { readFileSync } from 'node:fs';
import { withStoreForWrite } from '../../dist/store/store-writer.js';
import { textCode } from '../../dist/core/text-codes.js';

const [descFile, framesFile, path] = process.argv.slice(2);
const desc = { ...JSON.parse(readFileSync(descFile, 'utf8')), fileName: () => 'unused' };
const { short, long, id } = JSON.parse(readFileSync(framesFile, 'utf8'));
// texts come as their text, numbers as numbers, missing values as null
const asFrame = (cols) => Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, Float64Array.from(v, (x) => (x === null ? NaN : typeof x === 'string' ? textCode(x) : x))]));
const a = asFrame(short);
const b = asFrame(long);

let announced = false;
for (;;) {
  // the short version, replacing whatever is there (as --erase does)
  await withStoreForWrite(desc, path, { symbol: id.symbol, timeframe: id.timeframe }, { waitMs: 5000, erase: true }, (h) => h.replace(a, id));
  if (!announced) {
    process.stdout.write('ready\n');
    announced = true;
  }
  // extended to the long version by an append
  await withStoreForWrite(desc, path, { symbol: id.symbol, timeframe: id.timeframe }, { waitMs: 5000, erase: false }, async (h) => {
    const tail = await h.tail();
    if (!tail) throw new Error('the store cannot be appended to');
    const rows = Object.fromEntries(Object.keys(b).map((k) => [k, b[k].subarray(tail.start)]));
    return h.extend(rows, id);
  });
}
