/**
 * How an outbox item is shown to people and programs (SPEC 9 `outbox --json`): one row per
 * delivery, its key, status, reason, channel and times — never its content. The CLI
 * (`arrears outbox`, `arrears queue`) and the HTTP API (`/api/v1/outbox`, `/api/v1/queue`)
 * print the same shape.
 */
import type { OutboxItem, QueueEntry } from './ports/outbox.js';

/** The JSON of one item, as `outbox --json` and `queue --json` print it (no content). */
export function outboxItemJson(item: OutboxItem) {
  return {
    key: item.key,
    leaseId: item.leaseId,
    episode: item.episode,
    stage: item.stage,
    action: item.action,
    type: item.type,
    channel: item.channel,
    method: item.method,
    contactId: item.contactId,
    status: item.status,
    reason: item.reason,
    policyId: item.policyId,
    policyVersion: item.policyVersion,
    amountCents: item.amountCents,
    pastDueCents: item.pastDueCents,
    approvalsRequired: item.approvalsRequired,
    version: item.version,
    dueAt: item.dueAt,
    attempts: item.attempts,
    provider: item.provider,
    providerId: item.providerId,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

export type OutboxItemJson = ReturnType<typeof outboxItemJson>;

/** A queue entry as `queue --json` prints it: the item and what it still needs. */
export function queueEntryJson(entry: QueueEntry) {
  return {
    ...outboxItemJson(entry.item),
    propertyId: entry.propertyId,
    approvals: entry.approvals,
    required: entry.required,
    needs: entry.needs,
  };
}

/** The text a reviewer approves: the rendered `subject` and `body` of the draft, if any. */
export function draftText(item: OutboxItem): { subject: string | null; body: string | null } {
  const { subject, body } = item.payload;
  return {
    subject: typeof subject === 'string' ? subject : null,
    body: typeof body === 'string' ? body : null,
  };
}
