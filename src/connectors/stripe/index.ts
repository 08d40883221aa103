/**
 * `stripe`: invoices and payments in (a data source), the case out (customer metadata),
 * approved retries and re-sends of invoices, pay links for messages, and signed events
 * at `/webhooks/stripe` (SPEC 11; reference/connectors-systems.md §3).
 */
import type { ConnectorInstance, ConnectorModule } from '../contract.js';
import type { ConnectorContext } from '../context.js';
import { createWritebackSender, payLinkOf } from './actions.js';
import { createStripeClient } from './client.js';
import { createCustomerLookup } from './lookup.js';
import { manifest } from './manifest.js';
import { createStripeSink } from './sink.js';
import { createStripeSource } from './source.js';
import { stripeWebhook } from './webhooks.js';

export interface StripeInstance extends ConnectorInstance {
  /**
   * The hosted invoice page of the lease's oldest open invoice (a message's `pay_link`),
   * or null. See actions.ts `payLinkOf` for how a template receives it.
   */
  payLinkFor(leaseId: string, email: string | null, signal?: AbortSignal): Promise<string | null>;
}

export function createStripe(ctx: ConnectorContext): StripeInstance {
  const client = createStripeClient({
    apiKey: ctx.settings.require('API_KEY'),
    baseUrl: ctx.settings.baseUrl,
    now: () => ctx.clock.now(),
  });
  const lookup = createCustomerLookup(client, ctx.log, () => ctx.clock.now());
  return {
    id: 'stripe',
    senders: { 'writeback:stripe': createWritebackSender(ctx, client, lookup) },
    source: createStripeSource({
      client,
      propertyId: ctx.settings.get('PROPERTY_ID'),
      now: () => ctx.clock.now(),
      log: ctx.log,
    }),
    sink: createStripeSink(client, lookup, ctx.log),
    webhook: stripeWebhook(ctx.settings.get('WEBHOOK_SECRET'), ctx.clock, ctx.log),
    payLinkFor: (leaseId, email, signal) => payLinkOf(lookup, leaseId, email, signal),

    async verify(signal) {
      const started = Date.now();
      try {
        await client.customers(null, 1, signal);
        return {
          ok: true,
          detail: 'GET /v1/customers?limit=1 answered 200',
          latencyMs: Date.now() - started,
        };
      } catch (error) {
        return { ok: false, detail: (error as Error).message, latencyMs: Date.now() - started };
      }
    },
  };
}

export const stripeConnector: ConnectorModule = { manifest, create: createStripe };
