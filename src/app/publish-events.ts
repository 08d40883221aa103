/**
 * Events for automation (SPEC 11 "Zapier REST hooks"; reference/connectors-messaging.md §8):
 * Zapier subscribes a target URL to one of five public events through `/api/v1/hooks`, and
 * each pass of the worker posts what happened since to every live subscription.
 *
 * The events are read from the audit log, the record of what happened (SPEC 7), so nothing
 * else has to remember to publish them:
 *
 *   case.opened     ← audit `case.opened`     (a scan opened a case)
 *   case.closed     ← audit `case.closed`     (a scan closed it: paid, written off …)
 *   action.sent     ← audit `outbox.sent`     (a provider accepted an outbox item)
 *   action.failed   ← audit `outbox.failed`   (rejected, bounced, retries exhausted …)
 *   reply.received  ← audit `reply.received`  (a tenant's reply matched a lease)
 *
 * Payloads carry ids, dates, codes and counts — never a message body, an address, a phone
 * number or a secret — and each event has one fixed set of keys (absent values are null),
 * which is also the sample Zapier's editor shows (`sampleEvent`).
 *
 * Delivery keeps one cursor per subscription (`last_seq`, the audit seq delivered up to),
 * starting at the audit head when Zapier subscribes. A pass takes the subscription's lease
 * (so two workers never post the same event), posts the matching entries after the cursor
 * in order, and moves the cursor past each one as soon as it is accepted: a failure stops
 * that subscription at the failed event until the next pass (nothing skipped), `410 Gone`
 * deletes the subscription (Zapier's "this Zap is off"), and a `Retry-After` keeps the
 * lease until then. Only a worker crash between Zapier's answer and the cursor update can
 * post an event twice; its `id` (`evt_<org>_<seq>`) is the same both times.
 */
import { randomBytes } from 'node:crypto';
import { AppError, InputError } from '../domain/errors.js';
import type { Clock } from './ports/clock.js';

