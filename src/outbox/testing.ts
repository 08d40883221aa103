/**
 * Test doubles for the outbox: item builders, a scripted sender and a scripted re-check.
 * Used by the outbox, storage and CLI tests and the crash scenario; not by the engine.
 */
import type {
  NewOutboxItem,
  OutboxItem,
  Recheck,
  RecheckResult,
  Sender,
  SendOutcome,
} from '../app/ports/outbox.js';

export const T0 = Date.parse('2026-10-06T16:00:00.000Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

/** One SMS reminder for lease L1, due at T0, needing one approval, unless `over` says otherwise. */
export function newItem(key: string, over: Partial<NewOutboxItem> = {}): NewOutboxItem {
  return {
    key,
    leaseId: 'L1',
    episode: 1,
    stage: 'late-notice',
    action: 'sms',
    type: 'message',
    channel: 'sms',
    method: 'sms',
    contactId: 'T1',
    dueAt: iso(T0),
    payload: { template: 'late-notice', body: 'Hi Ana, your rent of $1,500.00 is late.' },
    policyId: 'residential-ca',
    policyVersion: 3,
    amountCents: null,
    approvalsRequired: 1,
    pastDueCents: 150000,
    ...over,
  };
}

export interface ScriptedSender extends Sender {
  /** Keys in the order they were sent (repeats included). */
  calls: string[];
}

/** A sender answering from `answer(item, callNumber)`; default: accepted. */
export function scriptedSender(
  options: {
    id?: string;
    idempotent?: boolean;
    answer?: (item: OutboxItem, n: number) => SendOutcome | Promise<SendOutcome>;
  } = {},
): ScriptedSender {
  const calls: string[] = [];
  return {
    id: options.id ?? 'scripted',
    idempotent: options.idempotent ?? true,
    calls,
    async send(item) {
      calls.push(item.key);
      const n = calls.filter((k) => k === item.key).length;
      return options.answer
        ? options.answer(item, n)
        : { tag: 'accepted', externalId: `ext-${item.key}` };
    },
  };
}

/** A re-check answering per key (default: ok with the draft's own past-due amount). */
export function scriptedRecheck(
  answers: Record<string, RecheckResult | ((item: OutboxItem) => RecheckResult)> = {},
): Recheck & { calls: string[] } {
  const calls: string[] = [];
  const fn = (item: OutboxItem): Promise<RecheckResult> => {
    calls.push(item.key);
    const a = answers[item.key];
    if (a === undefined) return Promise.resolve({ ok: true, pastDueCents: item.pastDueCents });
    return Promise.resolve(typeof a === 'function' ? a(item) : a);
  };
  return Object.assign(fn, { calls });
}
