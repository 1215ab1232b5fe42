import type { SeriesFrame } from './dataset.js';
import type { Interval } from './interval.js';

/**
 * What a series fetcher plugs into the paging loop: one request from a cursor, where the next page
 * starts, and how to tell a real end from an exchange that hides rows. Cursors are epoch ms.
 */
export interface Pager<F extends SeriesFrame> {
  /** Human words for the request at `cursor`, for logs and errors. */
  describe(cursor: number): string;
  /**
   * One request: the rows from `cursor` on, as the exchange sent them, limited to the span. A page is
   * valid until the next `fetch`: the paging loop copies what it keeps (a pager may reuse its memory).
   */
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
  /**
   * Where a page's rows came from, for a dataset read from more than one source (`archive`, `rest`); the
   * store records it per span. Optional: a pager with one source says nothing.
   */
  origin?(page: F): string | undefined;
  /**
   * Spans found while paging that no source serves any more (a day the archive lacks, older than the API's
   * window): the store records them as unrecoverable, so no later run asks for them again. Optional.
   */
  unserved?(): readonly Interval[];
}
