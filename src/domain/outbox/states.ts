/**
 * The outbox item lifecycle (SPEC 1.2–1.4, R13; ARCHITECTURE "Outbox rows are a state
 * machine"): every status, and the one table of allowed transitions with who may make each.
 * Anything not in the table is an error — there is no self-loop (`approved → approved`), no
 * way back from a terminal status, and nothing is ever re-sent except through an explicit row
 * here.
 *
 *   (new) ─► draft ──approve──► approved ──claim──► dispatching ──accepted──► sent ──► delivered
 *              ▲  │                 │  ▲               │  │  │  │                 └──► failed
 *              │  └─► rejected      │  └──retry/hold───┘  │  │  └─rejected────────────► failed
 *              │      cancelled ◄───┤                     │  │  └─outcome lost──────► unknown
 *              │      expired   ◄───┤                     │  └─re-check: paid/closed ► cancelled
 *              │      skipped   ◄───┘                     │     lost consent ───────► skipped
 *              └──────────────── balance_changed ─────────┘
 *
 * `skipped` is a status of its own (not `cancelled`): a dispatch-time re-check found the
 * item may not go (lost consent: `no_consent`, `opted_out`, `no_contact`, `bad_contact`).
 * Reports count it apart from `cancelled` (the case was paid or closed) because it means
 * something else to an operator: the debt is still owed and the channel is gone, so a
 * fallback or another action is needed (SPEC 1.6 "nothing silently dropped").
 *
 * Pure: no I/O.
 */
import { AppError } from '../errors.js';

export const OUTBOX_STATUSES = [
  'draft',
  'approved',
  'dispatching',
  'sent',
  'delivered',
  'failed',
  'cancelled',
  'unknown',
  'rejected',
  'expired',
  'skipped',
] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** Who makes a transition; derived from the actor string (see `whoOf`). */
export const WHO = ['system', 'user', 'worker', 'provider'] as const;
export type Who = (typeof WHO)[number];

export interface OutboxTransition {
  from: OutboxStatus;
  to: OutboxStatus;
  who: Who;
  /** When it happens, for readers of the table (and `--help` texts). */
  when: string;
}

const t = (from: OutboxStatus, to: OutboxStatus, who: Who, when: string): OutboxTransition => ({
  from,
  to,
  who,
  when,
});

/** The transition table. One row per (from, to, who). */
export const TRANSITIONS: readonly OutboxTransition[] = Object.freeze([
  // Review.
  t('draft', 'approved', 'user', 'the approvals the item needs are complete'),
  t('draft', 'rejected', 'user', 'a reviewer rejects the draft (with a reason)'),
  t('draft', 'cancelled', 'system', 'the case was paid or closed before approval'),
  t('draft', 'cancelled', 'user', 'staff cancel the draft'),
  t('draft', 'expired', 'system', 'the draft was not approved while it still applied'),
  t('draft', 'skipped', 'system', 'a scan found consent or the contact point gone'),
  t('approved', 'draft', 'system', 'back to review: the past-due amount changed (balance_changed)'),
  t('approved', 'draft', 'user', 'staff edit an approved draft: the new version needs approval'),
  t('approved', 'rejected', 'user', 'a reviewer stops an approved item before dispatch'),
  t('approved', 'cancelled', 'system', 'the case was paid or closed before dispatch'),
  t('approved', 'cancelled', 'user', 'staff cancel the item'),
  t('approved', 'expired', 'system', 'the item was not dispatched while it still applied'),
  t('approved', 'skipped', 'system', 'a scan found consent or the contact point gone'),
  // Dispatch.
  t('approved', 'dispatching', 'worker', 'a worker claims the due item'),
  t('dispatching', 'sent', 'worker', 'the provider accepted it (or the task was created)'),
  t('dispatching', 'approved', 'worker', 'retry later (retry_after, retryable), hold, shutdown'),
  t('dispatching', 'approved', 'system', 'the claim expired: not started, or idempotent provider'),
  t('dispatching', 'failed', 'worker', 'the provider rejected it; never retried'),
  t('dispatching', 'unknown', 'worker', 'a non-idempotent provider whose answer was lost'),
  t('dispatching', 'unknown', 'system', 'the claim expired mid-send on a non-idempotent provider'),
  t('dispatching', 'cancelled', 'worker', 're-check: the case was paid or closed'),
  t('dispatching', 'skipped', 'worker', 're-check: consent or contact lost'),
  t('dispatching', 'draft', 'worker', 're-check: past-due amount changed (balance_changed)'),
  // After sending.
  t('sent', 'delivered', 'provider', 'a delivery event'),
  t('sent', 'failed', 'provider', 'undelivered, bounced or returned'),
  // Resolving an unknown outcome: by a human, a late answer or a provider event; never blind.
  t('unknown', 'sent', 'user', 'staff confirm it went out'),
  t('unknown', 'sent', 'worker', 'the original worker got the answer after all'),
  t('unknown', 'sent', 'provider', 'a provider event shows it went out'),
  t('unknown', 'delivered', 'provider', 'a delivery event'),
  t('unknown', 'failed', 'user', 'staff confirm it did not go out and give up'),
  t('unknown', 'failed', 'provider', 'a provider event shows it failed'),
  t('unknown', 'approved', 'user', 'staff confirm it did not go out: send it again'),
  t('unknown', 'cancelled', 'user', 'staff cancel it'),
]);