export const HOOK_EVENTS = [
  'case.opened',
  'case.closed',
  'action.sent',
  'action.failed',
  'reply.received',
  'case.flagged',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export function isHookEvent(value: unknown): value is HookEvent {
  return typeof value === 'string' && (HOOK_EVENTS as readonly string[]).includes(value);
}

/** The audit entry type each public event is read from (see the appenders named above). */
export const AUDIT_TYPE_OF: Readonly<Record<HookEvent, string>> = Object.freeze({
  'case.opened': 'case.opened',
  'case.closed': 'case.closed',
  'action.sent': 'outbox.sent',
  'action.failed': 'outbox.failed',
  'reply.received': 'reply.received',
  'case.flagged': 'lease.flagged',
});

// ---------------------------------------------------------------------------------------
// Public payloads

interface EventBase {
  /** `evt_<org>_<seq>`: the same on every delivery of this event. */
  id: string;
  event: HookEvent;
  /** ISO instant the audit entry was written. */
  occurredAt: string;
  leaseId: string | null;
  caseEpisode: number | null;
}

export interface CaseOpenedEvent extends EventBase {
  event: 'case.opened';
  openedOn: string | null;
  policyId: string | null;
  policyVersion: number | null;
}

export interface CaseClosedEvent extends EventBase {
  event: 'case.closed';
  closedOn: string | null;
  /** `paid`, `written_off`, `moved_out` … */
  outcome: string | null;
}

export interface ActionEvent extends EventBase {
  event: 'action.sent' | 'action.failed';
  /** The outbox key (R7). */
  key: string | null;
  stage: string | null;
  action: string | null;
  status: 'sent' | 'failed';
  /** The connector that sent it (`twilio`, `sandbox` …). */
  provider: string | null;
  attempts: number | null;
  /** The reason code only (`rejected`, `bounced`, `retries_exhausted` …), never its detail. */
  reason: string | null;
  /** The provider's error code of a rejection. */
  errorCode: string | null;
}

export interface ReplyReceivedEvent extends EventBase {
  event: 'reply.received';
  replyId: string | null;
  channel: string | null;
  /** SPEC R12 intent: `promise`, `dispute`, `opt_out` … */
  intent: string | null;
  status: string | null;
}

export interface CaseFlaggedEvent extends EventBase {
  event: 'case.flagged';
  /** `flag` (staff flagged the lease) or `at_risk` (the tenant's status). */
  kind: string | null;
  flaggedOn: string | null;
}

export type PublicEvent =
  CaseOpenedEvent | CaseClosedEvent | ActionEvent | ReplyReceivedEvent | CaseFlaggedEvent;

/** What the audit log hands over (domain/audit/chain.ts AuditEntry without the hashes). */
export interface AuditFeedEntry {
  seq: number;
  at: string;
  actor: string;
  type: string;
  subject: string;
  data: unknown;
}

type Fields = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const int = (v: unknown): number | null => (Number.isInteger(v) ? (v as number) : null);

function fieldsOf(data: unknown): Fields {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return {};
  // An erased entry keeps only its tombstone: the event still goes out, with nulls.
  return '$tombstone' in data ? {} : (data as Fields);
}

function leaseOfSubject(subject: string): string | null {
  return subject.startsWith('lease:') ? subject.slice('lease:'.length) || null : null;
}

/** `{lease}:{episode}:{stage}:{action}[:{charge}][/{contact}/{method}]` read back. */
function partsOfKey(key: string, leaseId: string | null) {
  const none = { leaseId, episode: null, stage: null, action: null };
  let rest: string;
  if (leaseId !== null && key.startsWith(`${leaseId}:`)) rest = key.slice(leaseId.length + 1);
  else {
    const at = key.indexOf(':');
    if (at < 0) return none;
    leaseId ??= key.slice(0, at);
    rest = key.slice(at + 1);
  }
  const [episode, stage, action] = rest.split('/')[0]!.split(':');
  return {
    leaseId,
    episode: episode !== undefined && /^\d+$/.test(episode) ? Number(episode) : null,
    stage: stage || null,
    action: action || null,
  };
}

/** The public event of an audit entry, or null when the entry is not one of the five. */
export function publicEventOf(orgId: string, entry: AuditFeedEntry): PublicEvent | null {
  const d = fieldsOf(entry.data);
  const base = { id: `evt_${orgId}_${entry.seq}`, occurredAt: entry.at };
  switch (entry.type) {
    case 'case.opened':
      return {
        ...base,
        event: 'case.opened',
        leaseId: leaseOfSubject(entry.subject),
        caseEpisode: int(d.episode),
        openedOn: str(d.opened),
        policyId: str(d.policy),
        policyVersion: int(d.policyVersion),
      };
    case 'case.closed':
      return {
        ...base,
        event: 'case.closed',
        leaseId: leaseOfSubject(entry.subject),
        caseEpisode: int(d.episode),
        closedOn: str(d.closed),
        outcome: str(d.outcome),
      };
    case 'outbox.sent':
    case 'outbox.failed': {
      const key =
        str(d.key) ??
        (entry.subject.startsWith('outbox:') ? entry.subject.slice('outbox:'.length) : null);
      const parts = key === null ? null : partsOfKey(key, str(d.leaseId));
      const reason = str(d.reason);
      return {
        ...base,
        event: entry.type === 'outbox.sent' ? 'action.sent' : 'action.failed',
        leaseId: parts?.leaseId ?? str(d.leaseId),
        caseEpisode: parts?.episode ?? null,
        key,
        stage: parts?.stage ?? null,
        action: parts?.action ?? null,
        status: entry.type === 'outbox.sent' ? 'sent' : 'failed',
        provider: str(d.provider),
        attempts: int(d.attempts),
        reason: reason === null ? null : reason.split(':')[0]!.trim() || null,
        errorCode: str(d.code),
      };
    }
    case 'reply.received':
      return {
        ...base,
        event: 'reply.received',
        leaseId: str(d.leaseId) ?? leaseOfSubject(entry.subject),
        caseEpisode: int(d.episode),
        replyId: str(d.replyId),
        channel: str(d.channel),
        intent: str(d.intent),
        status: str(d.status),
      };
    case 'lease.flagged':
      return {
        ...base,
        event: 'case.flagged',
        leaseId: leaseOfSubject(entry.subject),
        caseEpisode: null,
        kind: str(d.kind),
        flaggedOn: str(d.date),
      };
    default:
      return null;
  }
}

/** What each event's audit entry looks like, for the sample Zapier's editor shows. */
const SAMPLE_ENTRIES: Record<HookEvent, Omit<AuditFeedEntry, 'seq' | 'at'>> = {
  'case.opened': {
    actor: 'system:scan',
    type: 'case.opened',
    subject: 'lease:L-1001',
    data: {
      episode: 1,
      opened: '2026-10-06',
      anchor: '2026-10-01',
      policy: 'default',
      policyVersion: 3,
    },
  },
  'case.closed': {
    actor: 'system:scan',
    type: 'case.closed',
    subject: 'lease:L-1001',
    data: { episode: 1, closed: '2026-10-20', outcome: 'paid' },
  },
  'action.sent': {
    actor: 'worker:w1',
    type: 'outbox.sent',
    subject: 'outbox:L-1001:1:late-notice:sms',
    data: {
      key: 'L-1001:1:late-notice:sms',
      leaseId: 'L-1001',
      from: 'dispatching',
      to: 'sent',
      reason: null,
      version: 1,
      attempts: 1,
      provider: 'twilio',
    },
  },
  'action.failed': {
    actor: 'worker:w1',
    type: 'outbox.failed',
    subject: 'outbox:L-1001:1:late-notice:sms',
    data: {
      key: 'L-1001:1:late-notice:sms',
      leaseId: 'L-1001',
      from: 'dispatching',
      to: 'failed',
      reason: 'rejected: 21610 unsubscribed recipient',
      version: 1,
      attempts: 1,
      provider: 'twilio',
      outcome: 'rejected',
      code: '21610',
    },
  },
  'reply.received': {
    actor: 'provider:twilio',
    type: 'reply.received',
    subject: 'lease:L-1001',
    data: {
      replyId: 'rp_sample',
      channel: 'sms',
      intent: 'promise',
      status: 'matched',
      leaseId: 'L-1001',
      episode: 1,
    },
  },
  'case.flagged': {
    actor: 'user:u_sample',
    type: 'lease.flagged',
    subject: 'lease:L-1001',
    data: { eventId: 'ev_sample', date: '2026-10-12', kind: 'at_risk' },
  },
};

/** One made-up event of exactly the live shape (Zapier's `performList`). */
export function sampleEvent(orgId: string, event: HookEvent, at: string): PublicEvent {
  return publicEventOf(orgId, { seq: 0, at, ...SAMPLE_ENTRIES[event] })!;
}

// ---------------------------------------------------------------------------------------
// Ports

export interface HookSubscription {
  orgId: string;
  /** `hook_…`: what Zapier keeps as `subscribeData.id` and unsubscribes with. */
  id: string;
  event: HookEvent;
  /** Zapier's target URL: a credential (whoever has it can trigger the Zap); never logged. */
  targetUrl: string;
  createdBy: string;
  createdAt: string;
  deletedAt: string | null;
  /** The audit seq delivered up to (the audit head when subscribed). */
  lastSeq: number;
}

export interface NewHookSubscription {
  orgId: string;
  event: HookEvent;
  targetUrl: string;
  /** `user:<id>`. */
  createdBy: string;
  createdAt: string;
}

/** Storage of subscriptions and their cursors (storage/repos/hook-subscriptions-repo.ts). */
export interface HookSubscriptionStore {
  /** Stores it with its cursor at the audit head; audited `hook.subscribed` (no URL). */
  add(subscription: NewHookSubscription): Promise<HookSubscription>;
  /**
   * Deletes it (kept with `deleted_at`), audited `hook.unsubscribed` with `reason`:
   * `removed` now, `already` deleted before, `unknown` when the organisation has no such id.
   */
  remove(
    orgId: string,
    id: string,
    by: { actor: string; at: string; reason: string },
  ): Promise<'removed' | 'already' | 'unknown'>;
  /** Live subscriptions (all events, or one), oldest first. */
  list(orgId: string, event?: HookEvent): Promise<HookSubscription[]>;
  /**
   * Takes the delivery lease of a live subscription until `until` when no one holds it (or
   * the holder's lease ran out by `now`): its current cursor, or null when not taken.
   */
  claim(
    orgId: string,
    id: string,
    token: string,
    now: string,
    until: string,
  ): Promise<number | null>;
  /** Moves the cursor forward to `seq` and the lease to `until`; false when `token` lost it. */
  advance(orgId: string, id: string, token: string, seq: number, until: string): Promise<boolean>;
  /** Gives the lease back; nobody takes it before `notBefore` when given (a Retry-After). */
  release(orgId: string, id: string, token: string, notBefore: string | null): Promise<void>;
  /**
   * Audit entries of `types` after `afterSeq`, by seq, at most `limit`, and the seq the
   * read is complete up to: the last entry's when `limit` were returned, else the audit
   * head read before the entries (so an entry written meanwhile is never stepped over).
   */
  readAudit(
    orgId: string,
    afterSeq: number,
    types: readonly string[],
    limit: number,
  ): Promise<{ entries: AuditFeedEntry[]; complete: number }>;
}

/** Zapier's answer to one POST to a target URL (connectors/zapier/client.ts). */
export type HookDeliveryResult =
  | { tag: 'delivered' }
  /** 410 Gone: the Zap is off; the subscription is deleted. */
  | { tag: 'gone' }
  /** Anything else: the same event is posted again on a later pass (not before `at`). */
  | { tag: 'retry'; reason: string; at?: string };

export interface HookDelivery {
  deliver(targetUrl: string, event: PublicEvent, signal?: AbortSignal): Promise<HookDeliveryResult>;
}

export interface HookLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

// ---------------------------------------------------------------------------------------
// Subscribe / unsubscribe / sample (the routes of http/routes/v1/hooks.ts)

export interface HooksDeps {
  hooks: HookSubscriptionStore;
  clock: Clock;
}

export interface Caller {
  orgId: string;
  userId: string;
}

const MAX_URL_LENGTH = 2048;

/** https anywhere; plain http only to this machine (the fakes of the tests and the demo). */
function targetUrlIssue(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'is required';
  if (value.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && url.hostname === '127.0.0.1') return null;
  return 'must be an https URL (http only for 127.0.0.1)';
}

export function eventIssue(value: unknown): string | null {
  return isHookEvent(value) ? null : `must be one of ${HOOK_EVENTS.join(', ')}`;
}

/** Zapier's `performSubscribe`: stores the target URL for the event. */
export async function subscribeHook(
  deps: HooksDeps,
  caller: Caller,
  input: { target_url?: unknown; event?: unknown },
): Promise<HookSubscription> {
  const issues = [
    { path: 'target_url', message: targetUrlIssue(input.target_url) },
    { path: 'event', message: eventIssue(input.event) },
  ].filter((i): i is { path: string; message: string } => i.message !== null);
  if (issues.length > 0) throw new InputError(issues);
  return deps.hooks.add({
    orgId: caller.orgId,
    event: input.event as HookEvent,
    targetUrl: input.target_url as string,
    createdBy: `user:${caller.userId}`,
    createdAt: new Date(deps.clock.now()).toISOString(),
  });
}

/**
 * Zapier's `performUnsubscribe`. Deleting a subscription that is already gone (a 410 got
 * there first) succeeds too, so turning a Zap off never shows an error.
 */
export async function unsubscribeHook(deps: HooksDeps, caller: Caller, id: string): Promise<void> {
  const result = await deps.hooks.remove(caller.orgId, id, {
    actor: `user:${caller.userId}`,
    at: new Date(deps.clock.now()).toISOString(),
    reason: 'unsubscribed',
  });
  if (result === 'unknown') throw new AppError('not_found', `no hook subscription \`${id}\``);
}

/** Zapier's `performList`: one sample of the event, the same keys as a live one. */
export function sampleHookEvents(deps: HooksDeps, caller: Caller, event: unknown): PublicEvent[] {
  const issue = eventIssue(event);
  if (issue !== null) throw new InputError([{ path: 'event', message: issue }]);
  return [sampleEvent(caller.orgId, event as HookEvent, new Date(deps.clock.now()).toISOString())];
}

// ---------------------------------------------------------------------------------------
// Publishing (each worker pass)

export interface PublishDeps extends HooksDeps {
  delivery: HookDelivery;
  log?: HookLog;
  /** How long one subscription's lease lasts without progress (default 5 minutes). */
  leaseMs?: number;
  /** Entries read per query (default 200). */
  batchSize?: number;
  /** Events posted per subscription in one pass (default 500): the rest wait for the next. */
  maxPerPass?: number;
  signal?: AbortSignal;
}

export interface PublishReport {
  /** Events posted and accepted, over all subscriptions. */
  delivered: number;
  /** Subscriptions deleted because Zapier answered 410. */
  gone: string[];
  /** Subscriptions stopped at an event that will be posted again later. */
  retrying: { id: string; reason: string; at?: string }[];
  /** Subscriptions another worker was publishing (or waiting out a Retry-After). */
  busy: string[];
}

const DEFAULT_LEASE_MS = 5 * 60_000;

/** Posts every new event to every live subscription of `orgId`; see the file comment. */
export async function publishEvents(deps: PublishDeps, orgId: string): Promise<PublishReport> {
  const report: PublishReport = { delivered: 0, gone: [], retrying: [], busy: [] };
  for (const subscription of await deps.hooks.list(orgId)) {
    if (deps.signal?.aborted) break;
    await publishTo(deps, subscription, report);
  }
  return report;
}

async function publishTo(
  deps: PublishDeps,
  sub: HookSubscription,
  report: PublishReport,
): Promise<void> {
  const { hooks, clock } = deps;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const batch = deps.batchSize ?? 200;
  const maxPerPass = deps.maxPerPass ?? 500;
  const iso = (ms: number) => new Date(ms).toISOString();
  const token = randomBytes(9).toString('base64url');
  let cursor = await hooks.claim(
    sub.orgId,
    sub.id,
    token,
    iso(clock.now()),
    iso(clock.now() + leaseMs),
  );
  if (cursor === null) {
    report.busy.push(sub.id);
    return;
  }
  let notBefore: string | null = null;
  let posted = 0;
  try {
    for (;;) {
      const limit = Math.min(batch, maxPerPass - posted);
      const { entries, complete } = await hooks.readAudit(
        sub.orgId,
        cursor,
        [AUDIT_TYPE_OF[sub.event]],
        limit,
      );
      for (const entry of entries) {
        const event = publicEventOf(sub.orgId, entry);
        if (event !== null && event.event === sub.event) {
          let result: HookDeliveryResult;
          try {
            result = await deps.delivery.deliver(sub.targetUrl, event, deps.signal);
          } catch (error) {
            // Its message could carry the target URL, a credential: only the error's kind.
            result = {
              tag: 'retry',
              reason: `delivery threw ${(error as Error)?.name ?? 'an error'}`,
            };
          }
          if (result.tag === 'gone') {
            await hooks.remove(sub.orgId, sub.id, {
              actor: 'system:hooks',
              at: iso(clock.now()),
              reason: 'gone',
            });
            report.gone.push(sub.id);
            deps.log?.info({ hook: sub.id, event: sub.event }, 'hook target gone (410): deleted');
            return;
          }
          if (result.tag === 'retry') {
            notBefore = result.at ?? null;
            report.retrying.push({
              id: sub.id,
              reason: result.reason,
              ...(result.at ? { at: result.at } : {}),
            });
            deps.log?.warn(
              { hook: sub.id, event: sub.event, seq: entry.seq, reason: result.reason },
              'hook delivery failed; retried on a later pass',
            );
            return;
          }
          report.delivered++;
          posted++;
        }
        if (!(await hooks.advance(sub.orgId, sub.id, token, entry.seq, iso(clock.now() + leaseMs))))
          return; // the lease ran out and another worker took over from this cursor
        cursor = entry.seq;
      }
      if (complete > cursor) {
        if (!(await hooks.advance(sub.orgId, sub.id, token, complete, iso(clock.now() + leaseMs))))
          return;
        cursor = complete;
      }
      if (entries.length < limit || posted >= maxPerPass || deps.signal?.aborted) return;
    }
  } finally {
    await hooks.release(sub.orgId, sub.id, token, notBefore);
  }
}
