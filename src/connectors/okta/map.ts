/**
 * Okta mapping (pure): an `access` item's portal target → the lifecycle step for the user's
 * current status, the user search filter, Okta's error body and event hook payloads.
 */
import type { OutboxItem } from '../../app/ports/outbox.js';
import type { ProviderError } from '../outcomes.js';

/** The access target this connector owns (SPEC 3.4 `access` deny / restore lists). */
export const PORTAL_TARGET = 'portal';

export type PortalChange = 'deny' | 'restore';

const targetsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];

/** What the item asks of the portal, or why it cannot be done. */
export function portalChangeOf(
  item: OutboxItem,
): { ok: true; change: PortalChange } | { ok: false; code: string; reason: string } {
  const deny = targetsOf(item.payload.deny).includes(PORTAL_TARGET);
  const restore = targetsOf(item.payload.restore).includes(PORTAL_TARGET);
  if (deny && restore)
    return {
      ok: false,
      code: 'contradictory_access',
      reason: 'the item both denies and restores the portal',
    };
  if (!deny && !restore)
    return {
      ok: false,
      code: 'no_portal_target',
      reason: 'the access item names no `portal` target for Okta',
    };
  return { ok: true, change: deny ? 'deny' : 'restore' };
}

export interface OktaUser {
  id: string;
  status: string;
  /** Set while an asynchronous lifecycle operation runs. */
  transitioningToStatus?: string | null;
  profile: { login?: string; email?: string };
}

export type LifecycleOp = 'suspend' | 'unsuspend';

export type Step =
  | { kind: 'done'; status: string }
  | { kind: 'transition'; op: LifecycleOp }
  | { kind: 'refuse'; code: string; reason: string };

/**
 * Okta's lifecycle is a state machine without idempotency (reference §10): suspend only
 * from ACTIVE, unsuspend only from SUSPENDED. Reading the user first makes a repeat converge:
 * the state already reached is success. DEPROVISIONED has no portal access left to deny.
 * Other statuses (STAGED, PROVISIONED, LOCKED_OUT, RECOVERY, PASSWORD_EXPIRED) are refused
 * for staff to decide: suspending is not possible there, and reactivating is not ours to do.
 */
export function stepFor(change: PortalChange, user: OktaUser): Step {
  const status = user.transitioningToStatus ?? user.status;
  if (change === 'deny') {
    if (status === 'SUSPENDED' || status === 'DEPROVISIONED') return { kind: 'done', status };
    if (status === 'ACTIVE') return { kind: 'transition', op: 'suspend' };
  } else {
    if (status === 'ACTIVE') return { kind: 'done', status };
    if (status === 'SUSPENDED') return { kind: 'transition', op: 'unsuspend' };
  }
  return {
    kind: 'refuse',
    code: `okta_status_${status.toLowerCase()}`,
    reason: `the Okta user is ${status}: ${change === 'deny' ? 'only an ACTIVE user can be suspended' : 'only a SUSPENDED user can be unsuspended'}`,
  };
}

/** Okta's `search` expression for a user whose login or primary e-mail is `email`. */
export function userSearch(email: string): string {
  const quoted = `"${email.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return `profile.login eq ${quoted} or profile.email eq ${quoted}`;
}

export function usersOf(json: unknown): OktaUser[] {
  if (!Array.isArray(json)) return [];
  return json.filter(
    (u): u is OktaUser =>
      u !== null &&
      typeof u === 'object' &&
      typeof (u as OktaUser).id === 'string' &&
      typeof (u as OktaUser).status === 'string',
  );
}

export function userOf(json: unknown): OktaUser | undefined {
  return usersOf([json])[0];
}

/** `{errorCode, errorSummary, errorCauses: [{errorSummary}]}` → code and message. */
export function oktaErrorOf(json: unknown): ProviderError | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const e = json as { errorCode?: unknown; errorSummary?: unknown; errorCauses?: unknown };
  if (typeof e.errorCode !== 'string') return undefined;
  const causes = Array.isArray(e.errorCauses)
    ? e.errorCauses
        .map((c) => (c as { errorSummary?: unknown })?.errorSummary)
        .filter((s): s is string => typeof s === 'string')
    : [];
  const summary = typeof e.errorSummary === 'string' ? e.errorSummary : 'Okta error';
  return { code: e.errorCode, message: [summary, ...causes].join(': ') };
}

/** Milliseconds until `X-Rate-Limit-Reset` (epoch seconds), or null when absent. */
export function rateLimitResetMs(headers: Headers, now: number): number | null {
  const reset = headers.get('x-rate-limit-reset');
  if (reset === null || !/^\d{1,12}$/.test(reset.trim())) return null;
  return Math.max(0, Number(reset.trim()) * 1000 - now);
}

// ---------------------------------------------------------------------------------------
// Event hooks

/** One System Log event of an event hook delivery (the fields the connector reads). */
export interface HookEvent {
  uuid: string | null;
  eventType: string;
  published: string | null;
  /** Target users / groups: ids and logins, never profile data. */
  targets: { id: string; type: string; alternateId: string | null }[];
}

export interface HookDelivery {
  eventId: string | null;
  eventType: string | null;
  events: HookEvent[];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** `{eventType: "com.okta.event_hook", eventId, data: {events: [...]}}` read loosely. */
export function hookDeliveryOf(body: unknown): HookDelivery {
  const b = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const data =
    b.data !== null && typeof b.data === 'object' ? (b.data as Record<string, unknown>) : {};
  const events = Array.isArray(data.events) ? data.events : [];
  return {
    eventId: str(b.eventId),
    eventType: str(b.eventType),
    events: events.flatMap((raw): HookEvent[] => {
      if (raw === null || typeof raw !== 'object') return [];
      const e = raw as Record<string, unknown>;
      const type = str(e.eventType);
      if (type === null) return [];
      const targets = Array.isArray(e.target) ? e.target : [];
      return [
        {
          uuid: str(e.uuid),
          eventType: type,
          published: str(e.published),
          targets: targets.flatMap((t) => {
            const x = t !== null && typeof t === 'object' ? (t as Record<string, unknown>) : {};
            const id = str(x.id);
            return id === null
              ? []
              : [{ id, type: str(x.type) ?? 'unknown', alternateId: str(x.alternateId) }];
          }),
        },
      ];
    }),
  };
}

/** The lifecycle events staff may want to see when an admin acts in Okta directly. */
export const HOOK_EVENT_TYPES = [
  'user.lifecycle.suspend',
  'user.lifecycle.unsuspend',
  'user.lifecycle.deactivate',
];

/** `POST /eventHooks`: an HTTP hook to `uri` authenticated by a static Authorization value. */
export function eventHookBody(uri: string, secret: string) {
  return {
    name: 'Arrears portal access',
    events: { type: 'EVENT_TYPE', items: HOOK_EVENT_TYPES },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: {
        uri,
        headers: [],
        authScheme: { type: 'HEADER', key: 'Authorization', value: secret },
      },
    },
  };
}

export interface EventHookSummary {
  id: string;
  verificationStatus?: string;
  channel?: { config?: { uri?: string } };
}

export function hooksOf(json: unknown): EventHookSummary[] {
  if (!Array.isArray(json)) return [];
  return json.filter(
    (h): h is EventHookSummary =>
      h !== null && typeof h === 'object' && typeof (h as EventHookSummary).id === 'string',
  );
}
