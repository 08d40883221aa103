/**
 * The Freshdesk API v2 calls (reference §14): Basic auth with the API key, tickets, their
 * notes and conversations, the requester's tickets and search. Answers are handed back as
 * they came; sink.ts decides what they mean.
 */
import { basicAuth, createProviderHttp, type ProviderHttp } from '../http.js';
import { OPEN_ARREARS_QUERY, searchQueryOf, STATUS } from './map.js';

export interface FreshdeskClientOptions {
  /** `https://{domain}.freshdesk.com` or a fake's URL; paths start with /api/v2. */
  baseUrl: string;
  apiKey: string;
  now: () => number;
  maxRetryWaitMs?: number;
}

export type FreshdeskClient = ReturnType<typeof createFreshdeskClient>;

export function createFreshdeskClient(options: FreshdeskClientOptions) {
  const http: ProviderHttp = createProviderHttp({
    baseUrl: options.baseUrl,
    // Freshdesk ignores the password of an API-key login; `X` is the documented filler.
    auth: () => ({ authorization: basicAuth(options.apiKey, 'X') }),
    userAgent: 'arrears-freshdesk/1',
    now: options.now,
    maxRetryWaitMs: options.maxRetryWaitMs,
  });
  const get = (path: string, query?: Record<string, string | number>, signal?: AbortSignal) =>
    http.request({ method: 'GET', path, query, idempotent: true, signal });

  return {
    /** The requester's tickets updated within the last year, newest first (no index lag). */
    ticketsOfRequester(email: string, signal?: AbortSignal) {
      const since = new Date(options.now() - 365 * 86_400_000).toISOString();
      return get(
        '/api/v2/tickets',
        {
          email,
          updated_since: since.replace(/\.\d{3}Z$/, 'Z'),
          order_by: 'updated_at',
          order_type: 'desc',
          per_page: 100,
        },
        signal,
      );
    },
    searchOpen: (leaseId: string, signal?: AbortSignal) =>
      get('/api/v2/search/tickets', { query: searchQueryOf(leaseId) }, signal),
    /** One page (30 tickets) of the open tickets tagged `arrears`. */
    searchArrearsOpen: (page: number, signal?: AbortSignal) =>
      get('/api/v2/search/tickets', { query: OPEN_ARREARS_QUERY, page }, signal),
    ticket: (id: number, signal?: AbortSignal) => get(`/api/v2/tickets/${id}`, undefined, signal),
    conversations: (id: number, signal?: AbortSignal) =>
      get(`/api/v2/tickets/${id}/conversations`, { per_page: 100 }, signal),
    createTicket: (body: Record<string, unknown>, signal?: AbortSignal) =>
      http.request({ method: 'POST', path: '/api/v2/tickets', json: body, signal }),
    addNote: (id: number, note: { body: string; private: true }, signal?: AbortSignal) =>
      http.request({ method: 'POST', path: `/api/v2/tickets/${id}/notes`, json: note, signal }),
    resolve: (id: number, signal?: AbortSignal) =>
      http.request({
        method: 'PUT',
        path: `/api/v2/tickets/${id}`,
        json: { status: STATUS.resolved },
        idempotent: true,
        signal,
      }),
    me: (signal?: AbortSignal) => get('/api/v2/agents/me', undefined, signal),
  };
}
