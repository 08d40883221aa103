/**
 * The only file calling Zoho: the Accounts token endpoint of the data centre (refresh-token
 * grant) and the CRM API (`Authorization: Zoho-oauthtoken …`, not Bearer) through
 * createProviderHttp; a 401 asks for a new access token once.
 */
import { createProviderHttp, type ProviderRequest, type ProviderResponse } from '../http.js';
import { accountsErrorOf, API, MODULE, tokenAnswer, upsertBody } from './map.js';
import { createTokenCache, TokenRefused } from '../access-tokens.js';

export interface ZohoClientOptions {
  /** `https://www.zohoapis.{dc}` (or the fake's). */
  apiBaseUrl: string;
  /** `https://accounts.zoho.{dc}`. */
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  now: () => number;
  /** A token answer naming another API domain (the account lives in another DC). */
  onApiDomain?: (apiDomain: string) => void;
  maxRetryWaitMs?: number;
}

export type ZohoClient = ReturnType<typeof createZohoClient>;

export function createZohoClient(o: ZohoClientOptions) {
  const http = createProviderHttp({
    baseUrl: o.apiBaseUrl,
    userAgent: 'arrears-zoho/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
  });

  const tokens = createTokenCache({
    now: o.now,
    async request() {
      const res = await http.request({
        method: 'POST',
        path: `${o.accountsUrl.replace(/\/+$/, '')}/oauth/v2/token`,
        form: {
          grant_type: 'refresh_token',
          client_id: o.clientId,
          client_secret: o.clientSecret,
          refresh_token: o.refreshToken,
        },
        idempotent: true,
      });
      const error = accountsErrorOf(res.json);
      if (res.status !== 200 || error)
        throw new TokenRefused(res, error ?? { code: String(res.status), message: 'no token' });
      const parsed = tokenAnswer.safeParse(res.json);
      if (!parsed.success)
        throw new TokenRefused(res, {
          code: 'bad_token_answer',
          message: 'the token answer has no access_token / expires_in',
        });
      if (parsed.data.api_domain) o.onApiDomain?.(parsed.data.api_domain);
      return parsed.data;
    },
  });

  async function call(req: ProviderRequest): Promise<ProviderResponse> {
    const headers = (token: string) => ({
      ...req.headers,
      authorization: `Zoho-oauthtoken ${token}`,
    });
    const token = await tokens.accessToken();
    const res = await http.request({ ...req, headers: headers(token) });
    if (res.status !== 401) return res;
    // INVALID_TOKEN: expired or revoked; Zoho did not act, so one retry is safe.
    tokens.invalidate(token);
    return http.request({ ...req, headers: headers(await tokens.accessToken()) });
  }

  const record = (id: string) => `${API}/${MODULE}/${encodeURIComponent(id)}`;

  return {
    /** `POST /crm/v8/Cases/upsert`: insert or update by Arrears_Lease_Case. */
    upsertCase(fields: Record<string, unknown>, signal?: AbortSignal) {
      return call({
        method: 'POST',
        path: `${API}/${MODULE}/upsert`,
        json: upsertBody(fields),
        idempotent: true,
        signal,
      });
    },

    getCase(id: string, fields: readonly string[], signal?: AbortSignal) {
      return call({
        method: 'GET',
        path: record(id),
        query: { fields: fields.join(',') },
        idempotent: true,
        signal,
      });
    },

    /** One page of the case's notes (titles only); 204 when there are none. */
    notesPage(id: string, page: number, signal?: AbortSignal) {
      return call({
        method: 'GET',
        path: `${record(id)}/Notes`,
        query: { fields: 'Note_Title', per_page: 200, page },
        idempotent: true,
        signal,
      });
    },

    /** Not repeated on a lost answer: the sink looks for the note before writing it again. */
    addNote(id: string, note: { Note_Title: string; Note_Content: string }, signal?: AbortSignal) {
      return call({ method: 'POST', path: `${record(id)}/Notes`, json: { data: [note] }, signal });
    },

    /** `POST /crm/v8/actions/watch`: (re)subscribes a notification channel. */
    watch(body: Record<string, unknown>, signal?: AbortSignal) {
      // Watching the same channel id again replaces it: safe to repeat.
      return call({
        method: 'POST',
        path: `${API}/actions/watch`,
        json: body,
        idempotent: true,
        signal,
      });
    },

    currentUser(signal?: AbortSignal) {
      return call({
        method: 'GET',
        path: `${API}/users`,
        query: { type: 'CurrentUser' },
        idempotent: true,
        signal,
      });
    },
  };
}

export { TokenRefused };
