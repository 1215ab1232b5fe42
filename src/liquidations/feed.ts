/**
 * A venue's liquidation stream, as the recorder needs it: where to connect, what to send once connected,
 * how to keep the connection alive, and how to read a frame into events of the one schema
 * (datasets/liquidations.ts). Each venue's profile has one (exchange/<venue>/).
 */
export interface LiquidationFields {
  /** When the liquidation traded (epoch ms). */
  readonly time: number;
  /** When the venue sent it. */
  readonly eventTime: number;
  /** The venue's id of the contract (`BTCUSDT`, `BTC-USDT-SWAP`). */
  readonly symbol: string;
  /** The liquidation order's side. */
  readonly side: 'BUY' | 'SELL';
  /** The side of the position liquidated: a `SELL` order closes a `long`. */
  readonly positionSide: 'long' | 'short';
  /** In the base coin (missing when a venue counts contracts and the contract's size is not known yet). */
  readonly quantity: number;
  /** The size in contracts, where the venue counts contracts. */
  readonly contracts?: number;
  readonly price: number;
  readonly averagePrice?: number;
  readonly orderType?: string;
  readonly timeInForce?: string;
  readonly status?: string;
  readonly lastFilled?: number;
  readonly filledAccumulated?: number;
}

/** What the recorder knows of the markets when it reads a frame: a contract's size in coins (for a venue that counts contracts). */
export interface FeedContext {
  contractSize(symbolId: string): number | undefined;
}

export interface LiquidationFeed {
  /** `complete`: every liquidation is sent; `sampled`: some (at most one a second per contract). */
  readonly completeness: 'complete' | 'sampled';
  /** The venue's websocket base when no --api-url is given. */
  readonly realBase: string;
  /** Whether the stream needs every symbol named (no all-market stream): the recorder lists the venue's perpetuals. */
  readonly needsSymbols: boolean;
  /** Whether sizes come in contracts: the recorder then reads every perpetual's contract size first. */
  readonly countsContracts: boolean;
  /** The URL to connect to, for every symbol (`symbols` undefined) or the ones named. */
  url(base: string, symbols?: readonly string[]): string;
  /** Frames to send once connected (subscriptions). */
  subscribe(symbols?: readonly string[]): string[];
  /** A text ping the venue wants to keep the connection (besides websocket pings). */
  readonly textPing?: { readonly text: string; readonly everyMs: number };
  /**
   * The events of one frame, handed to `add`: `events` (possibly none), `control` (an acknowledgement, a
   * pong), or `malformed` (not this feed's frame).
   */
  parse(text: string, ctx: FeedContext, add: (e: LiquidationFields) => void): 'events' | 'control' | 'malformed';
}
