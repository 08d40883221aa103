/**
 * The only file that calls Xero: the token endpoint (refresh grant, HTTP Basic client
 * credentials) and the Accounting API with the Bearer token and `xero-tenant-id`. A 401
 * from the API renews the token once and repeats the call. 429s are waited out when their
 * Retry-After is short (http.ts); a longer one (the day limit) comes back to the caller.
 */
import type { ConnectorLog } from '../context.js';
import {
  basicAuth,
  createProviderHttp,
  type ProviderRequest,
  type ProviderResponse,
  type Query,
} from '../http.js';
import { PAGE_SIZE, xeroErrorOf, type XeroContact, type XeroPagination } from './map.js';
import { TokenRefused, createXeroTokens, type TokenAnswer } from './tokens.js';

/** A call Xero refused; the sync stops and retries later when `retryable`. */
export class XeroApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
    this.name = 'XeroApiError';
  }
}

export function apiErrorOf(what: string, res: ProviderResponse): XeroApiError {
  const err = xeroErrorOf(res.json) ?? {
    code: String(res.status),
    message: res.text.trim().slice(0, 200) || `HTTP ${res.status}`,
  };
  // Which limit was hit (minute, day, appminute, concurrent) decides how long to wait.
  const problem = res.headers.get('x-rate-limit-problem');
  return new XeroApiError(
    res.status,
    err.code,
    `${what} answered ${res.status}: ${err.code} ${err.message}${problem ? ` (limit: ${problem})` : ''}`,
    res.status === 429 || res.status === 401 || res.status >= 500,
    res.retryAfterMs,
  );
}

export interface XeroClientOptions {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  tenantId: string;
  now: () => number;
  log: ConnectorLog;
  persistRefreshToken?: (token: string) => Promise<void>;
  maxRetryWaitMs?: number;
}

export type Collection = 'Contacts' | 'Invoices' | 'Payments';

export interface XeroPage<T> {
  items: T[];
  pagination: XeroPagination | undefined;
}

export type XeroClient = ReturnType<typeof createXeroClient>;

export function createXeroClient(o: XeroClientOptions) {
  const tokenHttp = createProviderHttp({
    baseUrl: o.tokenUrl,
    now: o.now,
    userAgent: 'arrears-xero/1',
  });
  const tokens = createXeroTokens({
    refreshToken: o.refreshToken,
    now: o.now,
    log: o.log,
    ...(o.persistRefreshToken ? { persist: o.persistRefreshToken } : {}),
    async exchange(form): Promise<TokenAnswer> {
      // Not repeated after a lost answer: the refresh token it spent would be gone.
      const res = await tokenHttp.request({
        method: 'POST',
        path: o.tokenUrl,
        form,
        headers: { authorization: basicAuth(o.clientId, o.clientSecret) },
      });
      const answer = res.json as Partial<TokenAnswer> | undefined;
      if (res.status === 200 && typeof answer?.access_token === 'string')
        return { expires_in: 1800, ...answer } as TokenAnswer;
      if (res.status === 400 || res.status === 401)
        throw new TokenRefused(res.status, xeroErrorOf(res.json)?.code ?? String(res.status));
      throw apiErrorOf('POST token', res);
    },
  });

  let lastToken = '';
  const http = createProviderHttp({
    baseUrl: o.baseUrl,
    userAgent: 'arrears-xero/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
    async auth() {
      lastToken = await tokens.accessToken();
      return { authorization: `Bearer ${lastToken}`, 'xero-tenant-id': o.tenantId };
    },
  });

  async function call(req: ProviderRequest): Promise<ProviderResponse> {
    const res = await http.request(req);
    if (res.status !== 401) return res;
    tokens.invalidate(lastToken);
    return http.request(req);
  }

  async function page<T>(
    collection: Collection,
    query: Query,
    modifiedSince: string | null,
    signal?: AbortSignal,
  ): Promise<XeroPage<T>> {
    const path = `/${collection}`;
    const res = await call({
      method: 'GET',
      path,
      query,
      headers: modifiedSince ? { 'if-modified-since': modifiedSince } : {},
      idempotent: true,
      signal,
    });
    const body = res.json as Record<string, unknown> | undefined;
    if (res.status !== 200 || !Array.isArray(body?.[collection]))
      throw apiErrorOf(`GET ${path}`, res);
    return {
      items: body[collection] as T[],
      pagination: body.pagination as XeroPagination | undefined,
    };
  }

  return {
    tokens,
    /** One page of a collection, filtered by `where`, changed since `modifiedSince`. */
    page<T>(
      collection: Collection,
      pageNo: number,
      filter: Query,
      modifiedSince: string | null,
      signal?: AbortSignal,
    ) {
      return page<T>(
        collection,
        { page: pageNo, pageSize: PAGE_SIZE, ...filter },
        modifiedSince,
        signal,
      );
    },
    /** These contacts, with their balances (returned on paged reads). */
    contactsByIds(ids: readonly string[], signal?: AbortSignal) {
      return page<XeroContact>(
        'Contacts',
        { IDs: ids.join(','), page: 1, pageSize: PAGE_SIZE },
        null,
        signal,
      );
    },
    contactsByEmail(email: string, signal?: AbortSignal) {
      return page<XeroContact>(
        'Contacts',
        { where: `EmailAddress=="${email.replace(/"/g, '')}"`, page: 1, pageSize: 2 },
        null,
        signal,
      );
    },
    addHistory(
      kind: 'Contacts' | 'Invoices',
      id: string,
      body: unknown,
      idempotencyKey: string,
      signal?: AbortSignal,
    ) {
      return call({
        method: 'PUT',
        path: `/${kind}/${encodeURIComponent(id)}/History`,
        json: body,
        headers: { 'idempotency-key': idempotencyKey },
        idempotent: true,
        signal,
      });
    },
  };
}
