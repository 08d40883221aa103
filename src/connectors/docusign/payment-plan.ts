/**
 * The payment-plan agreement both e-signature connectors (DocuSign, Acrobat Sign) send, read
 * from a policy `writeback` action: `target: docusign | adobesign` and
 *
 *   fields: { document: payment_plan, installments: '[{"dueDate":"2026-11-01","amountCents":40000},…]',
 *             amountCents?: '80000' }
 *
 * (`writeback` fields are strings, so the installments come as JSON.) The plan travels with
 * the envelope in a compact form (`2026-11-01:40000,2026-12-01:40000`) so the provider's
 * completion callback can be turned back into a SPEC 3.1 `plan` event without any lookup on
 * our side. Pure: no I/O.
 */
import type { OutboxItem } from '../../app/ports/outbox.js';
import { isLocalDate, type LocalDate } from '../../domain/dates.js';

export const PAYMENT_PLAN = 'payment_plan';

/** More than three years of monthly payments is not a plan a tenant signs by e-mail. */
export const MAX_INSTALLMENTS = 36;

export interface Installment {
  dueDate: LocalDate;
  amountCents: number;
}

export interface PaymentPlan {
  leaseId: string;
  /** The outbox key: the correlation id a repeated send is found by. */
  outboxKey: string;
  installments: Installment[];
  totalCents: number;
}

/** What a signed agreement carries back: enough for the `plan` event. */
export interface SignedPlan {
  leaseId: string;
  outboxKey: string;
  installments: Installment[];
}

export interface PlanRefusal {
  code: string;
  reason: string;
}

const isCents = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) > 0;

function installmentsOf(raw: unknown): Installment[] | string {
  if (!Array.isArray(raw) || raw.length === 0) return 'must be a non-empty JSON array';
  if (raw.length > MAX_INSTALLMENTS) return `has more than ${MAX_INSTALLMENTS} installments`;
  const list: Installment[] = [];
  for (const [i, x] of raw.entries()) {
    const { dueDate, amountCents } = (x ?? {}) as Record<string, unknown>;
    if (!isLocalDate(dueDate)) return `[${i}].dueDate must be a date written YYYY-MM-DD`;
    if (!isCents(amountCents)) return `[${i}].amountCents must be a positive whole number`;
    if (i > 0 && dueDate <= list[i - 1]!.dueDate)
      return `[${i}].dueDate must follow the one before`;
    list.push({ dueDate, amountCents });
  }
  return list;
}

/** The plan an outbox item asks to have signed, or why it cannot be sent. */
export function planOfItem(item: OutboxItem): PaymentPlan | PlanRefusal {
  const fields = item.payload.fields;
  const f = (
    fields && typeof fields === 'object' && !Array.isArray(fields) ? fields : {}
  ) as Record<string, unknown>;
  if (f.document !== PAYMENT_PLAN)
    return {
      code: 'unsupported_document',
      reason: `fields.document must be \`${PAYMENT_PLAN}\` (the one agreement sent for signature)`,
    };
  let parsed: unknown;
  try {
    parsed = typeof f.installments === 'string' ? JSON.parse(f.installments) : f.installments;
  } catch {
    return { code: 'invalid_plan', reason: 'fields.installments is not valid JSON' };
  }
  const installments = installmentsOf(parsed);
  if (typeof installments === 'string')
    return { code: 'invalid_plan', reason: `fields.installments ${installments}` };
  const totalCents = installments.reduce((sum, x) => sum + x.amountCents, 0);
  if (f.amountCents !== undefined && Number(f.amountCents) !== totalCents)
    return {
      code: 'invalid_plan',
      reason: `fields.amountCents (${String(f.amountCents)}) is not the sum of the installments (${totalCents})`,
    };
  return { leaseId: item.leaseId, outboxKey: item.key, installments, totalCents };
}

/** The agreement's date: the day the action was planned for (stable bytes on a resend). */
export function agreementDateOf(item: OutboxItem, nowMs: number): string {
  const d = item.payload.date;
  return isLocalDate(d) ? d : new Date(nowMs).toISOString().slice(0, 10);
}

export const isRefusal = (x: PaymentPlan | PlanRefusal): x is PlanRefusal => 'code' in x;

/** `2026-11-01:40000,2026-12-01:40000`: short enough for a provider's custom field. */
export function encodeInstallments(list: readonly Installment[]): string {
  return list.map((x) => `${x.dueDate}:${x.amountCents}`).join(',');
}

export function decodeInstallments(text: string | undefined): Installment[] | undefined {
  if (text === undefined || text === '') return undefined;
  const list = installmentsOf(
    text.split(',').map((part) => {
      const [dueDate, cents] = part.split(':');
      return { dueDate, amountCents: /^\d{1,15}$/.test(cents ?? '') ? Number(cents) : NaN };
    }),
  );
  return typeof list === 'string' ? undefined : list;
}

/**
 * The SPEC 3.1 `plan` event of a signed agreement. Its id names the provider's envelope, so
 * the same signature recorded twice (a Connect retry, two event kinds for one completion)
 * is stored once.
 */
export function planEvent(
  plan: { leaseId: string; installments: readonly Installment[] },
  signed: { provider: string; agreementId: string; at: string },
): Record<string, unknown> {
  const at = new Date(signed.at);
  const iso = Number.isNaN(at.getTime()) ? undefined : at.toISOString();
  return {
    leaseId: plan.leaseId,
    date: (iso ?? signed.at).slice(0, 10),
    type: 'plan',
    installments: plan.installments.map((x) => ({
      dueDate: x.dueDate,
      amountCents: x.amountCents,
    })),
    id: `${signed.provider}-${signed.agreementId}`,
    ...(iso ? { at: iso } : {}),
    by: `provider:${signed.provider}`,
    note: `payment plan signed (${signed.provider} ${signed.agreementId})`,
  };
}
