/**
 * Case events → a Salesforce Case per arrears case (write-back, app/write-back.ts):
 *
 *   1. upsert the Case by Arrears_Lease_Case__c = `<leaseId>:<episode>` (PATCH): opened
 *      → New, action sent → Working, closed → Closed; Description = balance and stage;
 *   2. for an action or a reply, the Case's Tasks are read (SOQL, every page) and the
 *      event's Task is created unless one already carries the event's marker.
 *
 * Both steps are idempotent, so applying an event twice changes nothing.
 */
import type { CaseSinkPort, SinkOutcome } from '../../app/write-back.js';
import type { ConnectorLog } from '../context.js';
import { ProviderHttpError, type ProviderResponse } from '../http.js';
import type { SalesforceClient } from './client.js';
import {
  caseExternalIdOf,
  caseFieldsOf,
  errorOf,
  isLimitExceeded,
  markerOf,
  recordIdOf,
  taskOf,
} from './map.js';
import { TokenRefused } from './tokens.js';

/** How long an exhausted API allocation (403 REQUEST_LIMIT_EXCEEDED) holds the stream. */
export const LIMIT_WAIT_MS = 60_000;

const OK: SinkOutcome = { ok: true };
const short = (s: string) => (s.length > 300 ? `${s.slice(0, 299)}…` : s);

export function failureOf(res: ProviderResponse, what: string): SinkOutcome {
  const err = errorOf(res) ?? { code: String(res.status), message: `HTTP ${res.status}` };
  const reason = short(`${what}: HTTP ${res.status} ${err.code} ${err.message}`);
  // Salesforce has no 429: an exhausted allocation is 403 REQUEST_LIMIT_EXCEEDED (§20).
  if (isLimitExceeded(res))
    return { ok: false, retryable: true, reason, retryAfterMs: LIMIT_WAIT_MS };
  // Credentials and permissions are the operator's to fix: the stream waits for them.
  const retryable =
    res.status === 401 || res.status === 403 || res.status === 408 || res.status >= 500;
  return { ok: false, retryable, reason };
}

export function thrownFailure(error: unknown, what: string): SinkOutcome {
  if (error instanceof TokenRefused)
    return { ok: false, retryable: true, reason: short(`${what}: ${error.message}`) };
  const message = error instanceof ProviderHttpError ? error.message : String(error);
  return { ok: false, retryable: true, reason: short(`${what}: ${message}`) };
}

export function createSalesforceSink(
  client: SalesforceClient,
  origin: string,
  log: ConnectorLog,
): CaseSinkPort {
  return {
    async apply({ event, context }, signal) {
      if (event.leaseId === null || event.caseEpisode === null) {
        log.info(
          { connector: 'salesforce', event: event.id },
          'event names no case (lease and episode): nothing to write',
        );
        return OK;
      }
      const externalId = caseExternalIdOf(event.leaseId, event.caseEpisode);
      let step = 'upserting the Case';
      try {
        const up = await client.upsertCase(
          externalId,
          caseFieldsOf(event, context, origin),
          signal,
        );
        if (up.status !== 200 && up.status !== 201 && up.status !== 204) return failureOf(up, step);
        const task = taskOf(event, '');
        if (!task) return OK;

        let caseId = recordIdOf(up.json);
        if (caseId === undefined) {
          step = 'reading the Case id';
          const got = await client.caseId(externalId, signal);
          if (got.status !== 200) return failureOf(got, step);
          caseId = recordIdOf(got.json);
          if (caseId === undefined)
            return { ok: false, retryable: true, reason: `${step}: no Id in the answer` };
        }

        step = "reading the Case's Tasks";
        const tasks = await client.tasksOf(caseId, signal);
        if (!tasks.ok) return failureOf(tasks.response, step);
        const mark = markerOf(event.id);
        if (tasks.records.some((t) => String(t.Description ?? '').includes(mark))) return OK;

        step = 'creating the Task';
        const created = await client.createTask(taskOf(event, caseId)!, signal);
        if (created.status !== 201) return failureOf(created, step);
        return OK;
      } catch (error) {
        return thrownFailure(error, step);
      }
    },
  };
}
