/**
 * The Salesforce REST calls (reference §4); nothing else calls Salesforce. The token
 * endpoint is at the base URL (login.salesforce.com, test.salesforce.com or My Domain),
 * every other call at the session's instance URL with `Authorization: Bearer`. An expired
 * session (401 INVALID_SESSION_ID) is minted again once and the call repeated.
 *
 * Upserts by external id and reads are safe to repeat (5xx retried inside the call); a
 * Task create is not, so the sink looks for it before creating it again.
 */
import { createProviderHttp, type ProviderRequest, type ProviderResponse } from '../http.js';
import {
  EXTERNAL_ID_FIELD,
  SALESFORCE_ID,
  isInvalidSession,
  queryPageOf,
  type Fields,
} from './map.js';
import { createSessionCache, type Grant } from './tokens.js';

export interface SalesforceClientOptions {
  grant: Grant;
  baseUrl: string;
  apiVersion: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

export function createSalesforceClient(o: SalesforceClientOptions) {
  const http = createProviderHttp({
    baseUrl: o.baseUrl,
    userAgent: 'arrears-salesforce/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
  });
  const sessions = createSessionCache({ grant: o.grant, http, now: o.now });
  const api = `/services/data/${o.apiVersion}`;

  /** A request at the instance URL (`path` under /services/data/{version}, or absolute). */
  async function call(req: ProviderRequest): Promise<ProviderResponse> {
    const at = (s: { accessToken: string; instanceUrl: string }): ProviderRequest => ({
      ...req,
      path: req.path.startsWith('/services/')
        ? `${s.instanceUrl}${req.path}`
        : `${s.instanceUrl}${api}${req.path}`,
      headers: { ...req.headers, authorization: `Bearer ${s.accessToken}` },
    });
    const session = await sessions.session();
    const res = await http.request(at(session));
    if (!isInvalidSession(res)) return res;
    sessions.invalidate(session.accessToken);
    return http.request(at(await sessions.session()));
  }

  const casePath = (externalId: string) =>
    `/sobjects/Case/${EXTERNAL_ID_FIELD}/${encodeURIComponent(externalId)}`;

  return {
    /** PATCH upsert: 201 created, 200 (v46+) or 204 updated. */
    upsertCase(externalId: string, fields: Fields, signal?: AbortSignal) {
      return call({
        method: 'PATCH',
        path: casePath(externalId),
        json: fields,
        idempotent: true,
        signal,
      });
    },

    /** The Case's Id by its external id (after a 204 upsert, which names none). */
    caseId(externalId: string, signal?: AbortSignal) {
      return call({
        method: 'GET',
        path: casePath(externalId),
        query: { fields: 'Id' },
        idempotent: true,
        signal,
      });
    },

    createTask(fields: Fields, signal?: AbortSignal) {
      return call({ method: 'POST', path: '/sobjects/Task', json: fields, signal });
    },

    /**
     * The Tasks of a Case (Id, Description), every page: follows `nextRecordsUrl` until
     * `done`. Answers the records, or the response that stopped it.
     */
    async tasksOf(
      caseId: string,
      signal?: AbortSignal,
    ): Promise<
      { ok: true; records: Record<string, unknown>[] } | { ok: false; response: ProviderResponse }
    > {
      if (!SALESFORCE_ID.test(caseId)) throw new Error(`not a Salesforce id: ${caseId}`);
      const records: Record<string, unknown>[] = [];
      let next: ProviderRequest = {
        method: 'GET',
        path: '/query',
        query: { q: `SELECT Id, Description FROM Task WHERE WhatId = '${caseId}'` },
        idempotent: true,
        signal,
      };
      for (;;) {
        const res = await call(next);
        const page = res.status === 200 ? queryPageOf(res.json) : undefined;
        if (!page) return { ok: false, response: res };
        records.push(...page.records);
        if (page.done || !page.nextRecordsUrl) return { ok: true, records };
        next = { method: 'GET', path: page.nextRecordsUrl, idempotent: true, signal };
      }
    },

    /** `GET /limits` (verify). */
    limits(signal?: AbortSignal) {
      return call({ method: 'GET', path: '/limits', idempotent: true, signal });
    },
  };
}

export type SalesforceClient = ReturnType<typeof createSalesforceClient>;
