import type { SeriesFrame } from '../core/dataset.js';
import { TemporaryExchangeError } from '../core/errors.js';
import { throwIfAborted, withRetry, type RetryContext } from './retry.js';

/**
 * What a series fetcher plugs into the paging loop: one request from a cursor, where the next page
 * starts, and how to tell a real end from an exchange that hides rows. Cursors are epoch ms.
 */
export interface Pager<F extends SeriesFrame> {
  /** Human words for the request at `cursor`, for logs and errors. */
  describe(cursor: number): string;
  /** One request: the rows from `cursor` on, as the exchange sent them, limited to the span. */
  fetch(cursor: number): Promise<F>;
  /** The cursor after a non-empty page. */
  next(page: F): number;
  /**
   * Whether an empty page at `cursor` is the real end. An API may turn a malformed body into an empty
   * list, so an empty page is believed only when the exchange confirms it has nothing at or after it.
   */
  confirmEnd(cursor: number): Promise<boolean>;
  /** A page worth asking for once more before it is believed (impossible values); optional. */
  suspicious?(page: F): boolean;
  /**
   * Whether a page is known to be the span's last (a short page of an API that always fills its pages),
   * so no request is spent confirming the end; optional.
   */
  isLastPage?(page: F): boolean;
}

/** How far a fetch has come, for the progress display. */
export interface FetchProgress {
  readonly dataset: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly since: number;
  readonly until: number;
  /** Cursor reached so far. */
  readonly reached: number;
  readonly rows: number;
}

/** Where fetched pages go, so a caller still has them when the fetch fails half-way. */
export interface PageSink<F extends SeriesFrame> {
  readonly pages: F[];
  /** Called after each page with the cursor reached; the caller may write a resume checkpoint. */
  afterPage?(reached: number): Promise<void>;
}

/**
 * The one paging loop: fetch [from, until) page by page into `sink`. Retries and backoff have one
 * owner, `withRetry`: a failed request, an empty page inside known history and a page that stays
 * suspicious are all retried by it, by one policy.
 */
export async function fetchSeries<F extends SeriesFrame>(
  pager: Pager<F>, span: { readonly from: number; readonly until: number }, retry: RetryContext, sink: PageSink<F>,
  onPage?: (reached: number, rows: number) => void,
): Promise<void> {
  let rows = 0;
  for (let cursor = span.from; cursor < span.until;) {
    throwIfAborted(retry.signal);
    const page = await withRetry(`fetch ${pager.describe(cursor)}`, retry, () => checkedPage(pager, cursor, retry));
    if (page.time.length === 0) break;
    sink.pages.push(page);
    rows += page.time.length;
    cursor = pager.next(page);
    onPage?.(cursor, rows);
    await sink.afterPage?.(cursor);
    if (pager.isLastPage?.(page)) break;
  }
}

/**
 * One page, checked: a suspicious page is asked for once more and then believed (cleaning repairs and
 * counts what is wrong); an empty page is the end only when the exchange confirms it twice, and
 * otherwise a temporary failure for `withRetry` to retry.
 */
async function checkedPage<F extends SeriesFrame>(pager: Pager<F>, cursor: number, retry: RetryContext): Promise<F> {
  let page = await pager.fetch(cursor);
  if (page.time.length === 0 && pager.isLastPage?.(page)) return page; // an API whose empty page is the truth
  if (page.time.length > 0 && pager.suspicious?.(page)) {
    retry.log.warn({}, `page with impossible values for ${pager.describe(cursor)}; asking again`);
    page = await pager.fetch(cursor);
  }
  if (page.time.length > 0) return page;
  if (!(await pager.confirmEnd(cursor))) throw new TemporaryExchangeError(`empty page inside known history for ${pager.describe(cursor)}`);
  page = await pager.fetch(cursor);
  if (page.time.length > 0) return page;
  if (!(await pager.confirmEnd(cursor))) throw new TemporaryExchangeError(`empty page inside known history for ${pager.describe(cursor)}`);
  return page;
}
