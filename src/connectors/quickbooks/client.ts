/**
 * The only file calling QuickBooks Online (reference §1): the token endpoint, the query
 * and CDC endpoints, a customer read and sparse update, invoice create. Every call goes
 * through createProviderHttp with `minorversion`, a Bearer token that is refreshed before
 * it expires and once more when a call answers 401, and QuickBooks' throttling rule: a
 * 429 without Retry-After means wait 60 s (longer than one call sleeps, so the caller
 * gets it back: the outbox schedules the retry, the sync stops and resumes next run).
 */
import {
  basicAuth,
  createProviderHttp,
  type ProviderRequest,
  type ProviderResponse,
} from '../http.js';
import type { ConnectorLog } from '../context.js';
import { faultOf, oauthErrorOf, tokenAnswer, type QboFault } from './map.js';
import { createTokenCache, TokenRefused } from './tokens.js';

export interface QuickBooksClientOptions {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  realmId: string;
  minorVersion: string;
  now: () => number;
  log: ConnectorLog;
  maxRetryWaitMs?: number;
  persistRefreshToken?: (token: string) => Promise<void>;
}

/** Intuit's documented wait after a 429 (limits-and-throttles). */
export const THROTTLE_WAIT_MS = 60_000;

/** A QuickBooks answer that is not what was asked for: an HTTP error or a Fault in a 200. */
export class QuickBooksError extends Error {
  constructor(
    readonly response: ProviderResponse,
    readonly fault: QboFault,
  ) {
    super(
      `QuickBooks answered ${response.status}: ${fault.type} ${fault.code} ${fault.message}` +
        (response.status === 429 ? ` (throttled: wait ${THROTTLE_WAIT_MS / 1000} s)` : ''),
    );
    this.name = 'QuickBooksError';
  }
  get retryable(): boolean {
    const s = this.response.status;
    return s === 401 || s === 429 || s >= 500;
  }
}

export type QuickBooksClient = ReturnType<typeof createQuickBooksClient>;

export function createQuickBooksClient(o: QuickBooksClientOptions) {
  const http = createProviderHttp({
    baseUrl: o.baseUrl,
    userAgent: 'arrears-quickbooks/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
    rateLimitWaitMs: () => THROTTLE_WAIT_MS,
  });
  const company = `/v3/company/${encodeURIComponent(o.realmId)}`;

  const tokens = createTokenCache({
    refreshToken: o.refreshToken,
    now: o.now,
    log: o.log,
    ...(o.persistRefreshToken ? { persist: o.persistRefreshToken } : {}),
    async exchange(refreshToken) {
      const res = await http.request({
        method: 'POST',
        path: o.tokenUrl,
        form: { grant_type: 'refresh_token', refresh_token: refreshToken },
        headers: { authorization: basicAuth(o.clientId, o.clientSecret) },
        // Intuit keeps the previous refresh token valid for a while: a repeat is harmless.
        idempotent: true,
      });
      const parsed = res.status === 200 ? tokenAnswer.safeParse(res.json) : undefined;
      if (parsed?.success) return parsed.data;
      const err = oauthErrorOf(res.json);
      throw new TokenRefused(
        res,
        err?.code ?? (parsed ? 'bad_token_answer' : String(res.status)),
        err?.message ??
          (parsed ? 'the answer has no access_token / expires_in' : `HTTP ${res.status}`),
      );
    },
  });

  async function call(req: ProviderRequest): Promise<ProviderResponse> {
    const withToken = (token: string): ProviderRequest => ({
      ...req,
      query: { ...req.query, minorversion: o.minorVersion },
      headers: { ...req.headers, authorization: `Bearer ${token}` },
    });
    const token = await tokens.accessToken();
    const res = await http.request(withToken(token));
    if (res.status !== 401) return res;
    // Expired early or revoked: QuickBooks did not act, so one more try with a new token.
    tokens.invalidate(token);
    return http.request(withToken(await tokens.accessToken()));
  }

  /** The answer's body, or a QuickBooksError (non-2xx, or a Fault inside a 200). */
  function ok(res: ProviderResponse): unknown {
    const fault = faultOf(res.json);
    if (res.status >= 200 && res.status < 300 && fault === undefined) return res.json;
    throw new QuickBooksError(
      res,
      fault ?? { code: String(res.status), message: `HTTP ${res.status}`, type: 'HTTP' },
    );
  }

  return {
    realmId: o.realmId,
    tokens,
    /** `GET /query?query=…` (a read: repeated on 5xx). */
    async query(query: string, signal?: AbortSignal): Promise<unknown> {
      return ok(
        await call({
          method: 'GET',
          path: `${company}/query`,
          query: { query },
          idempotent: true,
          signal,
        }),
      );
    },
    /** `GET /cdc?entities=…&changedSince=…`: full objects changed since, at most 30 days back. */
    async cdc(entities: readonly string[], changedSince: string, signal?: AbortSignal) {
      return ok(
        await call({
          method: 'GET',
          path: `${company}/cdc`,
          query: { entities: entities.join(','), changedSince },
          idempotent: true,
          signal,
        }),
      );
    },
    /** `GET /customer/{id}` → the raw answer (the sink maps it to an outcome). */
    readCustomer(id: string, signal?: AbortSignal) {
      return call({
        method: 'GET',
        path: `${company}/customer/${encodeURIComponent(id)}`,
        idempotent: true,
        signal,
      });
    },
    /** `POST /customer` sparse update (Id + SyncToken + sparse: true + the fields). */
    updateCustomer(fields: Record<string, unknown>, requestId: string, signal?: AbortSignal) {
      return call({
        method: 'POST',
        path: `${company}/customer`,
        query: { requestid: requestId },
        json: { ...fields, sparse: true },
        // The same requestid returns the original result; a stale SyncToken is refused anyway.
        idempotent: true,
        signal,
      });
    },
    /**
     * `POST /invoice` (create). Not repeated inside the call: `requestid` deduplication is
     * not confirmed (reference §21), so a lost answer is settled by the caller looking the
     * invoice up by its DocNumber before trying again.
     */
    createInvoice(invoice: Record<string, unknown>, requestId: string, signal?: AbortSignal) {
      return call({
        method: 'POST',
        path: `${company}/invoice`,
        query: { requestid: requestId },
        json: invoice,
        signal,
      });
    },
    faultOf: (res: ProviderResponse) => faultOf(res.json),
  };
}

export { TokenRefused };
