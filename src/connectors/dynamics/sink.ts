/**
 * Write-back of case events into Dataverse: each event upserts the case row by its
 * alternate key (`arrears_leasecase` = `<leaseId>:<episode>`), deactivates it when the case
 * closes, and adds one note whose id is derived from the event id — created with
 * `If-None-Match: *`, so a repeated event finds it there (412) and writes nothing twice.
 */
import type { CaseEvent, CaseSinkPort, SinkOutcome } from '../../app/write-back.js';
import type { ProviderResponse } from '../http.js';
import { sinkFailureOf, sinkFailureOfError } from '../outcomes.js';
import type { ConnectorLog } from '../context.js';
import type { DynamicsClient } from './client.js';
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

/** A Dataverse refusal as a sink outcome (see `sinkFailureOf`). */
export const failureOf = (res: ProviderResponse, step: string): SinkOutcome =>
  sinkFailureOf(res, step, odataErrorOf(res.json));

export const failureOfError = (error: unknown): SinkOutcome => sinkFailureOfError(error, failureOf);

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
