/**
 * DocuSign's shapes, both ways (pure): the envelope definition of a payment-plan agreement,
 * the hidden custom fields it carries back, Connect (JSON SIM) payloads, token and error
 * answers. Reference: connectors-systems.md section 8.
 */
import { z } from 'zod';
import type { Contact } from '../context.js';
import type { ProviderError } from '../outcomes.js';
import {
  decodeInstallments,
  encodeInstallments,
  PAYMENT_PLAN,
  type PaymentPlan,
  type SignedPlan,
} from './payment-plan.js';

export const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const JWT_SCOPE = 'signature impersonation';

export const PATHS = {
  /** Under AUTH_URL. */
  token: '/oauth/token',
  account: (accountId: string) => `/v2.1/accounts/${encodeURIComponent(accountId)}`,
  envelopes: (accountId: string) => `/v2.1/accounts/${encodeURIComponent(accountId)}/envelopes`,
  envelope: (accountId: string, envelopeId: string) =>
    `/v2.1/accounts/${encodeURIComponent(accountId)}/envelopes/${encodeURIComponent(envelopeId)}`,
};

/** Hidden text custom fields (`show: "false"`) the completion callback is mapped back by. */
export const FIELD = {
  leaseId: 'arrears_lease_id',
  outboxKey: 'arrears_outbox_key',
  document: 'arrears_document',
  installments: 'arrears_installments',
  amountCents: 'arrears_amount_cents',
} as const;

/** Anchor strings drawn (invisibly) in our PDF: the signer's tabs land on them. */
export const ANCHORS = { signHere: '/sn1/', dateSigned: '/ds1/' } as const;

const anchorTab = (anchorString: string) => ({
  anchorString,
  anchorUnits: 'pixels',
  anchorXOffset: '0',
  anchorYOffset: '0',
});

export interface EnvelopeInput {
  plan: PaymentPlan;
  contact: Pick<Contact, 'name' | 'email'> & { email: string };
  pdf: { bytes: Uint8Array };
  subject: string;
  documentName: string;
}

/** `POST /envelopes` from our document, sent at once (`status: "sent"`). */
export function envelopeDefinitionOf(e: EnvelopeInput) {
  const hidden = (name: string, value: string) => ({ name, value, show: 'false' });
  return {
    emailSubject: e.subject,
    documents: [
      {
        documentId: '1',
        name: e.documentName,
        fileExtension: 'pdf',
        documentBase64: Buffer.from(e.pdf.bytes).toString('base64'),
      },
    ],
    recipients: {
      signers: [
        {
          email: e.contact.email,
          name: e.contact.name,
          recipientId: '1',
          routingOrder: '1',
          tabs: {
            signHereTabs: [anchorTab(ANCHORS.signHere)],
            dateSignedTabs: [anchorTab(ANCHORS.dateSigned)],
          },
        },
      ],
    },
    customFields: {
      textCustomFields: [
        hidden(FIELD.leaseId, e.plan.leaseId),
        hidden(FIELD.outboxKey, e.plan.outboxKey),
        hidden(FIELD.document, PAYMENT_PLAN),
        hidden(FIELD.installments, encodeInstallments(e.plan.installments)),
        hidden(FIELD.amountCents, String(e.plan.totalCents)),
      ],
    },
    status: 'sent',
  };
}
export type EnvelopeDefinition = ReturnType<typeof envelopeDefinitionOf>;

const textCustomFields = z.object({
  textCustomFields: z
    .array(z.object({ name: z.string(), value: z.string().optional() }))
    .optional(),
});

export const envelopeSummary = z.object({
  envelopeId: z.string(),
  status: z.string(),
  customFields: textCustomFields.optional(),
  completedDateTime: z.string().optional(),
  statusChangedDateTime: z.string().optional(),
  voidedReason: z.string().optional(),
});
export type EnvelopeSummary = z.infer<typeof envelopeSummary>;

export const envelopeList = z.object({
  envelopes: z.array(envelopeSummary).optional(),
});

/** The hidden custom fields of an envelope, by name. */
export function customFieldsOf(
  envelope: Pick<EnvelopeSummary, 'customFields'>,
): Map<string, string> {
  return new Map(
    (envelope.customFields?.textCustomFields ?? []).map((f) => [f.name, f.value ?? ''] as const),
  );
}

/** The plan a payment-plan envelope carries, or undefined for any other envelope. */
export function planOfEnvelope(
  envelope: Pick<EnvelopeSummary, 'customFields'>,
): SignedPlan | undefined {
  const f = customFieldsOf(envelope);
  if (f.get(FIELD.document) !== PAYMENT_PLAN) return undefined;
  const leaseId = f.get(FIELD.leaseId);
  const outboxKey = f.get(FIELD.outboxKey);
  const installments = decodeInstallments(f.get(FIELD.installments));
  if (!leaseId || !outboxKey || !installments) return undefined;
  return { leaseId, outboxKey, installments };
}

/** `{errorCode, message}` of the REST API, or `{error, error_description}` of OAuth. */
export function providerErrorOf(json: unknown): ProviderError | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const o = json as Record<string, unknown>;
  if (typeof o.errorCode === 'string')
    return { code: o.errorCode, message: typeof o.message === 'string' ? o.message : o.errorCode };
  if (typeof o.error === 'string')
    return {
      code: o.error,
      message: typeof o.error_description === 'string' ? o.error_description : o.error,
    };
  return undefined;
}

export const tokenAnswer = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive(),
});
export type TokenAnswer = z.infer<typeof tokenAnswer>;

/** A Connect notification, JSON (SIM) format. */
const connectPayload = z.object({
  event: z.string().min(1),
  generatedDateTime: z.string().optional(),
  data: z.object({
    envelopeId: z.string().min(1),
    recipientId: z.string().optional(),
    envelopeSummary: envelopeSummary.partial().optional(),
  }),
});
export type ConnectEvent = z.infer<typeof connectPayload>;

export function connectEventOf(json: unknown): ConnectEvent | undefined {
  const parsed = connectPayload.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The id of a Connect delivery: Connect has no event id, and a retry repeats the same
 * event for the same envelope (and recipient), which this names.
 */
export function connectEventIdOf(e: ConnectEvent): string {
  return [e.data.envelopeId, e.event, e.data.recipientId].filter(Boolean).join(':');
}

/** Where a lookup by custom field starts: a day before the item was made. */
export function lookupFromDate(createdAt: string): string {
  const t = Date.parse(createdAt);
  return new Date((Number.isNaN(t) ? 0 : t) - 86_400_000).toISOString();
}

/** The 30-second window of DocuSign's burst limit. */
const BURST_WINDOW_MS = 30_000;

/**
 * The wait DocuSign's rate-limit headers ask for: a spent burst limit frees up within its
 * 30-s window; the hourly one at `X-RateLimit-Reset` (unix seconds).
 */
export function rateLimitWaitMs(headers: Headers, now: number): number | null {
  if (headers.get('x-burstlimit-remaining') === '0') return BURST_WINDOW_MS;
  const reset = Number(headers.get('x-ratelimit-reset') ?? '');
  if (!Number.isFinite(reset) || reset <= 0) return null;
  return Math.max(0, reset * 1000 - now);
}
