import { zipSync } from 'fflate';
import type { DialectContext } from '../dialect.js';
import { fundingRateAt, fundingSlots } from '../funding-model.js';
import type { Router, SimResponse } from '../router.js';
import { instrumentOf, type Instrument } from './instruments.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** OKX partitions its archive files by UTC+8 days and months. */
const UTC8 = 8 * HOUR;
/** A file is published about two days after its period ends (T+2). */
const DELAY = 2 * DAY;
/** The first month the simulated funding archive holds (OKX's daily all-swap files start mid-January 2022). */
const FIRST_MONTH = '2022-01';
/** The most months one listing request may span (monthly: 20 months). */
const MAX_MONTHS = 20;

/** What each module's monthly files are: module 2, 1-minute candles of a pair or swap; module 3, a swap's funding. */
const MODULES: Readonly<Record<string, { readonly folder: string; readonly kind: string; readonly swapOnly: boolean }>> = {
  '2': { folder: 'candlesticks', kind: 'candlesticks', swapOnly: false },
  '3': { folder: 'swaprates', kind: 'fundingrates', swapOnly: true },
};

/**
 * OKX's historical market data as the simulator serves it, monthly files per instrument: 1-minute candles
 * (module 2: `/cdn/okex/traderecords/candlesticks/monthly/<YYYYMM>/<instId>-candlesticks-<YYYY-MM>.zip`, a CSV
 * `instrument_name,open,high,low,close,vol,vol_ccy,vol_quote,open_time,confirm`, the values REST's
 * history-candles serves) and funding (module 3), each for a UTC+8 month: the index (`GET /api/v5/public/market-data-history?module=3&instType=SWAP&instIdList=…
 * &dateAggrType=monthly&begin&end`, its `data[].details[].groupDetails[]` naming each file and its URL on
 * static.okx.com) and the files (`/cdn/okex/traderecords/swaprates/monthly/<YYYYMM>/<instId>-fundingrates-
 * <YYYY-MM>.zip`, a CSV `instrument_name,funding_rate,funding_time` with CRLF lines, times in ms), each
 * UTC+8 month's settlements at the rate REST serves as `realizedRate`. Facts and sources:
 * ../shared/venues/bybit-okx.md §2.7 and docs/venues.md.
 */
