/**
 * What the REST hook tests share: the `hook_subscriptions` table on a test database and
 * audit entries written the way the real appenders write them.
 */
import type { AuditEntry } from '../../domain/audit/chain.js';
import { columnTypes, type Db } from '../../storage/database.js';
import { hookSubscriptionsMigration } from '../../storage/migrations/0011-hook-subscriptions.js';
import { appendAudit } from '../../storage/repos/audit-repo.js';

/** Creates the table unless migrations already did (0011 is not in migrations/index.ts yet). */
export async function ensureHookSubscriptions(db: Db): Promise<void> {
  const tables = await db.kysely.introspection.getTables();
  if (tables.some((t) => t.name === 'hook_subscriptions')) return;
  await hookSubscriptionsMigration(columnTypes(db.dialect)).up(db.kysely);
}

export interface Happening {
  type: string;
  subject: string;
  data: unknown;
  actor?: string;
}

/** Appends audit entries as the scan, the dispatcher and the reply handler do. */
export async function record(
  db: Db,
  orgId: string,
  at: string,
  ...happenings: Happening[]
): Promise<AuditEntry[]> {
  return db.transaction(async (trx) => {
    const out: AuditEntry[] = [];
    for (const h of happenings)
      out.push(
        await appendAudit(trx, orgId, {
          at,
          actor: h.actor ?? 'system:test',
          type: h.type,
          subject: h.subject,
          data: h.data,
        }),
      );
    return out;
  });
}

export const caseOpened = (leaseId: string, episode = 1): Happening => ({
  type: 'case.opened',
  actor: 'system:scan',
  subject: `lease:${leaseId}`,
  data: { episode, opened: '2026-10-06', anchor: '2026-10-01', policy: 'oak', policyVersion: 2 },
});

export const caseClosed = (leaseId: string, episode = 1): Happening => ({
  type: 'case.closed',
  actor: 'system:scan',
  subject: `lease:${leaseId}`,
  data: { episode, closed: '2026-10-20', outcome: 'paid' },
});

export const outboxSent = (key: string, leaseId: string): Happening => ({
  type: 'outbox.sent',
  actor: 'worker:w1',
  subject: `outbox:${key}`,
  data: {
    key,
    leaseId,
    from: 'dispatching',
    to: 'sent',
    reason: null,
    version: 1,
    attempts: 1,
    provider: 'twilio',
    providerId: 'SM123',
    outcome: 'accepted',
  },
});

export const replyReceived = (leaseId: string, replyId: string): Happening => ({
  type: 'reply.received',
  actor: 'provider:twilio',
  subject: `lease:${leaseId}`,
  data: {
    replyId,
    provider: 'twilio',
    providerMessageId: 'SM-in-1',
    channel: 'sms',
    intent: 'promise',
    intents: ['promise'],
    language: 'en',
    localDate: '2026-10-08',
    status: 'matched',
    leaseId,
    leaseIds: [leaseId],
    tenantId: 'T1',
    episode: 1,
    events: 1,
    amountCents: 60000,
    promisedDate: '2026-10-10',
    suggestions: ['sg_1'],
    queued: [],
  },
});
