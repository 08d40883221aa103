/**
 * Case events → the lease's HubSpot deal (write-back, app/write-back.ts). One event:
 *
 *   1. read the deal by `arrears_lease_id` (with its notes and tasks);
 *   2. a deal already past this event (`arrears_last_event_id` is later) → nothing to do;
 *   3. upsert the tenant's contact by e-mail (when a case opens, the deal is new, or a
 *      note or task will name it);
 *   4. batch-upsert the deal by `arrears_lease_id`, `arrears_last_event_id` = this event;
 *   5. associate deal and contact (a case opened, a new deal, a replay);
 *   6. create the event's note or task — unless this event was already the deal's last
 *      one (a replay, or an earlier try lost its answer), then only when no note or task
 *      of the deal carries its marker.
 *
 * So applying an event twice writes the same values and adds nothing.
 */
import type { CaseSinkPort, SinkOutcome } from '../../app/write-back.js';
import type { ConnectorLog } from '../context.js';
import { ProviderHttpError, type ProviderResponse } from '../http.js';
import type { HubSpotClient } from './client.js';
import {
  BODY_PROPERTY,
  LAST_EVENT_PROPERTY,
  associationsOf,
  batchErrorOf,
  batchIdOf,
  contactInputOf,
  dealPropertiesOf,
  dealRecordOf,
  engagementOf,
  errorOf,
  markerOf,
  rateLimitWaitMs,
  seqOf,
  type DealRecord,
  type DealStages,
} from './map.js';

const OK: SinkOutcome = { ok: true };
const short = (s: string) => (s.length > 300 ? `${s.slice(0, 299)}…` : s);

/** HubSpot's answer → the sink's: what waits (limits, credentials, outages) and what is refused. */
export function failureOf(res: ProviderResponse, what: string): SinkOutcome {
  const err = (res.status === 207 ? batchErrorOf(res) : undefined) ??
    errorOf(res) ?? { code: String(res.status), message: `HTTP ${res.status}` };
  const reason = short(`${what}: HTTP ${res.status} ${err.code} ${err.message}`);
  if (res.status === 429) {
    const interval = Number(res.headers.get('x-hubspot-ratelimit-interval-milliseconds'));
    const retryAfterMs =
      res.retryAfterMs ??
      rateLimitWaitMs(res.headers) ??
      (Number.isFinite(interval) && interval > 0 ? interval : 10_000);
    return { ok: false, retryable: true, reason, retryAfterMs };
  }
  // Credentials and scopes are the operator's to fix: the stream waits for them.
  const retryable =
    res.status === 401 || res.status === 403 || res.status === 408 || res.status >= 500;
  return { ok: false, retryable, reason };
}

function thrown(error: unknown, what: string): SinkOutcome {
  const message = error instanceof ProviderHttpError ? error.message : String(error);
  return { ok: false, retryable: true, reason: short(`${what}: ${message}`) };
}

const okStatus = (res: ProviderResponse) => res.status >= 200 && res.status < 300;

export function createHubSpotSink(
  client: HubSpotClient,
  stages: DealStages,
  log: ConnectorLog,
): CaseSinkPort {
  /** Does a note or task of the deal already carry this event's marker? */
  async function alreadyWritten(
    kind: 'note' | 'task',
    deal: DealRecord,
    eventId: string,
    signal?: AbortSignal,
  ): Promise<boolean | SinkOutcome> {
    const ids = kind === 'note' ? deal.notes : deal.tasks;
    for (let i = 0; i < ids.length; i += 100) {
      const res = await client.readEngagements(kind, ids.slice(i, i + 100), signal);
      if (res.status !== 200) return failureOf(res, `reading the deal's ${kind}s`);
      const results = (res.json as { results?: { properties?: Record<string, unknown> }[] })
        ?.results;
      const mark = markerOf(eventId);
      if (
        results?.some((r) => {
          const body = r.properties?.[BODY_PROPERTY[kind]];
          return typeof body === 'string' && body.includes(mark);
        })
      )
        return true;
    }
    return false;
  }

  return {
    async apply({ event, context }, signal) {
      if (event.leaseId === null) return OK;
      const leaseId = event.leaseId;
      let step = 'reading the deal';
      try {
        const got = await client.getDeal(leaseId, signal);
        if (got.status !== 200 && got.status !== 404) return failureOf(got, step);
        const deal = got.status === 200 ? dealRecordOf(got.json) : undefined;
        if (got.status === 200 && !deal)
          return { ok: false, retryable: true, reason: 'reading the deal: no id in the answer' };
        const last = deal?.properties[LAST_EVENT_PROPERTY] ?? null;
        if (last !== null && seqOf(last) > seqOf(event.id)) return OK;
        if (!deal && !context) {
          // An erased lease that never had a deal: there is nothing to update.
          log.info({ connector: 'hubspot', event: event.id }, 'no deal for an erased lease');
          return OK;
        }
        const engagement = engagementOf(event);
        // This event was written before (its answer lost, or the cursor not saved): only
        // what may be missing is redone.
        const replay = deal !== undefined && last === event.id;
        const linking = event.event === 'case.opened' || !deal || replay;

        let contactId: string | null = null;
        const contact = contactInputOf(context);
        if (contact && (linking || engagement)) {
          step = 'upserting the contact';
          const res = await client.upsertContact(contact, signal);
          if (!okStatus(res) || res.status === 207) return failureOf(res, step);
          contactId = batchIdOf(res.json) ?? null;
        }

        step = 'upserting the deal';
        const properties = dealPropertiesOf(event, context, stages, !deal);
        const up = await client.upsertDeal(leaseId, properties, signal);
        if (!okStatus(up) || up.status === 207) return failureOf(up, step);
        const dealId = batchIdOf(up.json) ?? deal?.id;
        if (dealId === undefined)
          return { ok: false, retryable: true, reason: `${step}: no deal id in the answer` };

        if (contactId !== null && linking) {
          step = 'associating the contact';
          const res = await client.associateContact(dealId, contactId, signal);
          if (!okStatus(res)) return failureOf(res, step);
        }

        if (engagement) {
          step = `creating the ${engagement.kind}`;
          if (replay && deal) {
            const found = await alreadyWritten(engagement.kind, deal, event.id, signal);
            if (found !== false) return found === true ? OK : found;
          }
          const res = await client.createEngagement(
            engagement.kind,
            engagement.properties,
            associationsOf(engagement.kind, dealId, contactId),
            signal,
          );
          if (!okStatus(res)) return failureOf(res, step);
        }
        return OK;
      } catch (error) {
        return thrown(error, step);
      }
    },
  };
}