export function addOkxArchiveRoutes(
  router: Router, ctx: DialectContext, ok: (data: unknown) => SimResponse, error: (code: string, msg: string) => SimResponse,
  candleRows: (inst: Instrument, from: number, to: number) => string[],
): void {
  // faults by file name (`BTC-USDT-SWAP-fundingrates-2023-05.zip`): not in the index and 404 (`missing`), or a damaged zip (`corrupt`)
  const faults = (ctx.options?.['archiveFaults'] ?? {}) as { readonly missing?: readonly string[]; readonly corrupt?: readonly string[] };
  router.add('GET', '/api/v5/public/market-data-history', {
    family: 'public/market-data-history',
    weight: () => 1,
    handle: ({ query: q }) => {
      const module = MODULES[q.get('module') ?? ''];
      if (!module) return error('51000', 'Parameter module error (the simulator serves modules 2, candles, and 3, funding)');
      const instType = q.get('instType');
      if ((instType !== 'SWAP' && instType !== 'SPOT') || (module.swapOnly && instType !== 'SWAP') || q.get('dateAggrType') !== 'monthly') return error('51000', 'Parameter instType or dateAggrType error');
      const begin = Number(q.get('begin'));
      const end = Number(q.get('end'));
      if (!Number.isFinite(begin) || !Number.isFinite(end) || end < begin) return error('51000', 'Parameter begin or end error');
      const months = monthsBetween(begin, end);
      if (months.length > MAX_MONTHS) return error('51000', `The query range exceeds ${MAX_MONTHS} months`);
      const ids = (q.get('instIdList') ?? '').split(',').filter(Boolean);
      const data = months.map((m) => ({
        dateTs: String(m.from),
        details: ids.flatMap((id) => {
          const inst = instrumentOf(ctx, id);
          if (!inst || inst.type !== instType || !published(ctx, m, inst.market.source.listedAt)) return [];
          const filename = `${id}-${module.kind}-${m.label}.zip`;
          if (faults.missing?.includes(filename)) return [];
          return [{ instId: id, instFamily: id.replace(/-SWAP$/, ''), groupDetails: [{ filename, sizeMB: '0.01', url: `https://static.okx.com/cdn/okex/traderecords/${module.folder}/monthly/${m.label.replace('-', '')}/${filename}` }] }];
        }),
      })).filter((d) => d.details.length > 0);
      return ok(data);
    },
  });
  const zips = new Map<string, Uint8Array>();
  router.addPattern('GET', /^\/cdn\/okex\/traderecords\/(swaprates|candlesticks)\/monthly\/(\d{6})\/([A-Z0-9]+-[A-Z0-9]+(?:-SWAP)?)-(fundingrates|candlesticks)-(\d{4}-\d{2})\.zip$/, {
    family: 'archive',
    weight: () => 0,
    handle: (_req, match) => {
      const [, folder, month, id, kind, label] = match as unknown as string[];
      const inst = instrumentOf(ctx, id!);
      const m = monthOf(label!);
      const module = Object.values(MODULES).find((x) => x.folder === folder && x.kind === kind);
      const filename = `${id}-${kind}-${label}.zip`;
      if (!inst || !module || (module.swapOnly && inst.type !== 'SWAP') || month !== label!.replace('-', '') || !m || !published(ctx, m, inst.market.source.listedAt) || faults.missing?.includes(filename)) {
        return { status: 404, body: 'Not Found', contentType: 'text/plain' };
      }
      let zip = zips.get(filename);
      if (!zip) {
        const csv = kind === 'fundingrates'
          ? `instrument_name,funding_rate,funding_time\r\n${fundingSlots(inst.market, ctx.seed, m.from, m.to).map((t) => `${id},${fundingRateAt(inst.market, ctx.seed, t).toFixed(8)},${t}\r\n`).join('')}`
          : `instrument_name,open,high,low,close,vol,vol_ccy,vol_quote,open_time,confirm\r\n${candleRows(inst, m.from, m.to).map((r) => `${r}\r\n`).join('')}`;
        zip = zipSync({ [filename.replace(/\.zip$/, '.csv')]: new TextEncoder().encode(csv) }, { level: 1 });
        zips.set(filename, zip);
        if (zips.size > 64) zips.delete(zips.keys().next().value!);
      }
      if (faults.corrupt?.includes(filename)) return { status: 200, body: zip.subarray(0, Math.floor(zip.length / 2)), contentType: 'application/zip' };
      return { status: 200, body: zip, contentType: 'application/zip' };
    },
  });
}

interface Month { readonly label: string; readonly from: number; readonly to: number }

/** A UTC+8 month: `2024-03` runs from 2024-02-29T16:00Z to 2024-03-31T16:00Z. */
function monthOf(label: string): Month | undefined {
  const m = /^(\d{4})-(\d{2})$/.exec(label);
  if (!m || label < FIRST_MONTH) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]) - 1;
  return { label, from: Date.UTC(y, mo, 1) - UTC8, to: Date.UTC(y, mo + 1, 1) - UTC8 };
}

/** The UTC+8 months overlapping [begin, end], from the first the archive holds. */
function monthsBetween(begin: number, end: number): Month[] {
  const out: Month[] = [];
  const start = new Date(begin + UTC8);
  for (let y = start.getUTCFullYear(), mo = start.getUTCMonth(); ; mo++) {
    const label = new Date(Date.UTC(y, mo, 1)).toISOString().slice(0, 7);
    const m = monthOf(label);
    if (Date.UTC(y, mo, 1) - UTC8 > end) break;
    if (m) out.push(m);
    if (out.length > MAX_MONTHS + 1) break;
  }
  return out;
}

/** Whether a month's file is out: the month over two days ago, and the swap listed before it ended. */
function published(ctx: DialectContext, m: Month, listedAt: number): boolean {
  return m.to + DELAY <= ctx.now() && listedAt < m.to;
}
