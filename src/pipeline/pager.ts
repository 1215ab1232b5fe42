import type { SeriesFrame } from '../core/dataset.js';
import { TemporaryExchangeError } from '../core/errors.js';
import type { Pager } from '../core/pager.js';
import { addSource, type RowSources } from '../core/row-sources.js';
import { throwIfAborted, withRetry, type RetryContext } from '../core/retry.js';

export type { Pager } from '../core/pager.js';

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
  readonly pages: { push(page: F): void };
  /** Called after each page with the cursor reached; the caller may write a resume checkpoint. */
  afterPage?(reached: number): Promise<void>;
  /** Where each page's rows came from, as the pager names it: the span [first row, next cursor). */
  sources?: RowSources;
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
    const next = pager.next(page);
    const origin = pager.origin?.(page);
    if (origin) sink.sources = addSource(sink.sources ?? {}, origin, { from: page.time[0]!, to: next });
    cursor = next;
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