/** Statuses an item is created in. */
export const INITIAL_STATUSES: readonly OutboxStatus[] = ['draft', 'approved'];

/** Statuses with no way out. (`sent` can still become delivered/failed; `unknown` is resolved.) */
export const TERMINAL_STATUSES: readonly OutboxStatus[] = OUTBOX_STATUSES.filter(
  (s) => !TRANSITIONS.some((tr) => tr.from === s),
);

/** Statuses that still wait for something the engine or a human will do. */
export const OPEN_STATUSES: readonly OutboxStatus[] = [
  'draft',
  'approved',
  'dispatching',
  'unknown',
];

export function isOutboxStatus(value: string): value is OutboxStatus {
  return (OUTBOX_STATUSES as readonly string[]).includes(value);
}

/** `draft` when a human must approve first, else `approved`. */
export function initialStatus(approvalsRequired: number): OutboxStatus {
  return approvalsRequired > 0 ? 'draft' : 'approved';
}

/** `user:…` → user, `worker:…` → worker, `provider:…` → provider, anything else → system. */
export function whoOf(actor: string): Who {
  const prefix = actor.split(':', 1)[0];
  return prefix === 'user' || prefix === 'worker' || prefix === 'provider' ? prefix : 'system';
}

export function canTransition(from: OutboxStatus, to: OutboxStatus, who?: Who): boolean {
  return TRANSITIONS.some((tr) => tr.from === from && tr.to === to && (!who || tr.who === who));
}

/** A transition the table does not allow (for that actor). Exit 1 / HTTP 409. */
export class OutboxTransitionError extends AppError {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly who: Who | undefined,
    readonly key?: string,
  ) {
    const allowed = TRANSITIONS.filter((tr) => tr.from === from).map(
      (tr) => `${tr.to} (${tr.who})`,
    );
    super(
      'conflict',
      `outbox item ${key ?? ''}${key ? ' ' : ''}cannot go from ${from} to ${to}` +
        (who ? ` by a ${who}` : '') +
        `; from ${from} it can go to ${allowed.length ? [...new Set(allowed)].join(', ') : 'nothing (final)'}`,
    );
    this.name = 'OutboxTransitionError';
  }
}

/** Throws `OutboxTransitionError` unless the table has (from, to[, who]). */
export function assertTransition(from: string, to: string, who?: Who, key?: string): void {
  if (!isOutboxStatus(from) || !isOutboxStatus(to) || !canTransition(from, to, who))
    throw new OutboxTransitionError(from, to, who, key);
}

/** Another writer changed the item first (or the caller's claim is gone). Exit 1 / HTTP 409. */
export class OutboxConflictError extends AppError {
  constructor(
    readonly key: string,
    readonly expected: string,
    readonly actual: string | undefined,
  ) {
    super(
      'conflict',
      actual === undefined
        ? `outbox item ${key} does not exist`
        : `outbox item ${key} changed meanwhile: expected ${expected}, found ${actual}`,
    );
    this.name = 'OutboxConflictError';
  }
}
