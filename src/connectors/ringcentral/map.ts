/**
 * RingCentral's documented shapes, both ways (pure): outbox item → SMS / RingOut request,
 * error bodies → provider errors, notifications → inbound messages and delivery receipts.
 */
import { z } from 'zod';
import type { OutboxItem } from '../../app/ports/outbox.js';
import type { DeliveryReceipt, InboundMessage, ReceiptStatus } from '../../app/receive-reply.js';
import type { ProviderError } from '../outcomes.js';

export const PATHS = {
  token: '/restapi/oauth/token',
  sms: '/restapi/v1.0/account/~/extension/~/sms',
  ringOut: '/restapi/v1.0/account/~/extension/~/ring-out',
  messageStore: '/restapi/v1.0/account/~/extension/~/message-store',
  subscription: '/restapi/v1.0/subscription',
  extension: '/restapi/v1.0/account/~/extension/~',
} as const;

export const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Renewal reminders start a day before expiry, every 6 h (threshold ≤ TTL/2, interval ≤ threshold/2). */
export const SUBSCRIPTION_TTL_SECONDS = 7 * 86_400;
export const EVENT_FILTERS = [
  '/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS',
  '/restapi/v1.0/account/~/extension/~/message-store?type=SMS&direction=Outbound',
  '/restapi/v1.0/subscription/~?threshold=86400&interval=21600',
] as const;

export const E164 = /^\+[1-9]\d{6,14}$/;

// ---------------------------------------------------------------------------------------
// Outbound

export interface SmsRequest {
  from: { phoneNumber: string };
  to: { phoneNumber: string }[];
  text: string;
}

/** The rendered text; an empty one is left for RingCentral to refuse (CMN-101). */
export function textOf(item: OutboxItem): string {
  return typeof item.payload.body === 'string' ? item.payload.body : '';
}

export function smsRequestOf(from: string, to: string, text: string): SmsRequest {
  return { from: { phoneNumber: from }, to: [{ phoneNumber: to }], text };
}

export interface RingOutRequest {
  from?: { phoneNumber: string };
  to: { phoneNumber: string };
  playPrompt: boolean;
}

/**
 * `playPrompt` makes the staff phone press 1 before the tenant is dialled: without it a
 * staff voicemail answering the first leg would be connected to the tenant.
 */
export function ringOutRequestOf(to: string, from: string | undefined): RingOutRequest {
  return {
    ...(from ? { from: { phoneNumber: from } } : {}),
    to: { phoneNumber: to },
    playPrompt: true,
  };
}

export interface SubscriptionRequest {
  eventFilters: string[];
  deliveryMode: { transportType: 'WebHook'; address: string; verificationToken: string };
  expiresIn: number;
}

