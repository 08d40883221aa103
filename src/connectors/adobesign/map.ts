/**
 * Acrobat Sign's shapes, both ways (pure): the agreement of a payment plan, the externalId
 * that carries the plan back, webhook notifications, token and error answers.
 * Reference: connectors-systems.md section 9.
 *
 * Acrobat Sign has no custom fields: the plan travels in `externalId.id`, a query string
 * (`arrears=payment_plan&lease=…&key=…&plan=2026-11-01:40000,…`) that is also what a
 * repeated send looks the agreement up by.
 */
import { z } from 'zod';
import type { ProviderError } from '../outcomes.js';
import {
  decodeInstallments,
  encodeInstallments,
  PAYMENT_PLAN,
  type PaymentPlan,
  type SignedPlan,
} from '../docusign/payment-plan.js';

const V6 = '/api/rest/v6';

export const PATHS = {
  refresh: '/oauth/v2/refresh',
  baseUris: `${V6}/baseUris`,
  transientDocuments: `${V6}/transientDocuments`,
  agreements: `${V6}/agreements`,
  agreement: (id: string) => `${V6}/agreements/${encodeURIComponent(id)}`,
};

export const CLIENT_ID_HEADER = 'X-AdobeSign-ClientId';
export const CLIENT_ID_BODY_FIELD = 'xAdobeSignClientId';

/** The externalId of a plan's agreement: the correlation id and the plan itself. */
export function externalIdOf(plan: PaymentPlan): string {
  return new URLSearchParams({
    arrears: PAYMENT_PLAN,
    lease: plan.leaseId,
    key: plan.outboxKey,
    plan: encodeInstallments(plan.installments),
  }).toString();
}

/** The plan an agreement's externalId carries, or undefined for any other agreement. */
export function planOfExternalId(id: string | undefined): SignedPlan | undefined {
  if (id === undefined) return undefined;
  const p = new URLSearchParams(id);
  if (p.get('arrears') !== PAYMENT_PLAN) return undefined;
  const leaseId = p.get('lease');
  const outboxKey = p.get('key');
  const installments = decodeInstallments(p.get('plan') ?? undefined);
  if (!leaseId || !outboxKey || !installments) return undefined;
  return { leaseId, outboxKey, installments };
}

export interface AgreementInput {
  transientDocumentId: string;
  name: string;
  signerEmail: string;
  externalId: string;
  message: string;
}

/** `POST /agreements`: one document, one signer, sent at once (`IN_PROCESS`). */
export function agreementRequestOf(a: AgreementInput) {
  return {
    fileInfos: [{ transientDocumentId: a.transientDocumentId }],
    name: a.name,
    participantSetsInfo: [{ memberInfos: [{ email: a.signerEmail }], order: 1, role: 'SIGNER' }],
    signatureType: 'ESIGN',
    state: 'IN_PROCESS',
    externalId: { id: a.externalId },
    message: a.message,
  };
}
export type AgreementRequest = ReturnType<typeof agreementRequestOf>;

export const agreementInfo = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  status: z.string(),
  externalId: z.object({ id: z.string() }).optional(),
});
export type AgreementInfo = z.infer<typeof agreementInfo>;

export const agreementList = z.object({
  userAgreementList: z
    .array(z.object({ id: z.string().min(1), externalId: z.object({ id: z.string() }).optional() }))
    .default([]),
});

export const created = z.object({ id: z.string().min(1) });
export const transientCreated = z.object({ transientDocumentId: z.string().min(1) });

/** `{code, message}` of the REST API, or `{error, error_description}` of OAuth. */
export function providerErrorOf(json: unknown): ProviderError | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const o = json as Record<string, unknown>;
  if (typeof o.code === 'string')
    return { code: o.code, message: typeof o.message === 'string' ? o.message : o.code };
  if (typeof o.error === 'string')
    return {
      code: o.error,
      message: typeof o.error_description === 'string' ? o.error_description : o.error,
    };
  return undefined;
}

/** Seconds a throttled answer's body asks to wait (`retryAfter`), when it says. */
export function bodyRetryAfterMs(json: unknown): number | null {
  const s = (json as { retryAfter?: unknown } | undefined)?.retryAfter;
  return typeof s === 'number' && Number.isFinite(s) && s >= 0 ? s * 1000 : null;
}

export const tokenAnswer = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1).optional(),
});
export type TokenAnswer = z.infer<typeof tokenAnswer>;

const notification = z.object({
  webhookNotificationId: z.string().min(1),
  event: z.string().min(1),
  eventDate: z.string().optional(),
  agreement: z.object({ id: z.string().min(1) }).optional(),
});
export type Notification = z.infer<typeof notification>;

export function notificationOf(json: unknown): Notification | undefined {
  const parsed = notification.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** The agreement events worth a line in the log: the plan will not be signed. */
export const UNSIGNED_EVENTS = new Set([
  'AGREEMENT_REJECTED',
  'AGREEMENT_RECALLED',
  'AGREEMENT_EXPIRED',
]);
