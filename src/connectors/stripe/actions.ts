/**
 * What an approved action asks of Stripe, and the pay link of a message.
 *
 * `writeback:stripe` (a policy `writeback` action with `target: stripe`):
 *   fields.action = retry_payment   → POST /v1/invoices/{id}/pay  (charge the saved method)
 *   fields.action = resend_invoice  → POST /v1/invoices/{id}/send (e-mail the invoice again;
 *                                      `send_invoice` collection only)
 * on `fields.invoice` when given, else the lease's oldest open invoice; Idempotency-Key =
 * the outbox key, so a retried item never charges twice.
 */
import type { OutboxItem, Sender, SendOutcome } from '../../app/ports/outbox.js';
import type { ConnectorContext } from '../context.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import { StripeApiError, isIdempotencyReuse, type StripeClient } from './client.js';
import type { CustomerLookup } from './lookup.js';
import {
  WRITEBACK_ACTIONS,
  invoiceFieldOf,
  providerErrorOf,
  writebackActionOf,
  type StripeInvoice,
} from './map.js';

const rejected = (code: string, reason: string): SendOutcome => ({ tag: 'rejected', code, reason });

export function createWritebackSender(
  ctx: ConnectorContext,
  client: StripeClient,
  lookup: CustomerLookup,
): Sender {
  async function invoiceOf(item: OutboxItem, signal?: AbortSignal): Promise<string | null> {
    const named = invoiceFieldOf(item.payload.fields);
    if (named) return named;
    const contact = await ctx.recipients.contactOf(item);
    return (await lookup.openInvoiceOf(item.leaseId, contact?.email ?? null, signal))?.id ?? null;
  }

  return {
    id: 'stripe',
    idempotent: true,
    async send(item, sendCtx) {
      const action = writebackActionOf(item.payload.fields);
      if (!action)
        return rejected(
          'unsupported_action',
          'fields.action must be retry_payment or resend_invoice',
        );
      try {
        const invoice = await invoiceOf(item, sendCtx.signal);
        if (!invoice) return rejected('no_open_invoice', 'the lease has no open Stripe invoice');
        const res = await client.invoiceAction(
          invoice,
          WRITEBACK_ACTIONS[action],
          item.key,
          sendCtx.signal,
        );
        // The key already ran, on another invoice or with other parameters (the first
        // attempt's answer was lost and the oldest open invoice has moved on since).
        if (isIdempotencyReuse(res))
          return {
            tag: 'unknown',
            reason: `Stripe already ran a request under ${item.key}; check the invoices`,
          };
        if (res.status === 409) return { tag: 'retryable', reason: 'idempotency key in use' };
        return outcomeOfResponse(res, {
          idempotent: true,
          now: ctx.clock.now(),
          externalId: (r) => (r.json as { id?: string } | undefined)?.id,
          errorOf: (r) => providerErrorOf(r.json),
        });
      } catch (error) {
        if (error instanceof StripeApiError)
          return error.retryable
            ? error.retryAfterMs !== null
              ? {
                  tag: 'retry_after',
                  at: new Date(ctx.clock.now() + error.retryAfterMs).toISOString(),
                  reason: error.message,
                }
              : { tag: 'retryable', reason: error.message }
            : rejected(error.code, error.message);
        return outcomeOfError(error, true);
      }
    },
  };
}

/**
 * The hosted invoice page of a lease's oldest open invoice, for a message's `pay_link`.
 * Stripe creates that page when it finalizes an invoice, so finding it is enough; null
 * when the lease owes nothing in Stripe or is not Stripe's.
 *
 * How a template gets it: the message templates already render `{{ pay_link }}` when
 * their context has one (domain/templates/context.ts `ContextOptions.payLink`). Rendering
 * is pure and synchronous, so the planner would resolve the link before rendering —
 * `await stripe.payLinkFor(lease.id, tenant.email)` — and pass it as `payLink`.
 */
export async function payLinkOf(
  lookup: CustomerLookup,
  leaseId: string,
  email: string | null,
  signal?: AbortSignal,
): Promise<string | null> {
  const invoice: StripeInvoice | null = await lookup.openInvoiceOf(leaseId, email, signal);
  return invoice?.hosted_invoice_url ?? null;
}
