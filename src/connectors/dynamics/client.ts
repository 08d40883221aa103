/**
 * The only file calling Dataverse: the Entra ID token endpoint and the Web API, through
 * createProviderHttp, with the OData headers on every call and a Bearer token that is
 * cached, renewed before it expires and renewed once more when a call answers 401.
 */
import { createProviderHttp, type ProviderRequest, type ProviderResponse } from '../http.js';
import { alternateKeyPath, entraErrorOf, tokenAnswer, type CaseKey } from './map.js';
import { createTokenCache, TokenRefused } from '../access-tokens.js';

export interface DynamicsClientOptions {
  /** `https://{org}.crm.dynamics.com/api/data/v9.2` (or the fake's). */
  apiBaseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** `https://{org}.crm.dynamics.com/.default`. */
  scope: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

const ODATA_HEADERS = { 'OData-MaxVersion': '4.0', 'OData-Version': '4.0' } as const;

export type DynamicsClient = ReturnType<typeof createDynamicsClient>;

export function createDynamicsClient(o: DynamicsClientOptions) {
  const http = createProviderHttp({
    baseUrl: o.apiBaseUrl,
    userAgent: 'arrears-dynamics/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
  });

  const tokens = createTokenCache({
    now: o.now,
    async request() {
      const res = await http.request({
        method: 'POST',
        path: o.tokenUrl,
        form: {
          grant_type: 'client_credentials',
          client_id: o.clientId,
          client_secret: o.clientSecret,
          scope: o.scope,
        },
        // Asking twice for a token costs nothing: each answer stands alone.
        idempotent: true,
      });
      const error = entraErrorOf(res.json);
      if (res.status !== 200 || error)
        throw new TokenRefused(res, error ?? { code: String(res.status), message: 'no token' });
      const parsed = tokenAnswer.safeParse(res.json);
      if (!parsed.success)
        throw new TokenRefused(res, {
          code: 'bad_token_answer',
          message: 'the token answer has no access_token / expires_in',
        });
      return parsed.data;
    },
  });

  async function call(req: ProviderRequest): Promise<ProviderResponse> {
    const headers = (token: string) => ({
      ...ODATA_HEADERS,
      ...req.headers,
      authorization: `Bearer ${token}`,
    });
    const token = await tokens.accessToken();
    const res = await http.request({ ...req, headers: headers(token) });
    if (res.status !== 401) return res;
    // Expired early or revoked: Dataverse did not act, so one retry with a new token is safe.
    tokens.invalidate(token);
    return http.request({ ...req, headers: headers(await tokens.accessToken()) });
  }

  return {
    /**
     * PATCH by alternate key: an upsert, or with `If-Match: *` an update that answers 404
     * when the row does not exist (never creates).
     */
    writeCase(
      entitySet: string,
      key: CaseKey,
      row: Record<string, unknown>,
      mode: 'upsert' | 'update',
      signal?: AbortSignal,
    ) {
      return call({
        method: 'PATCH',
        path: alternateKeyPath(entitySet, key),
        json: row,
        headers: mode === 'update' ? { 'If-Match': '*' } : {},
        idempotent: true,
        signal,
      });
    },

    /** PATCH of an existing row by id (`If-Match: *`: update only). */
    updateRow(entitySet: string, id: string, row: Record<string, unknown>, signal?: AbortSignal) {
      return call({
        method: 'PATCH',
        path: `/${entitySet}(${id})`,
        json: row,
        headers: { 'If-Match': '*' },
        idempotent: true,
        signal,
      });
    },

    /** Creates the note with this id, or answers 412 when it exists (`If-None-Match: *`). */
    createNote(id: string, body: Record<string, unknown>, signal?: AbortSignal) {
      return call({
        method: 'PATCH',
        path: `/annotations(${id})`,
        json: body,
        headers: { 'If-None-Match': '*' },
        idempotent: true,
        signal,
      });
    },

    /** The row id of a case by its alternate key (when an answer did not carry it). */
    caseIdOf(entitySet: string, key: CaseKey, idColumn: string, signal?: AbortSignal) {
      return call({
        method: 'GET',
        path: alternateKeyPath(entitySet, key),
        query: { $select: idColumn },
        idempotent: true,
        signal,
      });
    },

    getRow(entitySet: string, id: string, select: readonly string[], signal?: AbortSignal) {
      return call({
        method: 'GET',
        path: `/${entitySet}(${id})`,
        query: { $select: select.join(',') },
        idempotent: true,
        signal,
      });
    },

    /** `GET /WhoAmI`: the application user the token stands for. */
    whoAmI(signal?: AbortSignal) {
      return call({ method: 'GET', path: '/WhoAmI', idempotent: true, signal });
    },
  };
}

export { TokenRefused };
