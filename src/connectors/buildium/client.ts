/**
 * The only file calling Buildium's Open API: every request carries the
 * `x-buildium-client-id` / `x-buildium-client-secret` headers (no OAuth), every list is
 * read with `offset` / `limit` and its total from `X-Total-Count`. All calls are reads, so
 * 429 and 5xx are retried by createProviderHttp; what still fails becomes a BuildiumError.
 */
import { createProviderHttp, ProviderHttpError, type Query } from '../http.js';
import { buildiumErrorOf } from './map.js';

export interface BuildiumClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

/** Buildium refused or could not answer a read; the sync stops and keeps its cursor. */
export class BuildiumError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Repeating later may work (429, 5xx, a lost answer); not for a 400 or bad keys. */
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'BuildiumError';
  }
}

export interface ListPage<T = unknown> {
  items: T[];
  /** `X-Total-Count`, when Buildium sent it. */
  total: number | null;
}

export type BuildiumClient = ReturnType<typeof createBuildiumClient>;

export function createBuildiumClient(o: BuildiumClientOptions) {
  const http = createProviderHttp({
    baseUrl: o.baseUrl,
    userAgent: 'arrears-buildium/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
    auth: () => ({
      'x-buildium-client-id': o.clientId,
      'x-buildium-client-secret': o.clientSecret,
    }),
  });

  async function list(path: string, query: Query, signal?: AbortSignal): Promise<ListPage> {
    let res;
    try {
      res = await http.request({ method: 'GET', path, query, idempotent: true, signal });
    } catch (error) {
      const message = error instanceof ProviderHttpError ? error.message : String(error);
      throw new BuildiumError(0, 'network', message, true);
    }
    if (res.status === 200 && Array.isArray(res.json)) {
      const total = Number(res.headers.get('x-total-count'));
      return { items: res.json, total: Number.isInteger(total) && total >= 0 ? total : null };
    }
    const err = buildiumErrorOf(res.json, res.status) ?? {
      code: String(res.status),
      message: `HTTP ${res.status}`,
    };
    // A 200 that is not a list is a garbled answer: worth another try later.
    const retryable =
      res.status === 429 || res.status === 408 || res.status >= 500 || res.status === 200;
    throw new BuildiumError(
      res.status,
      err.code,
      `GET ${path} answered ${res.status}: ${err.message}`.slice(0, 300),
      retryable,
      res.retryAfterMs,
    );
  }

  return {
    list,
    rentals: (query: Query, signal?: AbortSignal) => list('/rentals', query, signal),
    leases: (query: Query, signal?: AbortSignal) => list('/leases', query, signal),
    outstandingBalances: (query: Query, signal?: AbortSignal) =>
      list('/leases/outstandingbalances', query, signal),
    transactions: (leaseId: number, query: Query, signal?: AbortSignal) =>
      list(`/leases/${leaseId}/transactions`, query, signal),
  };
}
