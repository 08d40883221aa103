/**
 * Stripe as a data source. A full pull walks the customers (newest first, `starting_after`);
 * every page carries, for each customer, its tenant, lease, all its invoices as charges,
 * their invoice payments and Stripe's balance, so a page never names a lease it does not
 * carry and a balance is never partial. Afterwards the Events API drives the sync: each
 * page of events names the customers that changed, and those are read again whole
 * (events are snapshots, possibly out of order; the current state is what counts).
 * A cursor older than the events Stripe keeps (~30 days) starts a new full pull.
 */
import type { DataSourcePort, SourcePage } from '../../app/ports/sources.js';
import type { ConnectorLog } from '../context.js';
import { StripeApiError, type StripeClient } from './client.js';
import {
  EVENTS_USABLE_S,
  FULL_PULL_OVERLAP_S,
  SYNC_EVENT_TYPES,
  balanceOf,
  customersOfEvents,
  formatCursor,
  invoiceEntries,
  leaseOf,
  mayHavePayments,
  parseCursor,
  paymentEntry,
  tenantOf,
  type StripeCustomer,
} from './map.js';

export interface StripeSourceOptions {
  client: StripeClient;
  propertyId: string | undefined;
  now: () => number;
  log: ConnectorLog;
  /** Customers per full-pull page (each costs a few reads): default 25. */
  customersPerPage?: number;
}

/** An event younger than this (s, clock skew included) may still get a same-second sibling. */
const RECENT_S = 60;

type Records = Required<Pick<SourcePage, 'tenants' | 'leases' | 'ledger' | 'balances'>>;

export function createStripeSource(o: StripeSourceOptions): DataSourcePort {
  const perPage = o.customersPerPage ?? 25;
  const nowS = () => Math.floor(o.now() / 1000);

  async function recordsOf(customers: StripeCustomer[], signal?: AbortSignal): Promise<Records> {
    const out: Records = { tenants: [], leases: [], ledger: [], balances: [] };
    let unplaced = 0;
    for (const customer of customers) {
      if (customer.deleted) continue;
      const lease = leaseOf(customer, o.propertyId);
      if (!lease) {
        unplaced++;
        continue;
      }
      const leaseId = lease.id as string;
      const invoices = await o.client.invoicesOf(customer.id, signal);
      out.tenants.push(tenantOf(customer));
      out.leases.push(lease);
      for (const invoice of invoices) {
        out.ledger.push(...invoiceEntries(invoice, leaseId));
        if (!mayHavePayments(invoice)) continue;
        for (const p of await o.client.paidInvoicePayments(invoice.id, signal)) {
          const entry = paymentEntry(p, leaseId);
          if (entry) out.ledger.push(entry);
        }
      }
      out.balances.push({ leaseId, balanceCents: balanceOf(invoices) });
    }
    if (unplaced > 0)
      o.log.warn(
        { connector: 'stripe', customers: unplaced },
        'Stripe customers without a property skipped: set ARREARS_STRIPE_PROPERTY_ID or their metadata arrears_property_id',
      );
    return out;
  }

  async function fullPage(started: number, after: string | null, signal?: AbortSignal) {
    const page = await o.client.customers(after, perPage, signal);
    const records = await recordsOf(page.data, signal);
    const last = page.data.at(-1);
    const more = page.has_more && last !== undefined;
    return {
      ...records,
      cursor: formatCursor(
        more
          ? { mode: 'full', started, after: last.id }
          : { mode: 'events', since: started - FULL_PULL_OVERLAP_S },
      ),
      more,
    } satisfies SourcePage;
  }

  async function eventsPage(
    since: number,
    upTo: number | undefined,
    after: string | undefined,
    signal?: AbortSignal,
  ): Promise<SourcePage> {
    const page = await o.client.events(since, SYNC_EVENT_TYPES, after, signal);
    // Newest first: the first page's newest event is where this batch ends. While that
    // event is recent, another may still be written in the same second after our read:
    // the cursor then stays a second short and that second is read again next time.
    const newest = page.data[0]?.created;
    const end =
      upTo ??
      (newest === undefined
        ? since
        : Math.max(since, newest >= nowS() - RECENT_S ? newest - 1 : newest));
    const customers: StripeCustomer[] = [];
    for (const id of customersOfEvents(page.data)) {
      try {
        customers.push(await o.client.customer(id, signal));
      } catch (error) {
        // A customer gone for good must not hold the sync at this page forever.
        if (!(error instanceof StripeApiError && error.status === 404)) throw error;
      }
    }
    const records = await recordsOf(customers, signal);
    const last = page.data.at(-1);
    const more = page.has_more && last !== undefined;
    return {
      ...records,
      cursor: formatCursor(
        more
          ? { mode: 'events', since, upTo: end, after: last.id }
          : { mode: 'events', since: end },
      ),
      more,
    };
  }

  return {
    async pull(cursorText, signal) {
      const cursor = parseCursor(cursorText);
      if (cursorText !== null && cursor === null)
        o.log.warn({ connector: 'stripe' }, 'unreadable Stripe sync cursor: starting a full pull');
      if (cursor?.mode === 'full') return fullPage(cursor.started, cursor.after, signal);
      if (cursor?.mode === 'events' && cursor.since >= nowS() - EVENTS_USABLE_S)
        return eventsPage(cursor.since, cursor.upTo, cursor.after, signal);
      if (cursor)
        o.log.info(
          { connector: 'stripe' },
          'the sync cursor is older than the events Stripe keeps: starting a full pull',
        );
      return fullPage(nowS(), null, signal);
    },
  };
}
