/**
 * The HubSpot CRM calls the sink makes (reference §5), and nothing else calls HubSpot.
 * Every call carries the bearer token; a 401 renews an OAuth token once and repeats the
 * call. Upserts and reads are safe to repeat (5xx retried); creating a note or task is not,
 * so the sink looks for it before creating it again.
 */
import type { ConnectorLog } from '../context.js';
import { createProviderHttp, type ProviderRequest, type ProviderResponse } from '../http.js';
import {
  BODY_PROPERTY,
  DEAL_PROPERTIES,
  LEASE_ID_PROPERTY,
  rateLimitWaitMs,
  type Properties,
} from './map.js';
import { createHubSpotTokens, type OAuthApp } from './tokens.js';

export interface HubSpotClientOptions {
  accessToken: string;
  oauth: OAuthApp | null;
  baseUrl: string;
  /** `v3` or a date version (`2026-03`) for the object paths. */
  apiVersion: string;
  now: () => number;
  log: ConnectorLog;
  maxRetryWaitMs?: number;
}

export function createHubSpotClient(o: HubSpotClientOptions) {
  const common = {
    baseUrl: o.baseUrl,
    userAgent: 'arrears-hubspot/1',
    now: o.now,
    maxRetryWaitMs: o.maxRetryWaitMs,
    rateLimitWaitMs,
  };
  const tokens = createHubSpotTokens({
    accessToken: o.accessToken,
    oauth: o.oauth,
    http: createProviderHttp(common),
    now: o.now,
    log: o.log,
  });
  const http = createProviderHttp(common);
  const objects =
    o.apiVersion === 'v3' ? '/crm/v3/objects' : `/crm/objects/${encodeURIComponent(o.apiVersion)}`;

  const withToken = (req: ProviderRequest, token: string): ProviderRequest => ({
    ...req,
    headers: { ...req.headers, authorization: `Bearer ${token}` },
  });

  async function call(req: ProviderRequest): Promise<ProviderResponse> {
    const token = await tokens.current();
    const res = await http.request(withToken(req, token));
    if (res.status === 401 && (await tokens.renew(token)))
      return http.request(withToken(req, await tokens.current()));
    return res;
  }

  return {
    tokens,

    /** The lease's deal with its notes and tasks, by the unique lease id property. */
    getDeal(leaseId: string, signal?: AbortSignal) {
      return call({
        method: 'GET',
        path: `${objects}/deals/${encodeURIComponent(leaseId)}`,
        query: {
          idProperty: LEASE_ID_PROPERTY,
          properties: DEAL_PROPERTIES.join(','),
          associations: 'notes,tasks',
        },
        idempotent: true,
        signal,
      });
    },

    upsertDeal(leaseId: string, properties: Properties, signal?: AbortSignal) {
      return call({
        method: 'POST',
        path: `${objects}/deals/batch/upsert`,
        json: { inputs: [{ idProperty: LEASE_ID_PROPERTY, id: leaseId, properties }] },
        idempotent: true,
        signal,
      });
    },

    upsertContact(
      input: { idProperty: string; id: string; properties: Properties },
      signal?: AbortSignal,
    ) {
      return call({
        method: 'POST',
        path: `${objects}/contacts/batch/upsert`,
        json: { inputs: [input] },
        idempotent: true,
        signal,
      });
    },

    /** The default (unlabelled) deal ↔ contact association; PUT, so repeating it is harmless. */
    associateContact(dealId: string, contactId: string, signal?: AbortSignal) {
      return call({
        method: 'PUT',
        path: `/crm/v4/objects/deals/${encodeURIComponent(dealId)}/associations/default/contacts/${encodeURIComponent(contactId)}`,
        idempotent: true,
        signal,
      });
    },

    createEngagement(
      kind: 'note' | 'task',
      properties: Properties,
      associations: unknown[],
      signal?: AbortSignal,
    ) {
      return call({
        method: 'POST',
        path: `${objects}/${kind}s`,
        json: { properties, associations },
        signal,
      });
    },

    /** The bodies of some notes or tasks (batch read, ≤100 ids). */
    readEngagements(kind: 'note' | 'task', ids: readonly string[], signal?: AbortSignal) {
      return call({
        method: 'POST',
        path: `${objects}/${kind}s/batch/read`,
        json: { properties: [BODY_PROPERTY[kind]], inputs: ids.map((id) => ({ id })) },
        idempotent: true,
        signal,
      });
    },

    /** The definition of a deal property (verify: token and setup). */
    dealProperty(name: string, signal?: AbortSignal) {
      return call({
        method: 'GET',
        path: `/crm/v3/properties/deals/${encodeURIComponent(name)}`,
        idempotent: true,
        signal,
      });
    },
  };
}

export type HubSpotClient = ReturnType<typeof createHubSpotClient>;
