/**
 * Write-back of case events to Stripe: the customer's metadata says whether the lease is
 * delinquent and what it owes (`POST /v1/customers/{id}`, Idempotency-Key = the event id,
 * so a repeated event is replayed by Stripe rather than applied twice).
 */
import type { CaseSinkPort, SinkOutcome } from '../../app/write-back.js';
import type { ConnectorLog } from '../context.js';
import { ProviderHttpError } from '../http.js';
import { StripeApiError, apiErrorOf, isIdempotencyReuse, type StripeClient } from './client.js';
import type { CustomerLookup } from './lookup.js';
import { PATHS, caseMetadataOf, metadataForm } from './map.js';

/** A thrown read or transport error as a sink outcome. */
export function sinkOutcomeOfError(error: unknown): SinkOutcome {
  if (error instanceof StripeApiError)
    return {
      ok: false,
      retryable: error.retryable,
      reason: error.message,
      ...(error.retryAfterMs !== null ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  if (error instanceof ProviderHttpError)
    return { ok: false, retryable: true, reason: error.message };
  throw error;
}

export function createStripeSink(
  client: StripeClient,
  lookup: CustomerLookup,
  log: ConnectorLog,
): CaseSinkPort {
  return {
    async apply({ event, context }, signal) {
      if (event.leaseId === null) return { ok: true };
      try {
        const customer = await lookup.customerOf(
          event.leaseId,
          context?.tenant?.email ?? null,
          signal,
        );
        if (!customer) {
          log.info(
            { connector: 'stripe', leaseId: event.leaseId, eventId: event.id },
            'no Stripe customer for this lease: case event not written',
          );
          return { ok: true };
        }
        const form = metadataForm(caseMetadataOf(event, context));
        const res = await client.updateMetadata(customer, form, event.id, signal);
        if (res.status === 200) return { ok: true };
        // The event's key was spent on an earlier write of this event (its balance has
        // moved since): that write stands.
        if (isIdempotencyReuse(res)) {
          log.info(
            { connector: 'stripe', eventId: event.id },
            'case event already written under its idempotency key',
          );
          return { ok: true };
        }
        const err = apiErrorOf('POST', PATHS.customer(customer), res);
        return {
          ok: false,
          retryable: err.retryable || res.status === 409,
          reason: err.message,
          ...(err.retryAfterMs !== null ? { retryAfterMs: err.retryAfterMs } : {}),
        };
      } catch (error) {
        return sinkOutcomeOfError(error);
      }
    },
  };
}
