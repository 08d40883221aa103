/**
 * Write-back of case events into Dataverse: each event upserts the case row by its
 * alternate key (`arrears_leasecase` = `<leaseId>:<episode>`), deactivates it when the case
 * closes, and adds one note whose id is derived from the event id — created with
 * `If-None-Match: *`, so a repeated event finds it there (412) and writes nothing twice.
 */
import type { CaseEvent, CaseSinkPort, SinkOutcome } from '../../app/write-back.js';
import { ProviderHttpError, type ProviderResponse } from '../http.js';
import type { ConnectorLog } from '../context.js';
import { TokenRefused, type DynamicsClient } from './client.js';
import {
  annotationBody,
  caseKeyOf,
  caseRowOf,
  CLOSED_STATE,
  entityIdOf,
  noteIdOf,
  noteOf,
  odataErrorOf,
} from './map.js';

export interface DynamicsTable {
  /** Logical name (`arrears_case`): the note's `objectid_<table>` binding. */
  table: string;
  /** Entity set name (`arrears_cases`): the Web API path. */
  entitySet: string;
}

const ok = (res: ProviderResponse) => res.status >= 200 && res.status < 300;
const short = (s: string) => (s.length > 200 ? `${s.slice(0, 199)}…` : s);

/** A Dataverse refusal as a sink outcome: throttling, outages and credentials wait. */
export function failureOf(res: ProviderResponse, step: string): SinkOutcome {
  const err = odataErrorOf(res.json) ?? { code: String(res.status), message: `HTTP ${res.status}` };
  const reason = short(`${step}: ${res.status} ${err.code} ${err.message}`.trim());
  if (res.status === 429 || res.status === 503)
    return {
      ok: false,
      retryable: true,
      reason,
      ...(res.retryAfterMs !== null ? { retryAfterMs: res.retryAfterMs } : {}),
    };
  // 401/403: the application user or its security role is the operator's to fix; the
  // events wait for it rather than being skipped.
  if (res.status === 401 || res.status === 403 || res.status === 408 || res.status >= 500)
    return { ok: false, retryable: true, reason };
  return { ok: false, retryable: false, reason };
}

export function failureOfError(error: unknown): SinkOutcome {
  if (error instanceof TokenRefused) {
    if (error.response.status === 429 || error.response.status >= 500)
      return failureOf(error.response, 'token');
    return { ok: false, retryable: true, reason: short(`credentials refused: ${error.message}`) };
  }
  const message =
    error instanceof ProviderHttpError ? error.message : String((error as Error)?.message ?? error);
  return { ok: false, retryable: true, reason: short(message) };
}

export function createDynamicsSink(
  client: DynamicsClient,
  t: DynamicsTable,
  log: ConnectorLog,
): CaseSinkPort {
  const idColumn = `${t.table}id`;

  async function rowIdOf(res: ProviderResponse, e: CaseEvent, signal?: AbortSignal) {
    const fromHeader = entityIdOf(res.headers.get('odata-entityid'));
    if (fromHeader) return fromHeader;
    const key = caseKeyOf(e.event.leaseId, e.event.caseEpisode)!;
    const found = await client.caseIdOf(t.entitySet, key, idColumn, signal);
    const id = (found.json as Record<string, unknown> | undefined)?.[idColumn];
    return ok(found) && typeof id === 'string' ? id : undefined;
  }

  return {
    async apply(e, signal) {
      const key = caseKeyOf(e.event.leaseId, e.event.caseEpisode);
      // A reply matched to no case, an action of no lease: no case row to write.
      if (key === null) return { ok: true };
      try {
        // An erased lease (no context) may close its row but must not create one.
        const mode = e.context === null ? 'update' : 'upsert';
        const written = await client.writeCase(t.entitySet, key, caseRowOf(e, key), mode, signal);
        if (written.status === 404 && mode === 'update') return { ok: true };
        if (!ok(written)) return failureOf(written, 'case row');
        const rowId = await rowIdOf(written, e, signal);
        if (rowId === undefined)
          return { ok: false, retryable: true, reason: 'case row: no OData-EntityId in answer' };

        if (e.event.event === 'case.closed') {
          const closed = await client.updateRow(t.entitySet, rowId, { ...CLOSED_STATE }, signal);
          if (!ok(closed)) return failureOf(closed, 'deactivate case row');
        }

        const note = await client.createNote(
          noteIdOf(e.event.id),
          annotationBody(noteOf(e), t.table, t.entitySet, rowId),
          signal,
        );
        if (note.status === 412) {
          log.info({ event: e.event.id }, 'dynamics note already written');
          return { ok: true };
        }
        return ok(note) ? { ok: true } : failureOf(note, 'note');
      } catch (error) {
        return failureOfError(error);
      }
    },
  };
}
