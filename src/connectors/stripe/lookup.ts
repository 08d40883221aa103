/**
 * Which Stripe customer a lease is. A lease this connector synced names it (`stripe-lease-
 * cus_…`); any other lease is found by the `arrears_lease_id` metadata our write-back puts
 * on the customer, else by the tenant's e-mail when exactly one customer has it. Never
 * creates a customer: a lease with none in Stripe is simply not Stripe's.
 */
import type { ConnectorLog } from '../context.js';
import type { StripeClient } from './client.js';
import { customerIdOfLease, oldestOpenInvoice, searchValue, type StripeInvoice } from './map.js';

export interface CustomerLookup {
  customerOf(leaseId: string, email: string | null, signal?: AbortSignal): Promise<string | null>;
  /** The lease's oldest open invoice still owing, if any. */
  openInvoiceOf(
    leaseId: string,
    email: string | null,
    signal?: AbortSignal,
  ): Promise<StripeInvoice | null>;
}

/** A lease with no customer is asked again after this long (the customer may be tagged). */
const MISS_TTL_MS = 3_600_000;

export function createCustomerLookup(
  client: StripeClient,
  log: ConnectorLog,
  now: () => number,
): CustomerLookup {
  const known = new Map<string, { id: string | null; at: number }>();

  async function find(leaseId: string, email: string | null, signal?: AbortSignal) {
    const own = customerIdOfLease(leaseId);
    if (own) return own;
    const tagged = await client.searchCustomers(
      `metadata['arrears_lease_id']:${searchValue(leaseId)}`,
      signal,
    );
    if (tagged.data.length === 1) return tagged.data[0]!.id;
    if (!email) return null;
    const byEmail = await client.customersByEmail(email, signal);
    if (byEmail.data.length === 1) return byEmail.data[0]!.id;
    if (byEmail.data.length > 1)
      log.warn(
        { connector: 'stripe', leaseId },
        "several Stripe customers share the tenant's e-mail: set metadata arrears_lease_id on the right one",
      );
    return null;
  }

  const lookup: CustomerLookup = {
    async customerOf(leaseId, email, signal) {
      const hit = known.get(leaseId);
      if (hit && (hit.id !== null || now() - hit.at < MISS_TTL_MS)) return hit.id;
      const id = await find(leaseId, email, signal);
      known.set(leaseId, { id, at: now() });
      return id;
    },
    async openInvoiceOf(leaseId, email, signal) {
      const customer = await lookup.customerOf(leaseId, email, signal);
      if (!customer) return null;
      return oldestOpenInvoice(await client.invoicesOf(customer, signal, 'open')) ?? null;
    },
  };
  return lookup;
}
