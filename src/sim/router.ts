/** A tiny routing table: each dialect adds its endpoints; the server charges their weight and calls them. */

/** A dialect's budget a route is counted in (its own names: `spot`, `futures`…). */
export type ApiFamily = string;

export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
}

export interface SimResponse {
  readonly status: number;
  /** JSON, already serialized (kline pages are written as bytes for speed). */
  readonly body: string | Uint8Array;
  /** When not JSON (an archive's zip and checksum). */
  readonly contentType?: string;
}

export interface Route {
  readonly family: ApiFamily;
  /** Request weight as the venue documents it; may depend on parameters (klines by limit). */
  readonly weight: (query: URLSearchParams) => number;
  /** `match` holds the path pattern's groups, for routes with a parameter in the path. */
  readonly handle: (req: SimRequest, match: RegExpExecArray) => SimResponse;
}

export class Router {
  private readonly routes = new Map<string, Route>();
  private readonly patterns: { method: string; pattern: RegExp; route: Route }[] = [];

  add(method: string, path: string, route: Route): void {
    this.routes.set(`${method} ${path}`, route);
  }

  /** A route whose path has parameters (`/coins/{id}/market_chart/range`). */
  addPattern(method: string, pattern: RegExp, route: Route): void {
    this.patterns.push({ method, pattern, route });
  }

  /** The route for a request, with the groups of its path pattern (none for exact routes). */
  find(method: string, path: string): { route: Route; match: RegExpExecArray } | undefined {
    const exact = this.routes.get(`${method} ${path}`);
    if (exact) return { route: exact, match: Object.assign([path], { index: 0, input: path }) as RegExpExecArray };
    for (const p of this.patterns) {
      const match = p.method === method ? p.pattern.exec(path) : null;
      if (match) return { route: p.route, match };
    }
    return undefined;
  }
}

export function json(value: unknown): SimResponse {
  return { status: 200, body: JSON.stringify(value) };
}
