/**
 * Write-back of case events into Zoho CRM: each event upserts the case record (duplicate
 * check on Arrears_Lease_Case) and adds one note titled with the event id. Notes cannot be
 * upserted, so before writing one the case's notes are listed and a note already carrying
 * the event's marker is taken as written: a repeated event adds nothing.
 */
import type { CaseSinkPort, SinkOutcome } from '../../app/write-back.js';
import type { ProviderResponse } from '../http.js';
import { sinkFailureOf, sinkFailureOfError } from '../outcomes.js';
import type { ConnectorLog } from '../context.js';
import type { ZohoClient } from './client.js';
import { caseKeyOf, caseRecordOf, marker, noteOf, recordResultOf, zohoErrorOf } from './map.js';

const ok = (res: ProviderResponse) => res.status >= 200 && res.status < 300;

/** A Zoho refusal as a sink outcome (see `sinkFailureOf`). */
export const failureOf = (res: ProviderResponse, step: string): SinkOutcome =>
  sinkFailureOf(res, step, zohoErrorOf(res.json));

export const failureOfError = (error: unknown): SinkOutcome => sinkFailureOfError(error, failureOf);

type Found = { found: boolean } | { failed: ProviderResponse };

export function createZohoSink(client: ZohoClient, log: ConnectorLog): CaseSinkPort {
  /** Does the case already hold the note of this event? */
  async function noteWritten(
    caseId: string,
    eventId: string,
    signal?: AbortSignal,
  ): Promise<Found> {
    const tag = marker(eventId);
    for (let page = 1; page <= 50; page++) {
      const res = await client.notesPage(caseId, page, signal);
      if (res.status === 204) return { found: false };
      if (!ok(res)) return { failed: res };
      const body = res.json as {
        data?: { Note_Title?: unknown }[];
        info?: { more_records?: unknown };
      };
      if (
        (body.data ?? []).some(
          (n) => typeof n.Note_Title === 'string' && n.Note_Title.endsWith(tag),
        )
      )
        return { found: true };
      if (body.info?.more_records !== true) return { found: false };
    }
    return { found: false };
  }

  return {
    async apply(e, signal) {
      const key = caseKeyOf(e.event.leaseId, e.event.caseEpisode);
      if (key === null) return { ok: true };
      try {
        const upserted = await client.upsertCase(caseRecordOf(e, key), signal);
        const result = recordResultOf(upserted.json);
        if (result?.ok !== true) {
          // An erased lease carries no Subject: Zoho refuses to insert it, which is right.
          if (e.context === null && result?.error.code === 'MANDATORY_NOT_FOUND')
            return { ok: true };
          return failureOf(upserted, 'case record');
        }

        const written = await noteWritten(result.id, e.event.id, signal);
        if ('failed' in written) return failureOf(written.failed, 'notes');
        if (written.found) {
          log.info({ event: e.event.id }, 'zoho note already written');
          return { ok: true };
        }
        const note = await client.addNote(result.id, noteOf(e), signal);
        if (recordResultOf(note.json)?.ok === true) return { ok: true };
        return failureOf(note, 'note');
      } catch (error) {
        return failureOfError(error);
      }
    },
  };
}
