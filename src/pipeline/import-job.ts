import { lowerBoundTime } from '../core/time-search.js';
import { sliceFrame, type CandleFrame, type MasterFrame } from '../core/frame.js';
import { nextOpen } from '../core/timeframe.js';
import { parseSymbol } from '../core/symbol.js';
import { OHLCV_RECORD } from '../datasets/ohlcv.js';
import { jobOf, type DatasetJob } from './dataset-job.js';

/** Rows a page of an imported file holds: the paging loop, checkpoints and progress work as for a fetch. */
const PAGE = 50_000;

/**
 * Candles from a file as a source: the candle dataset's own cleaning, ATR and no-row-loss write, with
 * pages read from the parsed file instead of an exchange. So an import extends a store exactly as a
 * build would, and a file that disagrees with a stored closed candle is refused (without `--erase`).
 */
export function importJob(rows: CandleFrame, fileName: string): DatasetJob<MasterFrame> {
  return {
    ...jobOf(OHLCV_RECORD),
    open: async (job) => ({
      marketType: parseSymbol(job.symbol).settle ? 'swap' : 'spot',
      pager: (tf, until) => ({
        describe: (cursor) => `${fileName} from ${new Date(cursor).toISOString()}`,
        fetch: async (cursor) => {
          const a = lowerBoundTime(rows.time, cursor);
          const b = Math.min(lowerBoundTime(rows.time, until), a + PAGE);
          const page = sliceFrame(rows, a, b);
          return { ...page, atr: new Float64Array(page.time.length).fill(NaN) };
        },
        next: (page) => nextOpen(tf, page.time[page.time.length - 1]!),
        // a file has no hidden rows: its end is the end
        confirmEnd: async () => true,
        isLastPage: (page) => page.time.length < PAGE,
      }),
    }),
  };
}
