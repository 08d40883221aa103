/**
 * What connector contract tests share: a connector built against stub ports that record
 * what it hands over, an outbox item to send, and the real Fastify app around its webhook.
 *
 *   const h = connectorHarness(twilioConnector, { ARREARS_TWILIO_ACCOUNT_SID: 'AC…', … });
 *   const outcome = await h.send('message:sms', outboxItem({ channel: 'sms' }));
 *   const app = await h.webhookApp();   // POST /webhooks/twilio with app.inject()
 *   h.inbound.replies  // what the webhook handed to receiveReply
 */
import type { FastifyInstance } from 'fastify';
import { fixedClock, type Clock } from '../../src/app/ports/clock.js';
import type { OutboxItem, SendOutcome } from '../../src/app/ports/outbox.js';
import {
  createMemoryWebhookEventStore,
  createWebhookRegistry,
} from '../../src/app/ports/webhooks.js';
import type {
  DeliveryReceipt,
  InboundMessage,
  ReceivedReply,
} from '../../src/app/receive-reply.js';
import type { MailEvent } from '../../src/app/record-mail-event.js';
import { checkManifests } from '../../src/connectors/registry.js';
import type { ConnectorInstance, ConnectorModule } from '../../src/connectors/contract.js';
import type { Contact, ConnectorContext, QueueActions } from '../../src/connectors/context.js';
import { SILENT_LOG } from '../../src/connectors/context.js';
import { connectorSettings, settingsStatus, type Env } from '../../src/connectors/settings.js';
import { buildApp } from '../../src/http/app.js';
import { fakeDeps } from '../../src/http/testing.js';

export const ANA: Contact = {
  tenantId: 'T1',
  name: 'Ana Ruiz',
  phone: '+14155550101',
  email: 'ana@example.com',
  language: 'es',
  office: { name: 'Oak Court', phone: '+14155550100', email: 'office@oakcourt.example' },
};

export function outboxItem(over: Partial<OutboxItem> = {}): OutboxItem {
  const at = '2026-10-06T16:00:00.000Z';
  return {
    orgId: 'default',
    key: 'L1:1:late-notice:sms',
    leaseId: 'L1',
    episode: 1,
    stage: 'late-notice',
    action: 'sms',
    type: 'message',
    channel: 'sms',
    method: null,
    contactId: 'T1',
    status: 'dispatching',
    reason: null,
    payload: {
      date: '2026-10-06',
      at,
      template: 'late-notice',
      subject: 'Your rent is past due',
      body: 'Hola Ana, your rent of $1,200.00 is past due. Reply STOP to opt out.',
      pastDueCents: 120000,
    },
    pastDueCents: 120000,
    policyId: 'oak-court',
    policyVersion: 1,
    amountCents: null,
    approvalsRequired: 1,
    version: 1,
    dueAt: at,
    attempts: 1,
    claimedBy: 'w1',
    claimExpiresAt: null,
    provider: null,
    providerId: null,
    createdAt: at,
    updatedAt: at,
    ...over,
  };
}

export interface Recorded {
  replies: Omit<InboundMessage, 'orgId' | 'provider'>[];
  deliveries: Omit<DeliveryReceipt, 'orgId' | 'provider'>[];
  mailEvents: MailEvent[];
  events: Record<string, unknown>[];
  approvals: { key: string; user: string }[];
  rejections: { key: string; user: string; reason: string }[];
}

export interface HarnessOptions {
  contacts?: Record<string, Contact | null>;
  clock?: Clock;
  publicUrl?: string;
  /** Users allowed to approve (by e-mail); others are refused like an owner would be. */
  approvers?: string[];
}

export interface Harness {
  instance: ConnectorInstance;
  ctx: ConnectorContext;
  inbound: Recorded;
  /** Sends through the connector's sender for `route`. */
  send(route: string, item: OutboxItem): Promise<SendOutcome>;
  /** The real app with only this connector's webhook (and an in-memory event store). */
  webhookApp(): Promise<FastifyInstance>;
}

export function connectorHarness(
  module: ConnectorModule,
  env: Env,
  options: HarnessOptions = {},
): Harness {
  const status = settingsStatus(module.manifest, env);
  if (!status.configured)
    throw new Error(`test env misses ${status.missing.join(', ')} for ${module.manifest.id}`);
  const inbound: Recorded = {
    replies: [],
    deliveries: [],
    mailEvents: [],
    events: [],
    approvals: [],
    rejections: [],
  };
  const contacts = options.contacts ?? { T1: ANA };
  const approvers = new Set(options.approvers ?? ['manager@oakcourt.example']);
  const queue: QueueActions = {
    approve(key, user) {
      if (!approvers.has(user))
        return Promise.resolve({ ok: false, message: `${user} may not approve` });
      inbound.approvals.push({ key, user });
      return Promise.resolve({ ok: true, message: `${key} approved` });
    },
    reject(key, user, reason) {
      if (!approvers.has(user))
        return Promise.resolve({ ok: false, message: `${user} may not reject` });
      inbound.rejections.push({ key, user, reason });
      return Promise.resolve({ ok: true, message: `${key} rejected` });
    },
  };
  const ctx: ConnectorContext = {
    orgId: 'default',
    settings: connectorSettings(module.manifest, env),
    clock: options.clock ?? { now: () => Date.now() },
    publicUrl: options.publicUrl ?? 'https://arrears.example.com',
    recipients: {
      contactOf: (item) =>
        Promise.resolve(item.contactId === null ? null : (contacts[item.contactId] ?? null)),
    },
    inbound: {
      reply(message) {
        inbound.replies.push(message);
        const stop = /^\s*stop\s*$/i.test(message.text);
        return Promise.resolve({
          replyId: `r${inbound.replies.length}`,
          duplicate: false,
          status: 'matched',
          intent: stop ? 'opt_out' : 'other',
          leaseId: 'L1',
          leaseIds: ['L1'],
          episode: 1,
          events: 1,
          suggestions: [],
          queued: [],
        } as ReceivedReply);
      },
      delivery(receipt) {
        inbound.deliveries.push(receipt);
        return Promise.resolve({
          key: receipt.key ?? null,
          from: 'sent',
          to: receipt.status === 'delivered' ? 'delivered' : 'failed',
          transitioned: true,
          eventRecorded: true,
          contactBad: receipt.status !== 'delivered',
        });
      },
      mailEvent(event) {
        inbound.mailEvents.push(event);
        return Promise.resolve(null);
      },
      events(events) {
        inbound.events.push(...events);
        return Promise.resolve();
      },
    },
    queue,
    unsubscribeUrl: (item) => `https://arrears.example.com/unsubscribe/tok-${item.contactId}`,
    log: SILENT_LOG,
  };
  const instance = module.create(ctx);
  return {
    instance,
    ctx,
    inbound,
    send(route, item) {
      const sender = instance.senders?.[route];
      if (!sender) throw new Error(`${module.manifest.id} has no sender for ${route}`);
      return sender.send(item, { idempotencyKey: item.key });
    },
    async webhookApp() {
      if (!instance.webhook) throw new Error(`${module.manifest.id} has no webhook`);
      const { deps } = fakeDeps({
        webhooks: createWebhookRegistry([instance.webhook]),
        webhookEvents: createMemoryWebhookEventStore(),
        clock: options.clock ?? fixedClock(Date.now()),
        publicUrl: options.publicUrl ?? 'https://arrears.example.com',
      });
      return buildApp(deps);
    },
  };
}

/** The manifest checks every connector passes. */
export function manifestProblems(module: ConnectorModule): string[] {
  return checkManifests([module]);
}
