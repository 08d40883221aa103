/**
 * Outcomes drive retries (ARCHITECTURE): a provider answers with one tag, and this pure
 * function decides the item's next status, reason and, for a retry, when it is due again.
 *
 *   accepted {externalId}  → sent
 *   retry_after {at}       → approved, due at `at` (never sooner than `minDelayMs`)
 *   retryable {reason}     → approved, due after an exponential backoff
 *   rejected {code,reason} → failed (never retried)
 *   unknown                → unknown (a non-idempotent provider whose answer was lost;
 *                            a human resolves it, nothing re-sends it blindly)
 *
 * After `maxAttempts` send attempts a retryable answer becomes `failed`
 * (`retries_exhausted`), so a provider that is down for good cannot keep an item forever.
 *
 * Reasons are `code` or `code: detail`: the code is machine-readable, the detail is what the
 * provider said (never a secret; truncated).
 */
import { sha256Hex } from '../audit/chain.js';

export type SendOutcome =
  | { tag: 'accepted'; externalId: string }
  | { tag: 'retry_after'; at: string; reason?: string }
  | { tag: 'retryable'; reason: string }
  | { tag: 'rejected'; code: string; reason: string }
  | { tag: 'unknown'; reason?: string };

export const OUTCOME_TAGS = [
  'accepted',
  'retry_after',
  'retryable',
  'rejected',
  'unknown',
] as const;

/** Outbox reason codes beyond the evaluator's (`paid`, `closed`, `hold`, `no_consent` …). */
export const OUTBOX_REASON_CODES = [
  /** The claim of a crashed worker expired; the item goes back to dispatch. */
  'lease_expired',
  /** The claim expired while a non-idempotent provider was being called. */
  'outcome_lost',
  'retry_after',
  'retryable',
  'retries_exhausted',
  /** The provider refused it: `rejected: CODE message`. */
  'rejected',
  /** No sender is configured for the item's type and channel/method. */
  'no_provider',
  /** A worker shut down before starting it; it goes back to dispatch. */
  'released',
  /** The dispatch-time re-check itself failed (a bug or the database); retried. */
  'recheck_failed',
  /** A draft was edited after approval: back to review. */
  'edited',
  /** A worker recorded the answer of a send that had already been marked unknown. */
  'late_outcome',
] as const;

export interface RetryPolicy {
  /** Delay after the first failed attempt; doubled for each further one. */
  baseMs: number;
  /** Longest delay between attempts. */
  maxMs: number;
  /** Send attempts (claims that reached the provider) before giving up. */
  maxAttempts: number;
  /** Nothing is due again sooner than this, so one dispatch pass never loops on an item. */
  minDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  baseMs: 30_000,
  maxMs: 60 * 60_000,
  maxAttempts: 8,
  minDelayMs: 1_000,
});

/**
 * Delay before attempt `attempt + 1`: `baseMs · 2^(attempt−1)`, capped at `maxMs`, plus up to
 * 20 % jitter derived from the key (deterministic, so tests and replays agree, yet items that
 * failed together do not all come back in the same second).
 */
export function backoffMs(key: string, attempt: number, policy: RetryPolicy): number {
  const n = Math.max(1, Math.floor(attempt));
  const raw = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(n - 1, 40));
  const jitter = parseInt(sha256Hex(`${key}#${n}`).slice(0, 8), 16) / 0xffffffff;
  return Math.max(policy.minDelayMs, Math.round(raw * (1 + 0.2 * jitter)));
}

export type OutcomeDecision =
  | { to: 'sent'; reason: null; providerId: string }
  | { to: 'approved'; reason: string; dueAt: string }
  | { to: 'failed'; reason: string }
  | { to: 'unknown'; reason: string };

const DETAIL_MAX = 200;

/** `code` or `code: detail`, the detail trimmed to one line of at most 200 characters. */
export function reasonText(code: string, detail?: string | null): string {
  const text = (detail ?? '').replace(/\s+/g, ' ').trim();
  if (!text) return code;
  return `${code}: ${text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX - 1)}…` : text}`;
}

export function decideOutcome(
  outcome: SendOutcome,
  ctx: { key: string; attempts: number; nowMs: number; policy?: RetryPolicy },
): OutcomeDecision {
  const policy = ctx.policy ?? DEFAULT_RETRY_POLICY;
  switch (outcome.tag) {
    case 'accepted':
      return { to: 'sent', reason: null, providerId: outcome.externalId };
    case 'rejected':
      return { to: 'failed', reason: reasonText('rejected', `${outcome.code} ${outcome.reason}`) };
    case 'unknown':
      return { to: 'unknown', reason: reasonText('outcome_lost', outcome.reason) };
    case 'retry_after':
    case 'retryable': {
      const detail: string | undefined = outcome.reason;
      if (ctx.attempts >= policy.maxAttempts)
        return {
          to: 'failed',
          reason: reasonText(
            'retries_exhausted',
            `${ctx.attempts} attempts; last: ${detail ?? outcome.tag}`,
          ),
        };
      const earliest = ctx.nowMs + policy.minDelayMs;
      let due: number;
      if (outcome.tag === 'retry_after') {
        const at = Date.parse(outcome.at);
        due = Number.isNaN(at) ? ctx.nowMs + backoffMs(ctx.key, ctx.attempts, policy) : at;
      } else due = ctx.nowMs + backoffMs(ctx.key, ctx.attempts, policy);
      return {
        to: 'approved',
        reason: reasonText(outcome.tag, detail),
        dueAt: new Date(Math.max(due, earliest)).toISOString(),
      };
    }
  }
}
