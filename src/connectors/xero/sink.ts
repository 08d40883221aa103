/**
 * Write-back of case events to Xero: one history note on the tenant's contact per event
 * (`PUT /Contacts/{id}/History`, Idempotency-Key = the event id, so a repeated event is
 * one note). Xero has no task object and no custom fields; the note is what staff see on
 * the contact. A lease this connector synced names its contact; any other is found by
 * the tenant's e-mail when exactly one contact has it. Nothing is ever created.
 */
import type { CaseSinkPort, SinkOutcome } from '../../app/write-back.js';
import type { ConnectorLog } from '../context.js';
import { ProviderHttpError } from '../http.js';
import { XeroApiError, apiErrorOf, type XeroClient } from './client.js';
import { contactIdOfLease, historyBody, historyDetailsOf } from './map.js';
import { TokenRefused } from './tokens.js';

function outcomeOfError(error: unknown): SinkOutcome {
  if (error instanceof XeroApiError)
    return {
      ok: false,
      retryable: error.retryable,
      reason: error.message,
      ...(error.retryAfterMs !== null ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  // Credentials are the operator's to fix; the events wait for them.
  if (error instanceof TokenRefused) return { ok: false, retryable: true, reason: error.message };
  if (error instanceof ProviderHttpError)
    return { ok: false, retryable: true, reason: error.message };
  throw error;
}

/** A lease with no contact is asked again after this long (the contact may be added). */
const MISS_TTL_MS = 3_600_000;

export function createXeroSink(
  client: XeroClient,
  log: ConnectorLog,
  now: () => number,
): CaseSinkPort {
  const known = new Map<string, { id: string | null; at: number }>();

  async function contactOf(leaseId: string, email: string | null, signal?: AbortSignal) {
    const own = contactIdOfLease(leaseId);
    if (own) return own;
    const hit = known.get(leaseId);
    if (hit && (hit.id !== null || now() - hit.at < MISS_TTL_MS)) return hit.id;
    if (!email) return null;
    const found = await client.contactsByEmail(email, signal);
    const id = found.items.length === 1 ? found.items[0]!.ContactID : null;
    if (found.items.length > 1)
      log.warn(
        { connector: 'xero', leaseId },
        "several Xero contacts share the tenant's e-mail: no note written",
      );
    known.set(leaseId, { id, at: now() });
    return id;
  }

  return {
    async apply({ event, context }, signal) {
      if (event.leaseId === null) return { ok: true };
      try {
        const contact = await contactOf(event.leaseId, context?.tenant?.email ?? null, signal);
        if (!contact) {
          log.info(
            { connector: 'xero', leaseId: event.leaseId, eventId: event.id },
            'no Xero contact for this lease: case event not written',
          );
          return { ok: true };
        }
        const res = await client.addHistory(
          'Contacts',
          contact,
          historyBody(historyDetailsOf(event, context)),
          event.id,
          signal,
        );
        if (res.status === 200) return { ok: true };
        return outcomeOfError(apiErrorOf(`PUT /Contacts/${contact}/History`, res));
      } catch (error) {
        return outcomeOfError(error);
      }
    },
  };
}
