/** A tiny routing table: each route module adds its endpoints; the server charges weight and calls. */
export type ApiFamily = 'spot' | 'futures';

export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
}

export interface SimResponse {
  readonly status: number;
  /** JSON, already serialized (kline pages are written as bytes for speed). */
  readonly body: string | Uint8Array;
}

export interface Route {
  readonly family: ApiFamily;
  /** Request weight as Binance documents it; may depend on parameters (futures klines by limit). */
  readonly weight: (query: URLSearchParams) => number;
  readonly handle: (req: SimRequest) => SimResponse;
}

export class Router {
  private readonly routes = new Map<string, Route>();

  add(method: string, path: string, route: Route): void {
    this.routes.set(`${method} ${path}`, route);
  }

  find(method: string, path: string): Route | undefined {
    return this.routes.get(`${method} ${path}`);
  }
}

/** Binance's error body, e.g. `{"code":-1121,"msg":"Invalid symbol."}`. */
export function binanceError(status: number, code: number, msg: string): SimResponse {
  return { status, body: JSON.stringify({ code, msg }) };
}

export function json(value: unknown): SimResponse {
  return { status: 200, body: JSON.stringify(value) };
}