export function webhookAddressOf(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/webhooks/ringcentral`;
}

export function subscriptionRequestOf(
  address: string,
  verificationToken: string,
): SubscriptionRequest {
  return {
    eventFilters: [...EVENT_FILTERS],
    deliveryMode: { transportType: 'WebHook', address, verificationToken },
    expiresIn: SUBSCRIPTION_TTL_SECONDS,
  };
}

// ---------------------------------------------------------------------------------------
// Answers

const errorBody = z.object({
  errors: z.array(z.object({ errorCode: z.string(), message: z.string().optional() })).optional(),
  errorCode: z.string().optional(),
  message: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});

/** `{errors: [{errorCode, message}]}`; the token endpoint adds OAuth's `error`. */
export function providerErrorOf(json: unknown): ProviderError | undefined {
  const parsed = errorBody.safeParse(json);
  if (!parsed.success) return undefined;
  const b = parsed.data;
  const first = b.errors?.[0];
  if (first) return { code: first.errorCode, message: first.message ?? first.errorCode };
  if (b.errorCode) return { code: b.errorCode, message: b.message ?? b.errorCode };
  if (b.error) return { code: b.error, message: b.error_description ?? b.error };
  return undefined;
}

/** Message and RingOut ids are JSON numbers in RingCentral's samples, strings elsewhere. */
export function createdIdOf(json: unknown): string | undefined {
  const id = (json as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'number' || typeof id === 'string' ? String(id) : undefined;
}

export const tokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1).optional(),
  refresh_token_expires_in: z.number().positive().optional(),
});
export type TokenAnswer = z.infer<typeof tokenAnswer>;

// ---------------------------------------------------------------------------------------
// Notifications

const id = z.union([z.string(), z.number()]).transform(String);

export const messageRecord = z.object({
  id,
  type: z.string().optional(),
  direction: z.string().optional(),
  messageStatus: z.string().optional(),
  deliveryErrorCode: z.string().optional(),
  creationTime: z.string().optional(),
  lastModifiedTime: z.string().optional(),
  from: z.object({ phoneNumber: z.string().optional() }).optional(),
  to: z.array(z.object({ phoneNumber: z.string().optional() })).optional(),
  subject: z.string().optional(),
});
export type MessageRecord = z.infer<typeof messageRecord>;

export const messageList = z.object({ records: z.array(messageRecord) });

const envelope = z.object({
  uuid: z.string().min(1),
  event: z.string(),
  timestamp: z.string().optional(),
  subscriptionId: z.string().optional(),
  body: z.unknown(),
});

export type Notification =
  | { kind: 'inbound_sms'; message: Omit<InboundMessage, 'orgId' | 'provider'> }
  | { kind: 'outbound_sms_changed'; lastUpdated: string }
  | { kind: 'renewal_reminder'; subscriptionId: string }
  | { kind: 'ignored'; why: string };

const INSTANT = /\/message-store\/instant(\?|$)/;
const MESSAGE_STORE = /\/message-store(\?|$)/;
const SUBSCRIPTION = /^\/restapi\/v1\.0\/subscription\/~/;

/** The event id RingCentral gives every notification. */
export function notificationIdOf(body: unknown): string | undefined {
  const uuid = (body as { uuid?: unknown } | null | undefined)?.uuid;
  return typeof uuid === 'string' && uuid !== '' ? uuid : undefined;
}

export function notificationOf(body: unknown, receivedAt: string): Notification {
  const parsed = envelope.safeParse(body);
  if (!parsed.success) return { kind: 'ignored', why: 'not a notification envelope' };
  const n = parsed.data;
  if (INSTANT.test(n.event)) {
    const m = messageRecord.safeParse(n.body);
    if (!m.success || m.data.type !== 'SMS' || m.data.direction !== 'Inbound')
      return { kind: 'ignored', why: 'instant event that is not an inbound SMS' };
    const from = m.data.from?.phoneNumber;
    if (!from) return { kind: 'ignored', why: 'inbound SMS without a sender number' };
    return {
      kind: 'inbound_sms',
      message: {
        channel: 'sms',
        from,
        to: m.data.to?.[0]?.phoneNumber ?? null,
        text: m.data.subject ?? '',
        providerMessageId: m.data.id,
        receivedAt: isoOr(m.data.creationTime, receivedAt),
      },
    };
  }
  if (MESSAGE_STORE.test(n.event)) {
    const b = n.body as { lastUpdated?: unknown; changes?: { type?: unknown }[] } | undefined;
    const sms = Array.isArray(b?.changes) && b.changes.some((c) => c?.type === 'SMS');
    if (!sms) return { kind: 'ignored', why: 'message-store change without SMS' };
    return {
      kind: 'outbound_sms_changed',
      lastUpdated: isoOr(
        typeof b?.lastUpdated === 'string' ? b.lastUpdated : undefined,
        receivedAt,
      ),
    };
  }
  if (SUBSCRIPTION.test(n.event) && n.subscriptionId)
    return { kind: 'renewal_reminder', subscriptionId: n.subscriptionId };
  return { kind: 'ignored', why: `event ${n.event.slice(0, 80)}` };
}

/** RingCentral writes `+0000` offsets (`2014-04-29T14:29:20.531+0000`); Date.parse reads them. */
function isoOr(value: string | undefined, fallback: string): string {
  const ms = value === undefined ? NaN : Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(ms) ? fallback : new Date(ms).toISOString();
}

/** How far before an event's `lastUpdated` a message counts as changed by it (clock skew). */
export const CHANGE_WINDOW_MS = 5 * 60_000;

/**
 * Outbound-status events only say counts changed (reference section 5), so the message
 * store is re-read: the terminal statuses modified around the event become receipts.
 */
export function receiptsOf(
  records: readonly MessageRecord[],
  lastUpdated: string,
): Omit<DeliveryReceipt, 'orgId' | 'provider'>[] {
  const since = Date.parse(lastUpdated) - CHANGE_WINDOW_MS;
  const receipts: Omit<DeliveryReceipt, 'orgId' | 'provider'>[] = [];
  for (const r of records) {
    if (r.direction !== undefined && r.direction !== 'Outbound') continue;
    const status = receiptStatusOf(r.messageStatus, r.deliveryErrorCode);
    if (status === null) continue;
    const at = isoOr(r.lastModifiedTime ?? r.creationTime, lastUpdated);
    if (Date.parse(at) < since) continue;
    receipts.push({
      eventId: `${r.id}:${r.messageStatus}`,
      status,
      providerMessageId: r.id,
      at,
      detail: r.deliveryErrorCode ?? null,
    });
  }
  return receipts;
}

/**
 * `SendingFailed` never left RingCentral and an opt-out (`*-413`), a spam filter (`*-430`)
 * or an unknown carrier answer (`*-104`, `*-199`) says nothing about the number: `failed`.
 * Other delivery failures (invalid number, landline) mark the contact point bad.
 */
export function receiptStatusOf(
  messageStatus: string | undefined,
  deliveryErrorCode: string | undefined,
): ReceiptStatus | null {
  if (messageStatus === 'Delivered') return 'delivered';
  if (messageStatus === 'SendingFailed') return 'failed';
  if (messageStatus !== 'DeliveryFailed') return null;
  if (deliveryErrorCode && /-(413|430|104|199)$/.test(deliveryErrorCode)) return 'failed';
  return 'undelivered';
}
