/**
 * Provider answers → the outbox's outcome tags (ARCHITECTURE "outcomes drive retries").
 * A connector reads its provider's error body (`code`, `message`) and hands it here.
 */
import type { SendOutcome } from '../app/ports/outbox.js';
import type { SinkOutcome } from '../app/write-back.js';
import { TokenRefused } from './access-tokens.js';
import { ProviderHttpError, type ProviderResponse } from './http.js';

export interface ProviderError {
  /** The provider's error code (`21610`), else the HTTP status. */
  code: string;
  /** The provider's message, kept short; never a secret. */
  message: string;
}

export interface OutcomeOptions {
  /** The provider deduplicates a repeat: a lost answer or 5xx may be retried. */
  idempotent: boolean;
  now: number;
  /** The provider's id of what it created (read from the 2xx body). */
  externalId: (response: ProviderResponse) => string | undefined;
  /** The provider's error from a non-2xx body. */
  errorOf: (response: ProviderResponse) => ProviderError | undefined;
  /** The provider says 5xx means "not processed" (Twilio): retryable even when not idempotent. */
  serverErrorsAreRetryable?: boolean;
}

const short = (s: string) => (s.length > 200 ? `${s.slice(0, 199)}…` : s);

export function outcomeOfResponse(res: ProviderResponse, o: OutcomeOptions): SendOutcome {
  if (res.status >= 200 && res.status < 300) {
    const id = o.externalId(res);
    if (id === undefined || id === '')
      return o.idempotent
        ? { tag: 'retryable', reason: `HTTP ${res.status} without the created id` }
        : { tag: 'unknown', reason: `HTTP ${res.status} without the created id` };
    return { tag: 'accepted', externalId: id };
  }
  const err = o.errorOf(res) ?? { code: String(res.status), message: `HTTP ${res.status}` };
  const reason = short(`${err.code} ${err.message}`);
  if (res.status === 429 || res.status === 503) {
    if (res.retryAfterMs !== null)
      return { tag: 'retry_after', at: new Date(o.now + res.retryAfterMs).toISOString(), reason };
    return { tag: 'retryable', reason };
  }
  if (res.status === 401)
    // Credentials are the operator's to fix; the item waits for them rather than failing.
    return { tag: 'retryable', reason: short(`credentials refused: ${err.message}`) };
  if (res.status === 408 || res.status >= 500)
    return o.idempotent || o.serverErrorsAreRetryable
      ? { tag: 'retryable', reason }
      : { tag: 'unknown', reason };
  return { tag: 'rejected', code: err.code, reason: short(err.message) };
}

/** A thrown ProviderHttpError → retryable (nothing sent, or repeatable) or unknown. */
export function outcomeOfError(error: unknown, idempotent: boolean): SendOutcome {
  if (error instanceof ProviderHttpError) {
    if (error.kind === 'not_sent' || idempotent) return { tag: 'retryable', reason: error.message };
    return { tag: 'unknown', reason: error.message };
  }
  return idempotent
    ? { tag: 'retryable', reason: short(String((error as Error)?.message ?? error)) }
    : { tag: 'unknown', reason: short(String((error as Error)?.message ?? error)) };
}

/**
 * A CRM's refusal of a write-back as the sink's outcome (Dynamics 365, Zoho CRM):
 * throttling, outages and credentials wait; anything else is refused. `err` is the
 * provider's error read from the body, when it has one.
 */
export function sinkFailureOf(
  res: ProviderResponse,
  step: string,
  err: ProviderError | undefined,
): SinkOutcome {
  const { code, message } = err ?? { code: String(res.status), message: `HTTP ${res.status}` };
  const reason = short(`${step}: ${res.status} ${code} ${message}`.trim());
  if (res.status === 429 || res.status === 503)
    return {
      ok: false,
      retryable: true,
      reason,
      ...(res.retryAfterMs !== null ? { retryAfterMs: res.retryAfterMs } : {}),
    };
  // 401/403 (an application user's role, a missing scope) are the operator's to fix; the
  // events wait for it rather than being skipped.
  if (res.status === 401 || res.status === 403 || res.status === 408 || res.status >= 500)
    return { ok: false, retryable: true, reason };
  return { ok: false, retryable: false, reason };
}

/** A write-back that threw: a refused token answers like its response; anything else waits. */
export function sinkFailureOfError(
  error: unknown,
  failureOf: (res: ProviderResponse, step: string) => SinkOutcome,
): SinkOutcome {
  if (error instanceof TokenRefused) {
    if (error.response.status === 429 || error.response.status >= 500)
      return failureOf(error.response, 'token');
    return { ok: false, retryable: true, reason: short(`credentials refused: ${error.message}`) };
  }
  const message =
    error instanceof ProviderHttpError ? error.message : String((error as Error)?.message ?? error);
  return { ok: false, retryable: true, reason: short(message) };
}
